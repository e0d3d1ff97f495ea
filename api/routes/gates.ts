/**
 * Human gates, cancellation and the audit trail of a run. A gate decision goes through the workflow's update, so
 * the answer says whether the run accepted it (the update's validator refuses a gate that is not pending or a
 * decision that gate does not take). The approver is the token's identity, never a field the caller types.
 *
 * A rotation answers for itself: its update checks the gate against the unit it is on now (gate ids name their
 * unit, `tomcat.before-start-1`, so a stale decision for an earlier unit is refused, never applied to the next) and
 * hands it to that unit run; its audit trail is in its own state (its unit runs report to it). The API never
 * reads or addresses a rotation's unit runs.
 */
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { decideGateUpdate, submitSignedChainUpdate } from '../../domain/messages';
import type { GateDecisionKind, IgnoredDecision, UnitRunState } from '../../domain/types';
import { bearerSecurity, deciderOf } from '../auth';
import { attestState, evidenceOf } from '../decision-identities';
import { HttpProblem } from '../problem';
import { notFound, readRun, rotationUnits } from '../runs';
import { authProblems, problemSchema } from '../schemas';
import { withDeadline, type ApiDeps } from '../deps';
import { rotationParent } from '../visibility';
import { POLICY_REFUSED } from '../../domain/policy';

const RUN_ID = { type: 'string', pattern: '^regen-[A-Za-z0-9._-]+$', maxLength: 200 } as const;
const DECISIONS: GateDecisionKind[] = ['approve', 'reject', 'retry', 'skip', 'abort'];

/** The audit trail of one run's state; `extra` fields (the unit of a rotation) go on every event. */
/** Decisions a run could not apply (signals from the Temporal UI): "ignored: gate X is not pending". */
function ignoredEvents(ignored: IgnoredDecision[] = [], extra: Record<string, unknown> = {}) {
  return ignored.map((i) => ({
    at: i.at,
    type: 'ignored-decision',
    gate: i.gateId,
    decision: i.decision,
    by: i.by,
    via: i.via,
    reason: i.reason,
    detail: `ignored: ${i.reason}`,
    ...extra,
  }));
}

function eventsOf(state: UnitRunState, extra: Record<string, unknown> = {}): Array<Record<string, unknown>> {
  return [
    state.requestedBy
      ? { at: state.startedAt, type: 'started', by: state.requestedBy, units: state.units, ...extra }
      : { at: state.startedAt, type: 'started', units: state.units, ...extra },
    ...state.steps.map((s) => ({
      at: s.startedAt ?? state.startedAt,
      type: 'step',
      kind: s.kind,
      description: s.description,
      status: s.status,
      nodeId: s.nodeId,
      detail: s.detail,
      finishedAt: s.finishedAt,
      ...extra,
    })),
    ...state.decisions.map((d) => ({
      at: d.at,
      type: 'decision',
      gate: d.gateId,
      kind: d.kind,
      decision: d.decision,
      by: d.by,
      comment: d.comment,
      // Verified or not, how, and Temporal's record of the sender (../decision-identities.ts).
      ...evidenceOf(d),
      ...(d.approval ? { approval: `${d.approval.count} of ${d.approval.needs}` } : {}),
      ...extra,
    })),
    ...ignoredEvents(state.ignoredDecisions, extra),
  ];
}

/** 404 for an unknown run, 409 for one that has ended: only a running run has gates. */
async function gateHolder(deps: ApiDeps, id: string): Promise<string> {
  let description;
  try {
    description = await withDeadline(deps, 5_000, () => deps.temporal.workflow.getHandle(id).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(id);
    throw err;
  }
  if (description.status.name !== 'RUNNING')
    throw new HttpProblem(
      409,
      'Conflict',
      `Run "${id}" is ${description.status.name.toLowerCase()}: no gate is pending.`,
    );
  return id;
}

export function gateRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.post<{ Params: { id: string; gate: string }; Body: { decision: GateDecisionKind; comment?: string } }>(
    '/v1/regenerations/:id/gates/:gate',
    {
      config: { permission: 'decide' },
      schema: {
        summary: 'Decide a pending gate (approver)',
        description:
          'approve | reject | retry | skip | abort, as the gate allows (its `allowed` list in GET /v1/regenerations/{id}). Gate ids name their unit and go into the path as listed (`tomcat.before-start-1`; runs started before 2026-12-07 list `tomcat/before-start-1`: URL-encode that slash as `%2F`). For a rotation, only a gate pending in the unit it is on now is accepted: a stale or repeated decision is 409.',
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
      // Who decides, as the API authenticated them (by, verified, how, their roles or groups): never a field typed in.
      const decider = deciderOf(request);
      const by = decider.by;
      const target = await gateHolder(deps, id);
      const handle = deps.temporal.workflow.getHandle(target);
      try {
        const decided = await handle.executeUpdate(decideGateUpdate, {
          args: [{ gateId: gate, decision: request.body.decision, comment: request.body.comment, ...decider }],
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
          if (closed) throw new HttpProblem(409, 'Conflict', `Run "${target}" is ${closed}: no gate is pending.`);
          throw notFound(id);
        }
        if (err instanceof WorkflowUpdateFailedError) {
          // A decision the approval policy refuses names its rule (requester-approves-own-run, ...).
          const cause = err.cause;
          const rule =
            cause instanceof ApplicationFailure && cause.type === POLICY_REFUSED ? cause.details?.[0] : undefined;
          throw new HttpProblem(
            409,
            'Conflict',
            `The run did not accept the decision: ${cause?.message ?? err.message}`,
            typeof rule === 'string' ? { rule } : undefined,
          );
        }
        throw err;
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { nodeId: string; chainPem: string } }>(
    '/v1/regenerations/:id/chains',
    {
      config: { permission: 'start' },
      bodyLimit: 256 * 1024,
      schema: {
        summary: 'Submit the CA-signed chain for a pending CSR (operator)',
        description:
          "For a CA-signed unit the run generates a CSR per node (csrs in GET /v1/regenerations/{id}) and waits at its signed-certificate gate. Send each node's chain as PEM: the signed leaf, then the intermediate and root CA certificates. The run checks it against the CSR (same key, names the node, valid now, complete to a self-signed root, no private key) before accepting it; 409 says why it did not.",
        tags: ['regenerations'],
        security: bearerSecurity,
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: RUN_ID },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['nodeId', 'chainPem'],
          properties: {
            nodeId: { type: 'string', minLength: 1, maxLength: 255 },
            chainPem: { type: 'string', minLength: 1, maxLength: 200_000, pattern: 'BEGIN CERTIFICATE' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              accepted: { type: 'boolean' },
              nodeId: { type: 'string' },
              serial: { type: 'string' },
              issuer: { type: 'string' },
              notAfter: { type: 'string' },
              waitingFor: { type: 'array', items: { type: 'string' } },
            },
          },
          404: problemSchema,
          409: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request) => {
      const target = await gateHolder(deps, request.params.id);
      const decider = deciderOf(request);
      const by = decider.by;
      try {
        const accepted = await deps.temporal.workflow
          .getHandle(target)
          .executeUpdate(submitSignedChainUpdate, { args: [{ ...request.body, ...decider }] });
        request.log.info({ runId: target, nodeId: request.body.nodeId, by }, 'signed chain accepted');
        return { accepted: true, ...accepted };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError)
          throw new HttpProblem(
            409,
            'Conflict',
            `The run did not accept the chain: ${err.cause?.message ?? err.message}`,
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
      request.log.info({ runId: request.params.id, ...deciderOf(request) }, 'cancellation requested');
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
          503: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request) => {
      const id = request.params.id;
      const view = await readRun(deps, id, request.log);
      let events: Array<Record<string, unknown>>;
      if (view.rotation) {
        const r = view.rotation;
        const units = await rotationUnits(deps, r, request.log);
        const attested = await Promise.all(
          units.map(async (u) => ({ ...u, state: u.state && (await attestState(deps, u.state, u.workflowId, id)) })),
        );
        events = [
          ...attested.flatMap((u) => (u.state ? eventsOf(u.state, { unit: u.unit, runId: u.workflowId }) : [])),
          ...ignoredEvents(r.ignoredDecisions),
        ];
      } else {
        if (!view.state)
          throw new HttpProblem(
            503,
            'Service Unavailable',
            `Run "${id}" did not answer its state query (is a worker polling ${deps.taskQueue}?). Retry later.`,
          );
        events = eventsOf(
          await attestState(deps, view.state, id, rotationParent(view.description.parentExecution?.workflowId)),
        );
      }
      events.sort((a, b) => String(a.at).localeCompare(String(b.at)));
      return { id, events };
    },
  );
}
