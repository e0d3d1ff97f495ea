/**
 * The expiry watch of a cluster (its Temporal Schedule `expiry-watch:<clusterId>`, created by the worker at start):
 * its state, next runs and last result; pause and resume with a note (operator role), as the Temporal UI's
 * Schedules page does.
 */
import { ScheduleNotFoundError, WorkflowNotFoundError, type ScheduleHandle } from '@temporalio/client';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { identityOf } from '../auth';
import { clusterOr404 } from '../cluster-lookup';
import { withDeadline, type ApiDeps } from '../deps';
import { HttpProblem } from '../problem';
import { authProblems, clusterParamsSchema, problemSchema } from '../schemas';
import { bearerSecurity } from '../auth';
import { expiryPolicyOf } from '../../domain/inventory/expiry-policy';
import { activeFreeze, freezesAhead } from '../../domain/freeze';
import { freezeMarginDaysOf, freezesOf } from '../../domain/inventory/freezes';
import { expiryScheduleId, type ExpiryWatchResult } from '../../domain/contract/expiry-watch';

const noteBody = {
  type: 'object',
  additionalProperties: false,
  properties: { note: { type: 'string', minLength: 1, maxLength: 500, description: 'why (shown on the Schedule)' } },
} as const;

const watchSchema = {
  type: 'object',
  properties: {
    clusterId: { type: 'string' },
    scheduleId: { type: 'string' },
    state: { type: 'string', enum: ['active', 'paused'] },
    note: { type: 'string' },
    at: { type: 'string' },
    timeZone: { type: 'string' },
    renewBeforeDays: { type: 'integer' },
    freezes: {
      type: 'array',
      description: "The cluster's change freezes not yet ended, as UTC instants (docs/configuration.md)",
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, startsAt: { type: 'string' }, endsAt: { type: 'string' } },
      },
    },
    freezeMarginDays: { type: 'integer' },
    frozenUntil: { type: 'string', description: 'Inside a freeze now: when starting is possible again' },
    nextRuns: { type: 'array', items: { type: 'string' } },
    lastRun: {
      type: ['object', 'null'],
      properties: {
        workflowId: { type: 'string' },
        scheduledAt: { type: 'string' },
        status: { type: 'string' },
        result: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

interface WatchParams {
  clusterId: string;
}

async function described(deps: ApiDeps, clusterId: string) {
  const cluster = clusterOr404(deps, clusterId);
  const handle = deps.temporal.schedule.getHandle(expiryScheduleId(cluster.id, deps.taskQueue));
  try {
    return { cluster, handle, description: await withDeadline(deps, 5_000, () => handle.describe()) };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError)
      throw new HttpProblem(
        404,
        'Not Found',
        `Cluster "${cluster.id}" has no expiry watch yet: the worker creates its Schedule (${handle.scheduleId}) when it starts.`,
      );
    throw err;
  }
}

async function document(deps: ApiDeps, clusterId: string) {
  const { cluster, handle, description } = await described(deps, clusterId);
  const policy = expiryPolicyOf(cluster);
  const now = Date.now();
  const freezes = freezesAhead(freezesOf(cluster), now);
  const frozen = activeFreeze(freezes, now);
  const last = description.info.recentActions.at(-1);
  let lastRun = null;
  if (last) {
    const workflowId = last.action.workflow.workflowId;
    const run = deps.temporal.workflow.getHandle(workflowId, last.action.workflow.firstExecutionRunId);
    try {
      const status = (await withDeadline(deps, 5_000, () => run.describe())).status.name;
      const result =
        status === 'COMPLETED'
          ? await withDeadline(deps, 5_000, () => run.result() as Promise<ExpiryWatchResult>)
          : undefined;
      lastRun = {
        workflowId,
        scheduledAt: last.scheduledAt.toISOString(),
        status,
        ...(result ? { result } : {}),
      };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      lastRun = { workflowId, scheduledAt: last.scheduledAt.toISOString(), status: 'UNKNOWN' };
    }
  }
  return {
    clusterId: cluster.id,
    scheduleId: handle.scheduleId,
    state: description.state.paused ? 'paused' : 'active',
    note: description.state.note ?? '',
    at: policy.at,
    timeZone: policy.timeZone,
    renewBeforeDays: policy.renewBeforeDays,
    freezes,
    freezeMarginDays: freezeMarginDaysOf(cluster),
    ...(frozen ? { frozenUntil: frozen.until } : {}),
    nextRuns: description.info.nextActionTimes.map((t) => t.toISOString()),
    lastRun,
  };
}

export function expiryWatchRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: WatchParams }>(
    '/v1/clusters/:clusterId/expiry-watch',
    {
      schema: {
        summary: "The cluster's daily expiry watch: state, next runs, last result",
        tags: ['expiry-watch'],
        security: bearerSecurity,
        params: clusterParamsSchema,
        response: { 200: watchSchema, 404: problemSchema, ...authProblems },
      },
    },
    (request) => document(deps, request.params.clusterId),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post<{ Params: WatchParams; Body: { note?: string } | undefined }>(
      `/v1/clusters/:clusterId/expiry-watch/${action}`,
      {
        schema: {
          summary: `${action === 'pause' ? 'Pause' : 'Resume'} the cluster's expiry watch (its Temporal Schedule), with a note`,
          description: 'Needs an operator token; the note is recorded on the Schedule with the caller name.',
          tags: ['expiry-watch'],
          security: bearerSecurity,
          params: clusterParamsSchema,
          body: noteBody,
          response: { 200: watchSchema, 404: problemSchema, ...authProblems },
        },
      },
      async (request: FastifyRequest<{ Params: WatchParams; Body: { note?: string } | undefined }>) => {
        const { handle } = await described(deps, request.params.clusterId);
        const note = `${action === 'pause' ? 'Paused' : 'Resumed'} by ${identityOf(request)} over the REST API${request.body?.note ? `: ${request.body.note}` : ''}`;
        const schedule: ScheduleHandle = handle;
        await withDeadline(deps, 5_000, () => (action === 'pause' ? schedule.pause(note) : schedule.unpause(note)));
        request.log.info({ scheduleId: handle.scheduleId, action, note }, 'expiry watch changed');
        return document(deps, request.params.clusterId);
      },
    );
  }
}
