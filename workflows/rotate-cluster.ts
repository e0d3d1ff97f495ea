/**
 * rotateCluster: several units of one cluster, one after the other in the safe order of the plan (TVS last), each
 * as a child regenerateCertificate run, so each unit has its own history, gates and result. A unit starts only
 * after the previous one has completed, which includes its phones re-registering (or an engineer accepting the
 * missing ones). The whole rotation is planned first: a refusal stops it before anything changes. When a unit run
 * ends early (abort, reject, cancel, failure), the rotation ends too and reports that unit's manual actions and the
 * units it did not start.
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
import { holdClusterLease } from './cluster-lease';
import { rotationStateQuery, unitRunId, type RotationState } from './contract/rotation';
import { buildPlan, planClusterOf } from './plan';
import { regenerateCertificate } from './regenerate-certificate';
import { endedEarly, manualActionsOf, reasonOf } from './run-tracker';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from './search-attributes';
import type { RegenerationRequest, RegenerationResult, RunPhase } from './types';

const { discoverCluster } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

export async function rotateCluster(request: RegenerationRequest): Promise<RegenerationResult[]> {
  const state: RotationState = { clusterId: request.clusterId, phase: 'running', order: [], done: [] };
  setHandler(rotationStateQuery, () => state, {
    description:
      'Units in their safe order, the unit running now (its child workflow id, where the gates are), the units done, manual actions.',
  });
  const setPhase = (phase: RunPhase) => {
    state.phase = phase;
    upsertSearchAttributes([{ key: RUN_PHASE, value: phase }]);
  };
  upsertSearchAttributes([
    { key: CLUSTER_ID, value: request.clusterId },
    { key: CERT_UNITS, value: request.units },
  ]);
  setPhase('running');
  try {
    // Before anything changes: the cluster's lease (granted already when the cluster's entity started this run).
    await holdClusterLease({
      clusterId: request.clusterId,
      type: 'rotateCluster',
      units: request.units,
      requestedBy: request.requestedBy,
    });
    const plan = buildPlan(planClusterOf(await discoverCluster(request.clusterId)), {
      units: request.units,
      phoneReset: request.phoneReset,
    });
    state.plan = plan;
    if (plan.refusals.length > 0)
      throw ApplicationFailure.nonRetryable(
        `The rotation was refused, nothing was changed: ${plan.refusals.map((r) => r.message).join(' ')}`,
        'PlanRefused',
      );
    state.order = plan.units.map((u) => u.unit);
    const results: RegenerationResult[] = [];
    for (const unit of state.order) {
      const workflowId = unitRunId(workflowInfo().workflowId, unit);
      state.current = { unit, workflowId };
      results.push(await executeChild(regenerateCertificate, { workflowId, args: [{ ...request, units: [unit] }] }));
      state.done.push(unit);
    }
    state.current = undefined;
    setPhase('completed');
    return results;
  } catch (err) {
    const notStarted = state.order.filter((u) => !state.done.includes(u) && u !== state.current?.unit);
    const unitActions = manualActionsOf(err);
    state.manualActions = [
      ...(unitActions.length > 0 || !state.current
        ? unitActions
        : [`${state.current.unit}: see the state of ${state.current.workflowId} for what is left to do by hand.`]),
      ...(notStarted.length > 0
        ? [`Not started, nothing changed for them: ${notStarted.join(', ')}; start them in a new run when ready.`]
        : []),
    ];
    const ended = endedEarly(
      err,
      `${state.current ? `${state.current.unit}: ` : ''}${reasonOf(err)}${notStarted.length > 0 ? ` Not started: ${notStarted.join(', ')}.` : ''}`,
      state.manualActions,
    );
    setPhase(ended.phase);
    throw ended.error;
  }
}
