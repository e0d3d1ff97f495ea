/**
 * Regeneration runs: start one (POST under its cluster) and read one (GET by id). The document answers from the
 * workflow's `state` query while it runs, and adds the result or the failure once it has closed.
 */
import { randomBytes } from 'node:crypto';
import { WorkflowFailedError, WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { findCluster } from '../../inventory/load';
import { stateQuery } from '../../workflows/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from '../../workflows/search-attributes';
import type { RegenerationRequest, RegenerationResult, RegenerationState } from '../../workflows/types';
import { CERTIFICATE_UNITS, type CertificateUnit } from '../../workflows/units';
import { rotateCluster } from '../../workflows/rotate-cluster';
import type { ApiDeps } from '../app';
import { HttpProblem } from '../problem';

export type RunStatus = 'running' | 'awaiting-approval' | 'completed' | 'failed' | 'cancelled' | 'aborted';

export interface RegenerationDocument {
  id: string;
  clusterId: string;
  units: string[];
  status: RunStatus;
  startedAt?: string;
  closedAt?: string;
  phase?: RegenerationState['phase'];
  steps: RegenerationState['steps'];
  pendingGates: RegenerationState['pendingGates'];
  result?: RegenerationResult;
  error?: string;
}

/** Temporal's execution status, in the words of the API (and of a UC engineer). */
export function runStatus(
  temporalStatus: WorkflowExecutionDescription['status']['name'],
  state?: RegenerationState,
): RunStatus {
  switch (temporalStatus) {
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
    case 'TIMED_OUT':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'aborted';
    default:
      return state && state.pendingGates.length > 0 ? 'awaiting-approval' : 'running';
  }
}

const ID_PATTERN = '^regen-[A-Za-z0-9._-]+$';
const stepSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'running', 'completed', 'skipped', 'failed'] },
    nodeId: { type: 'string' },
    service: { type: 'string' },
    unit: { type: 'string' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    detail: { type: 'string' },
  },
} as const;

const documentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    clusterId: { type: 'string' },
    units: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: ['running', 'awaiting-approval', 'completed', 'failed', 'cancelled', 'aborted'] },
    phase: { type: 'string' },
    startedAt: { type: 'string' },
    closedAt: { type: 'string' },
    steps: { type: 'array', items: stepSchema },
    pendingGates: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, kind: { type: 'string' }, description: { type: 'string' } },
      },
    },
    result: { type: 'object', additionalProperties: true },
    error: { type: 'string' },
  },
} as const;

const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
  },
} as const;

interface StartBody {
  units: CertificateUnit[];
  notBefore?: string;
  approvals?: RegenerationRequest['approvals'];
  phoneReset?: RegenerationRequest['phoneReset'];
  registrationDeadlineMinutes?: number;
}

export function regenerationRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Params: { clusterId: string }; Body: StartBody }>(
    '/v1/clusters/:clusterId/regenerations',
    {
      schema: {
        summary: 'Start regenerating certificates on a cluster',
        description: `Starts a durable run and answers 202 at once; follow it at the Location. One unit runs regenerateCertificate; several run rotateCluster (the units one by one, in the safe order, TVS last). Run POST /v1/clusters/{id}/plan first for a dry run.`,
        params: {
          type: 'object',
          properties: { clusterId: { type: 'string', maxLength: 63 } },
          required: ['clusterId'],
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['units'],
          properties: {
            units: {
              type: 'array',
              minItems: 1,
              uniqueItems: true,
              items: { type: 'string', enum: [...CERTIFICATE_UNITS] },
            },
            approvals: {
              type: 'array',
              uniqueItems: true,
              items: { type: 'string', enum: ['before-start', 'before-restarts', 'before-phone-reset'] },
              description:
                'Gates to stop at (default ["before-start"]); [] runs without stopping. Safety gates (accept missing phones, confirm a manual phone reset) always apply.',
            },
            phoneReset: { type: 'string', enum: ['all', 'secure-only', 'none'] },
            registrationDeadlineMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
            notBefore: {
              type: 'string',
              format: 'date-time',
              description: 'Start of the maintenance window: nothing changes before it.',
            },
          },
        },
        response: {
          202: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              clusterId: { type: 'string' },
              status: { type: 'string' },
              location: { type: 'string' },
            },
          },
          400: problemSchema,
          404: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const { clusterId } = request.params;
      if (!findCluster(deps.inventory, clusterId)) {
        throw new HttpProblem(
          404,
          'Not Found',
          `Cluster "${clusterId}" is not in the inventory; GET /v1/clusters lists the known ones.`,
        );
      }
      const { units, notBefore, approvals, phoneReset, registrationDeadlineMinutes } = request.body;
      const id = `regen-${clusterId}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
      const input: RegenerationRequest = {
        clusterId,
        units,
        ...(notBefore ? { notBefore } : {}),
        ...(approvals ? { approvals } : {}),
        ...(phoneReset ? { phoneReset } : {}),
        ...(registrationDeadlineMinutes ? { registrationDeadlineMinutes } : {}),
      };
      // One unit: regenerateCertificate; several: rotateCluster runs them one by one in the plan's safe order.
      await deps.temporal.workflow.start(units.length > 1 ? rotateCluster : regenerateCertificate, {
        workflowId: id,
        taskQueue: deps.taskQueue,
        args: [input],
        typedSearchAttributes: [
          { key: CLUSTER_ID, value: clusterId },
          { key: CERT_UNITS, value: units },
          { key: RUN_PHASE, value: 'running' },
        ],
        staticSummary: `Regenerate ${units.join(', ')} on ${clusterId}`,
      });
      request.log.info({ runId: id, clusterId, units }, 'regeneration started');
      const location = `/v1/regenerations/${id}`;
      return reply.code(202).header('location', location).send({ id, clusterId, status: 'running', location });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/regenerations/:id',
    {
      schema: {
        summary: 'State of a regeneration run',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: ID_PATTERN, maxLength: 200 } },
          required: ['id'],
        },
        response: { 200: documentSchema, 404: problemSchema },
      },
    },
    async (request) => {
      const handle = deps.temporal.workflow.getHandle(request.params.id);
      let description: WorkflowExecutionDescription;
      try {
        description = await handle.describe();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError)
          throw new HttpProblem(404, 'Not Found', `No regeneration run "${request.params.id}".`);
        throw err;
      }
      // The query answers while running and, replayed by a worker, after close too; a closed run with no worker
      // still answers from its search attributes and result.
      let state: RegenerationState | undefined;
      try {
        state = await handle.query(stateQuery);
      } catch (err) {
        request.log.warn({ err, id: request.params.id }, 'state query failed');
      }
      const attrs = description.typedSearchAttributes;
      const doc: RegenerationDocument = {
        id: description.workflowId,
        clusterId: state?.clusterId ?? attrs.get(CLUSTER_ID) ?? 'unknown',
        units: state?.units ?? attrs.get(CERT_UNITS) ?? [],
        status: runStatus(description.status.name, state),
        phase: state?.phase,
        startedAt: description.startTime.toISOString(),
        closedAt: description.closeTime?.toISOString(),
        steps: state?.steps ?? [],
        pendingGates: state?.pendingGates ?? [],
      };
      if (doc.status === 'completed') doc.result = (await handle.result()) as RegenerationResult;
      if (doc.status === 'failed') {
        try {
          await handle.result();
        } catch (err) {
          doc.error =
            err instanceof WorkflowFailedError && err.cause
              ? err.cause.message
              : err instanceof Error
                ? err.message
                : String(err);
        }
      }
      return doc;
    },
  );
}
