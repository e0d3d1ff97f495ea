/**
 * rotateCluster: several units of one cluster, one after the other in the safe order of the plan (TVS last), each
 * as a child regenerateCertificate run, so each unit has its own history, gates and result. A unit starts only
 * after the previous one has completed, which includes its phones re-registering (or an engineer accepting the
 * missing ones). The whole rotation is planned first: a refusal stops it before anything changes.
 */
import {
  ApplicationFailure,
  executeChild,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { defineQuery } from '@temporalio/workflow';
import { buildPlan, planClusterOf } from './plan';
import { regenerateCertificate } from './regenerate-certificate';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from './search-attributes';
import type { RegenerationRequest, RegenerationResult } from './types';
import type { CertificateUnit } from './units';

const { discoverCluster } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

export interface RotationState {
  clusterId: string;
  order: CertificateUnit[];
  current?: { unit: CertificateUnit; workflowId: string };
  done: CertificateUnit[];
}

export const rotationStateQuery = defineQuery<RotationState>('rotationState');

export async function rotateCluster(request: RegenerationRequest): Promise<RegenerationResult[]> {
  const state: RotationState = { clusterId: request.clusterId, order: [], done: [] };
  setHandler(rotationStateQuery, () => state, {
    description: 'Units in their safe order, the unit running now (its child workflow id), the units done.',
  });
  upsertSearchAttributes([
    { key: CLUSTER_ID, value: request.clusterId },
    { key: CERT_UNITS, value: request.units },
    { key: RUN_PHASE, value: 'running' },
  ]);
  try {
    const plan = buildPlan(planClusterOf(await discoverCluster(request.clusterId)), {
      units: request.units,
      phoneReset: request.phoneReset,
    });
    if (plan.refusals.length > 0)
      throw ApplicationFailure.nonRetryable(
        `The rotation was refused, nothing was changed: ${plan.refusals.map((r) => r.message).join(' ')}`,
        'PlanRefused',
      );
    state.order = plan.units.map((u) => u.unit);
    const results: RegenerationResult[] = [];
    for (const unit of state.order) {
      const workflowId = `${workflowInfo().workflowId}-${unit}`;
      state.current = { unit, workflowId };
      results.push(await executeChild(regenerateCertificate, { workflowId, args: [{ ...request, units: [unit] }] }));
      state.done.push(unit);
    }
    state.current = undefined;
    upsertSearchAttributes([{ key: RUN_PHASE, value: 'completed' }]);
    return results;
  } catch (err) {
    upsertSearchAttributes([{ key: RUN_PHASE, value: 'failed' }]);
    throw err;
  }
}
