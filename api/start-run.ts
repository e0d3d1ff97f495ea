/**
 * Starting a run (POST /v1/clusters/{id}/regenerations): the request's id, its Idempotency-Key, and the cluster's
 * entity, which starts the run as its child unless another run holds the cluster (workflows/cluster-entity.ts).
 * No lock, no memory of recent starts: every API process asks the same entity, so replicas and restarts agree.
 */
import { createHash, randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type WorkflowExecutionDescription } from '@temporalio/client';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { clusterBusyHolder, updateClusterEntity, updateFailureType } from '../clients/cluster-entity';
import { RUN_ID_TAKEN, startRunUpdate, type StartedRun } from '../domain/contract/cluster-entity';
import { windowProblem } from '../domain/maintenance-window';
import { activeFreeze, describeFreeze } from '../domain/freeze';
import { runApprovalPolicy } from '../domain/inventory/approval-policy';
import { findCluster } from '../domain/inventory/types';
import { freezesOf } from '../domain/inventory/freezes';
import { RUN_PHASE } from '../domain/search-attributes';
import type { GateDecision, RegenerationRequest } from '../domain/types';
import { withDeadline, type ApiDeps } from './deps';
import type { ApiMetrics } from './metrics';
import { HttpProblem } from './problem';
import type { StartAnswer, StartBody } from './regeneration-schemas';
import { statusFromTemporal } from './visibility';

/** JSON with sorted keys: the same body always hashes the same, whatever the order of its fields. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function describeOrUndefined(
  deps: ApiDeps,
  id: string,
): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await withDeadline(deps, 5_000, () => deps.temporal.workflow.getHandle(id).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** How the API authenticated the requester: kept in the run's memo (`requestedVia`) beside `requestedBy`. */
export type RequestedVia = 'api-token' | 'oidc';

/** The requester of a start as deciderOf gives it: the name, and how it was verified (absent: not verified). */
export function requesterOf(decider: Pick<GateDecision, 'by' | 'verified' | 'authenticatedBy'>): {
  requestedBy: string;
  requestedVia?: RequestedVia;
} {
  return {
    requestedBy: decider.by ?? 'anonymous',
    ...(decider.verified && decider.authenticatedBy ? { requestedVia: decider.authenticatedBy } : {}),
  };
}

/** An existing run started with this idempotency key: the same request gets it back, another one a 422. */
export function replayOf(
  metrics: ApiMetrics | undefined,
  description: WorkflowExecutionDescription,
  requestHash: string,
  clusterId: string,
): StartAnswer {
  if (description.memo?.requestHash !== requestHash) {
    metrics?.startsRefused.inc({ reason: 'idempotency-conflict' });
    throw new HttpProblem(
      422,
      'Unprocessable Content',
      `This Idempotency-Key was already used for a different request (run ${description.workflowId}). ` +
        'Send the same body to the same cluster to get that run back, or use a new key for a new run.',
      { runId: description.workflowId },
    );
  }
  metrics?.idempotentReplays.inc();
  return {
    id: description.workflowId,
    clusterId,
    status: statusFromTemporal(description.status.name, description.typedSearchAttributes.get(RUN_PHASE)),
    location: `/v1/regenerations/${description.workflowId}`,
    replayed: true,
  };
}

export async function startRun(
  deps: ApiDeps,
  metrics: ApiMetrics | undefined,
  start: {
    clusterId: string;
    body: StartBody;
    requestedBy: string;
    requestedVia?: RequestedVia;
    key?: string;
    withPolicy?: boolean;
  },
  log: FastifyBaseLogger,
): Promise<StartAnswer> {
  const { clusterId, body, requestedBy, requestedVia, key, withPolicy = true } = start;
  const replay = (description: WorkflowExecutionDescription, requestHash: string, cluster: string) =>
    replayOf(metrics, description, requestHash, cluster);
  const {
    units,
    notBefore,
    approvals,
    phoneReset,
    registrationDeadlineMinutes,
    maintenanceWindow,
    restartStrategy,
    csrDistribution,
    canaryPhones,
  } = body;
  // What the schema cannot say (a real IANA zone, a window that opens at all): the workflow's own rule.
  const windowIssue = maintenanceWindow ? windowProblem(maintenanceWindow) : undefined;
  if (windowIssue) {
    // Its messages name the field from maintenanceWindow down; the API names it from the body, as for schema errors.
    const detail = windowIssue.startsWith('maintenanceWindow')
      ? `body.${windowIssue}.`
      : `body.maintenanceWindow: ${windowIssue}.`;
    throw new HttpProblem(400, 'Bad Request', detail);
  }
  const requestHash = sha256(canonical({ clusterId, body: body }));
  // An idempotency key names its run: the id derives from the caller and the key (not the cluster, so the same
  // key sent to another cluster is caught as a different request). Temporal keeps the id unique for as long as it
  // retains the run, across API restarts.
  const id = key
    ? `regen-idem-${sha256(`${requestedBy}\n${key}`).slice(0, 32)}`
    : `regen-${clusterId}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

  if (key) {
    const existing = await describeOrUndefined(deps, id);
    if (existing) {
      return replay(existing, requestHash, clusterId);
    }
  }
  // After the idempotent replay (a run started before the freeze is still answered as itself), before the entity.
  refuseInsideFreeze(deps, metrics, clusterId, notBefore);
  const input: RegenerationRequest = {
    clusterId,
    units,
    requestedBy,
    ...(notBefore ? { notBefore } : {}),
    ...(approvals ? { approvals } : {}),
    ...(phoneReset ? { phoneReset } : {}),
    ...(registrationDeadlineMinutes ? { registrationDeadlineMinutes } : {}),
    ...(maintenanceWindow ? { maintenanceWindow } : {}),
    ...(restartStrategy ? { restartStrategy } : {}),
    // per-node is the default: left out, so such a request is the same run input as one without it.
    ...(csrDistribution === 'multi-server' ? { csrDistribution } : {}),
    ...(canaryPhones !== undefined ? { canaryPhones } : {}),
    ...(withPolicy ? approvalPolicyOf(deps, clusterId, units) : {}),
  };
  // The cluster's entity decides, for every API process and every direct start alike: it starts the run (its
  // child) if no run holds the cluster, else its validator refuses (ClusterBusy, naming the holder). No lock, no
  // memory here: a second API replica, or a restarted one, asks the same entity.
  let started: StartedRun;
  try {
    started = await withDeadline(deps, 10_000, () =>
      updateClusterEntity(deps.temporal, { clusterId, taskQueue: deps.taskQueue }, startRunUpdate, [
        {
          workflowId: id,
          // One unit: regenerateCertificate; several: rotateCluster runs them one by one in the plan's safe order.
          type: units.length > 1 ? 'rotateCluster' : 'regenerateCertificate',
          request: input,
          memo: { requestHash, requestedBy, ...(requestedVia ? { requestedVia } : {}) },
          staticSummary: `Regenerate ${units.join(', ')} on ${clusterId} (requested by ${requestedBy})`,
        },
      ]),
    );
  } catch (err) {
    const busy = clusterBusyProblem(err, 'start again', metrics);
    if (busy) throw busy;
    // The key's run closed a moment ago, started by another API process: answer with it.
    if (key && updateFailureType(err) === RUN_ID_TAKEN) {
      const existing = await describeOrUndefined(deps, id);
      if (existing) {
        return replay(existing, requestHash, clusterId);
      }
    }
    throw err;
  }
  if (started.replayed) {
    // The same key reached the entity twice at once: the run is that request's; check this one's body.
    const existing = await describeOrUndefined(deps, id);
    if (existing) {
      return replay(existing, requestHash, clusterId);
    }
  }
  log.info({ runId: id, clusterId, units, requestedBy }, 'regeneration started');
  return { id, clusterId, status: 'running', location: `/v1/regenerations/${id}`, requestedBy };
}

/**
 * Nothing starts inside a change freeze of the cluster: the 409 names the freeze and when starting is possible again.
 * A notBefore inside a freeze is refused too (the run would change the cluster inside it). The zone math is the
 * inventory's (domain/inventory/freezes.ts), here in the API, never in the workflow.
 */
function refuseInsideFreeze(
  deps: ApiDeps,
  metrics: ApiMetrics | undefined,
  clusterId: string,
  notBefore: string | undefined,
): void {
  const cluster = findCluster(deps.inventory, clusterId);
  if (!cluster?.freezes?.length) return;
  const freezes = freezesOf(cluster);
  const now = Date.now();
  const later = notBefore ? Date.parse(notBefore) : NaN;
  for (const [at, when] of [
    [now, 'now'],
    [later, `at notBefore ${notBefore}`],
  ] as const) {
    if (Number.isNaN(at)) continue;
    const active = activeFreeze(freezes, at);
    if (!active) continue;
    metrics?.startsRefused.inc({ reason: 'change-freeze' });
    throw new HttpProblem(
      409,
      'Conflict',
      `Cluster ${clusterId} is inside ${describeFreeze(active.freeze)} ${when}: nothing starts until ${active.until}. ` +
        `Start again from ${active.until}${when === 'now' ? ' (or with notBefore from then)' : ', or with an earlier notBefore'}, or remove the freeze from the inventory.`,
      { freeze: active.freeze.name, freezeStartsAt: active.freeze.startsAt, freezeEndsAt: active.until },
    );
  }
}

/**
 * Whether a start by this caller carries the approval policy: not with authentication switched off (development
 * only), where every caller is "anonymous": the policy's rules are about people (the requester, two distinct
 * approvers, their groups) and no one could be told apart, so a two-approver gate could never open. Such a run has
 * one approver per gate, as a start from the Temporal UI.
 */
export function policyApplies(request: FastifyRequest): boolean {
  return request.principal?.method !== undefined && request.principal.method !== 'none';
}

/**
 * The approval policy a run carries: the inventory's rules for the cluster and these units (the expiry watch
 * carries the same, from the same inventory). The workflow resolves each gate with the cluster's mode and version.
 */
export function approvalPolicyOf(
  deps: Pick<ApiDeps, 'inventory'>,
  clusterId: string,
  units: RegenerationRequest['units'],
  run: 'regeneration' | 'trust-recovery' = 'regeneration',
): Pick<RegenerationRequest, 'approvalPolicy'> {
  const cluster = findCluster(deps.inventory, clusterId);
  return cluster ? { approvalPolicy: runApprovalPolicy(deps.inventory, cluster, run, units) } : {};
}

/**
 * The 409 for a start the cluster's entity refused because another run holds the cluster (undefined for any other
 * error): names the holder and how to get on, and counts the refusal.
 */
export function clusterBusyProblem(
  err: unknown,
  then: string,
  metrics: { startsRefused: { inc(labels: { reason: string }): void } } | undefined,
): HttpProblem | undefined {
  const busy = clusterBusyHolder(err);
  if (!busy) return undefined;
  metrics?.startsRefused.inc({ reason: 'cluster-busy' });
  const holder = busy.holder?.workflowId;
  return new HttpProblem(
    409,
    'Conflict',
    `${busy.message} Wait for it to finish${holder ? ` (GET /v1/regenerations/${holder})` : ''}, or decide its pending gate, then ${then}.`,
    { runs: holder ? [holder] : [] },
  );
}
