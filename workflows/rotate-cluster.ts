/**
 * rotateCluster: several units of one cluster, one after the other in the safe order of the plan (TVS last), each
 * as a child regenerateCertificate run, so each unit has its own history, gates and result. A unit starts only
 * after the previous one has completed, which includes its phones re-registering (or an engineer accepting the
 * missing ones). The whole rotation is planned first: a refusal stops it before anything changes. When a unit run
 * ends early (abort, reject, cancel, failure), the rotation ends too and reports that unit's manual actions and the
 * units it did not start.
 *
 * The story is told here; its parts are in ./rotation/: the state and its current details (progress.ts,
 * details.ts), the gates forwarded to the unit running now (gates.ts), the CA-signed chains checked and handed over
 * (signed-chains.ts), the plan and the unit runs (unit-runs.ts).
 */
import { allHandlersFinished, CancellationScope, condition, upsertSearchAttributes } from '@temporalio/workflow';
import { CERT_UNITS, CLUSTER_ID } from '../domain/search-attributes';
import type { RegenerationRequest, RegenerationResult } from '../domain/types';
import { holdClusterLease } from './cluster-lease';
import { RunNotifier } from './notify';
import { forwardGates } from './rotation/gates';
import { answerForRotation, RotationProgress } from './rotation/progress';
import { acceptSignedChains } from './rotation/signed-chains';
import { planRotation, runUnitsInOrder } from './rotation/unit-runs';

export async function rotateCluster(request: RegenerationRequest): Promise<RegenerationResult[]> {
  const rotation = new RotationProgress(request.clusterId, request.units);
  answerForRotation(rotation);
  forwardGates(rotation, request.requestedBy);
  acceptSignedChains(rotation);
  // Who is told: the rotation's end (its unit runs tell about their gates, linking to the rotation).
  const notifier = new RunNotifier(request.clusterId);
  const title = `Rotation of ${request.units.join(', ')} on ${request.clusterId}`;
  upsertSearchAttributes([
    { key: CLUSTER_ID, value: request.clusterId },
    { key: CERT_UNITS, value: request.units },
  ]);
  rotation.setPhase('running');
  try {
    // Before anything changes: the cluster's lease (granted already when the cluster's entity started this run).
    await holdClusterLease({
      clusterId: request.clusterId,
      type: 'rotateCluster',
      units: request.units,
      requestedBy: request.requestedBy,
    });
    const discovery = await planRotation(request, rotation);
    const results = await runUnitsInOrder(request, rotation, discovery);
    rotation.setPhase('completed');
    notifier.ended(title, 'completed');
    await settle(notifier);
    return results;
  } catch (err) {
    const ended = rotation.endEarly(err);
    notifier.ended(title, ended.phase, rotation.state.manualActions);
    await settle(notifier);
    throw ended.error;
  }
}

/**
 * The rotation's last words, also when it is being cancelled: its notifications sent and every handler finished (a
 * decision being forwarded, a chain being checked), so none is cut off by the run's end.
 */
function settle(notifier: RunNotifier): Promise<void> {
  return CancellationScope.nonCancellable(async () => {
    await notifier.settle();
    await condition(allHandlersFinished);
  });
}
