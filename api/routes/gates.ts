/**
 * Human gates, cancellation and the audit trail of a run. A gate decision goes through the workflow's update, so
 * the answer says whether the run accepted it (the update's validator refuses a gate that is not pending or a
 * decision that gate does not take). The approver is the token's identity, never a field the caller types.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { decideGateUpdate, stateQuery } from '../../workflows/messages';
import type { GateDecisionKind } from '../../workflows/types';
import type { ApiDeps } from '../app';
import { bearerSecurity, identityOf } from '../auth';
import { HttpProblem } from '../problem';
import { authProblems, problemSchema } from '../schemas';

const RUN_ID = { type: 'string', pattern: '^regen-[A-Za-z0-9._-]+$', maxLength: 200 } as const;
const DECISIONS: GateDecisionKind[] = ['approve', 'reject', 'retry', 'skip', 'abort'];

function notFound(id: string): HttpProblem {
  return new HttpProblem(404, 'Not Found', `No regeneration run "${id}".`);
}

export function gateRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Params: { id: string; gate: string }; Body: { decision: GateDecisionKind; comment?: string } }>(
    '/v1/regenerations/:id/gates/:gate',
    {
      config: { permission: 'decide' },
      schema: {
        summary: 'Decide a pending gate (approver)',
        description:
          'approve | reject | retry | skip | abort, as the gate allows (its `allowed` list in GET /v1/regenerations/{id}).',
        tags: ['regenerations'],
        security: bearerSecurity,
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'gate'],
          properties: { id: RUN_ID, gate: { type: 'string', maxLength: 100 } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['decision'],
          properties: { decision: { type: 'string', enum: DECISIONS }, comment: { type: 'string', maxLength: 2000 } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              accepted: { type: 'boolean' },
              gate: { type: 'object', additionalProperties: true },
              by: { type: 'string' },
            },
          },
          404: problemSchema,
          409: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request) => {
      const { id, gate } = request.params;
      const by = identityOf(request);
      const handle = deps.temporal.workflow.getHandle(id);
      try {
        const decided = await handle.executeUpdate(decideGateUpdate, {
          args: [{ gateId: gate, decision: request.body.decision, comment: request.body.comment, by }],
        });
        request.log.info({ runId: id, gate, decision: request.body.decision, by }, 'gate decided');
        return { accepted: true, gate: decided, by };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          // Temporal answers "not found" to an update on a closed run: tell the two apart.
          const closed = await handle.describe().then(
            (d) => d.status.name.toLowerCase(),
            () => undefined,
          );
          if (closed) throw new HttpProblem(409, 'Conflict', `Run "${id}" is ${closed}: no gate is pending.`);
          throw notFound(id);
        }
        if (err instanceof WorkflowUpdateFailedError)
          throw new HttpProblem(
            409,
            'Conflict',
            `The run did not accept the decision: ${err.cause?.message ?? err.message}`,
          );
        throw err;
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/regenerations/:id/cancel',
    {
      config: { permission: 'start' },
      schema: {
        summary: 'Cancel a run (operator): the current step is cancelled; nothing further is started',
        tags: ['regenerations'],
        security: bearerSecurity,
        params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: RUN_ID } },
        response: {
          202: { type: 'object', properties: { id: { type: 'string' }, status: { type: 'string' } } },
          404: problemSchema,
          409: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request, reply) => {
      const handle = deps.temporal.workflow.getHandle(request.params.id);
      try {
        const description = await handle.describe();
        if (description.status.name !== 'RUNNING')
          throw new HttpProblem(
            409,
            'Conflict',
            `Run "${request.params.id}" is ${description.status.name.toLowerCase()}: nothing to cancel.`,
          );
        await handle.cancel();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw notFound(request.params.id);
        throw err;
      }
      request.log.info({ runId: request.params.id, by: identityOf(request) }, 'cancellation requested');
      return reply.code(202).send({ id: request.params.id, status: 'cancelling' });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/regenerations/:id/events',
    {
      schema: {
        summary: 'Audit trail of a run: steps and gate decisions, with who and when, in time order',
        tags: ['regenerations'],
        security: bearerSecurity,
        params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: RUN_ID } },
        response: {
          200: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              events: { type: 'array', items: { type: 'object', additionalProperties: true } },
            },
          },
          404: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request) => {
      const handle = deps.temporal.workflow.getHandle(request.params.id);
      try {
        const state = await handle.query(stateQuery);
        const events = [
          ...(state.requestedBy
            ? [{ at: state.startedAt, type: 'started', by: state.requestedBy, units: state.units }]
            : [{ at: state.startedAt, type: 'started', units: state.units }]),
          ...state.steps.map((s) => ({
            at: s.startedAt ?? state.startedAt,
            type: 'step',
            kind: s.kind,
            description: s.description,
            status: s.status,
            nodeId: s.nodeId,
            detail: s.detail,
            finishedAt: s.finishedAt,
          })),
          ...state.decisions.map((d) => ({
            at: d.at,
            type: 'decision',
            gate: d.gateId,
            kind: d.kind,
            decision: d.decision,
            by: d.by,
            comment: d.comment,
          })),
        ].sort((a, b) => String(a.at).localeCompare(String(b.at)));
        return { id: request.params.id, events };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw notFound(request.params.id);
        throw err;
      }
    },
  );
}
