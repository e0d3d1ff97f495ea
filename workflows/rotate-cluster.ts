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
  defineQuery,
  executeChild,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { buildPlan, planClusterOf, type Plan } from './plan';
import { regenerateCertificate } from './regenerate-certificate';
import { endedEarly, manualActionsOf, reasonOf } from './run-tracker';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from './search-attributes';
import type { RegenerationRequest, RegenerationResult, RunPhase, UnitRunRequest } from './types';
import type { CertificateUnit } from './units';

const { discoverCluster, refreshDiscovery } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

export interface RotationState {
  clusterId: string;
  phase: RunPhase;
  order: CertificateUnit[];
  current?: { unit: CertificateUnit; workflowId: string };
  done: CertificateUnit[];
  /** The rotation's plan (every unit's steps, with reasons), once built. */
  plan?: Plan;
  /** When the rotation ended early: what is left to do by hand. */
  manualActions?: string[];
}

export const rotationStateQuery = defineQuery<RotationState>('rotationState');

/** Patch: the rotation discovers once and hands the discovery to its unit runs. */
export const ROTATION_DISCOVERY_ONCE = 'rotation-discovery-once';

/** The id of a rotation's unit run (the API finds a rotation's gates there). */
export const unitRunId = (rotationId: string, unit: CertificateUnit) => `${rotationId}-${unit}`;

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
    let discovery = await discoverCluster(request.clusterId);
    // Discovery once per rotation (patched: older rotations replay their per-unit discoveries): each unit run gets
    // this discovery, with the services and the previous units' certificates read again after each unit.
    const handOver = patched(ROTATION_DISCOVERY_ONCE);
    const plan = buildPlan(planClusterOf(discovery), {
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
      const args: UnitRunRequest = handOver ? { ...request, units: [unit], discovery } : { ...request, units: [unit] };
      results.push(await executeChild(regenerateCertificate, { workflowId, args: [args] }));
      state.done.push(unit);
      // What the unit changed: its certificates (new serials and dates) and the services it restarted.
      if (handOver && state.done.length < state.order.length)
        discovery = await refreshDiscovery({ discovery, units: [unit] });
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
