/**
 * Starting a trust recovery (POST /v1/clusters/{id}/trust-recovery): through the cluster's entity, as a
 * regeneration is (./start-run.ts), so it holds the cluster's lease and a busy cluster answers 409. Only a person
 * starts one: nothing automatic (the expiry watch included) calls this.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { updateClusterEntity, updateFailureType } from '../clients/cluster-entity';
import { RUN_ID_TAKEN, startRunUpdate, type StartedRun } from '../domain/contract/cluster-entity';
import type { TrustRecoveryRequest } from '../domain/contract/trust-recovery';
import { windowProblem } from '../domain/maintenance-window';
import { withDeadline, type ApiDeps } from './deps';
import type { ApiMetrics } from './metrics';
import { HttpProblem } from './problem';
import type { StartAnswer } from './regeneration-schemas';
import {
  approvalPolicyOf,
  canonical,
  clusterBusyProblem,
  describeOrUndefined,
  replayOf,
  sha256,
  type RequestedVia,
} from './start-run';
import type { TrustRecoveryBody } from './trust-recovery-schemas';

export async function startTrustRecovery(
  deps: ApiDeps,
  metrics: ApiMetrics | undefined,
  start: {
    clusterId: string;
    body: TrustRecoveryBody;
    requestedBy: string;
    requestedVia?: RequestedVia;
    key?: string;
    withPolicy?: boolean;
  },
  log: FastifyBaseLogger,
): Promise<StartAnswer> {
  const { clusterId, requestedBy, requestedVia, key } = start;
  const { dryRun: _dryRun, ...body } = start.body;
  const windowIssue = body.maintenanceWindow ? windowProblem(body.maintenanceWindow) : undefined;
  if (windowIssue)
    throw new HttpProblem(
      400,
      'Bad Request',
      windowIssue.startsWith('maintenanceWindow') ? `body.${windowIssue}.` : `body.maintenanceWindow: ${windowIssue}.`,
    );
  const requestHash = sha256(canonical({ clusterId, trustRecovery: body }));
  // Ids start with regen- so the run is read, decided and cancelled under /v1/regenerations/{id} like any other.
  const id = key
    ? `regen-trust-idem-${sha256(`${requestedBy}\ntrust-recovery\n${key}`).slice(0, 32)}`
    : `regen-${clusterId}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}-trust-recovery`;
  if (key) {
    const existing = await describeOrUndefined(deps, id);
    if (existing) return replayOf(metrics, existing, requestHash, clusterId);
  }
  const input: TrustRecoveryRequest = {
    clusterId,
    requestedBy,
    ...body,
    ...(start.withPolicy === false ? {} : approvalPolicyOf(deps, clusterId, [], 'trust-recovery')),
  };
  let started: StartedRun;
  try {
    started = await withDeadline(deps, 10_000, () =>
      updateClusterEntity(deps.temporal, { clusterId, taskQueue: deps.taskQueue }, startRunUpdate, [
        {
          workflowId: id,
          type: 'recoverTrust',
          request: input,
          memo: { requestHash, requestedBy, ...(requestedVia ? { requestedVia } : {}) },
          staticSummary:
            `Trust recovery on ${clusterId} (requested by ${requestedBy})${body.reason ? `: ${body.reason}` : ''}`.slice(
              0,
              400,
            ),
        },
      ]),
    );
  } catch (err) {
    const busy = clusterBusyProblem(err, 'start the recovery again', metrics);
    if (busy) throw busy;
    if (key && updateFailureType(err) === RUN_ID_TAKEN) {
      const existing = await describeOrUndefined(deps, id);
      if (existing) return replayOf(metrics, existing, requestHash, clusterId);
    }
    throw err;
  }
  if (started.replayed) {
    const existing = await describeOrUndefined(deps, id);
    if (existing) return replayOf(metrics, existing, requestHash, clusterId);
  }
  log.info({ runId: id, clusterId, requestedBy }, 'trust recovery started');
  return { id, clusterId, status: 'running', location: `/v1/regenerations/${id}`, requestedBy };
}
