/**
 * The two halves of a rotation's work: planning it (one discovery, the whole rotation's plan, a refusal before
 * anything changes) and running its units one after the other in the plan's safe order, each as a child
 * regenerateCertificate run. A unit starts only after the previous one has completed, phones included.
 */
import { ApplicationFailure, executeChild, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { unitRunId } from '../../domain/contract/rotation';
import { applyDiscoveryChanges, changesToRead, type ClusterDiscovery } from '../../domain/discovery';
import { buildPlan, planClusterOf } from '../../domain/plan';
import type { RegenerationRequest, RegenerationResult, UnitRunRequest } from '../../domain/types';
import type { CertificateUnit } from '../../domain/units';
import { regenerateCertificate } from '../regenerate-certificate';
import { PATCHES } from '../patches';
import { named } from '../steps/proxies';
import type { RotationProgress } from './progress';

const { discoverCluster, refreshDiscovery, readDiscoveryChanges } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

/**
 * Discovers the cluster and plans the whole rotation; throws, having changed nothing, when the plan refuses. The
 * plan sets the units' order (TVS last); each unit run builds and follows its own plan. Returns the discovery the unit
 * runs are handed.
 */
export async function planRotation(
  request: RegenerationRequest,
  rotation: RotationProgress,
): Promise<ClusterDiscovery> {
  const discovery = await rotation.step(
    'discover',
    `Discover cluster ${request.clusterId} (version, security mode, ITL signer, services, certificates) to plan the rotation`,
    () => named(discoverCluster, `Discover cluster ${request.clusterId} over SSH`, request.clusterId),
  );
  // Discovery once per rotation: each unit run gets this discovery, with the services and the previous units'
  // certificates read again after each unit.
  const plan = buildPlan(planClusterOf(discovery), {
    units: request.units,
    phoneReset: request.phoneReset,
    ...(request.csrDistribution ? { csrDistribution: request.csrDistribution } : {}),
    ...(request.canaryPhones !== undefined ? { canaryPhones: request.canaryPhones } : {}),
  });
  rotation.state.plan = plan;
  if (plan.refusals.length > 0)
    throw ApplicationFailure.nonRetryable(
      `The rotation was refused, nothing was changed: ${plan.refusals.map((r) => r.message).join(' ')}`,
      'PlanRefused',
    );
  rotation.state.order = plan.units.map((u) => u.unit);
  return discovery;
}

/** Runs every unit in the safe order; the first unit run that ends early ends the rotation (its error is thrown). */
export async function runUnitsInOrder(
  request: RegenerationRequest,
  rotation: RotationProgress,
  discovery: ClusterDiscovery,
): Promise<RegenerationResult[]> {
  const { order, done } = rotation.state;
  const results: RegenerationResult[] = [];
  for (const unit of order) {
    rotation.refuseIfAborted(unit);
    results.push(await runUnit(request, rotation, unit, discovery));
    // What the unit changed: its certificates (new serials and dates) and the services it restarted.
    if (done.length < order.length)
      discovery = await rotation.step(
        'discover',
        `Read again what ${unit} changed on ${request.clusterId} (services, certificates) for the next unit`,
        () => readAgain(request.clusterId, discovery, unit),
      );
  }
  return results;
}

/**
 * Reads again what a unit changed. Since v1.1.0 (patch discovery-changes) only the changes cross the history (the
 * services, the unit's certificates, the ITL's signer) and are merged here: the whole discovery, a few kilobytes per
 * node, went in and out of the activity after every unit before.
 */
async function readAgain(
  clusterId: string,
  discovery: ClusterDiscovery,
  unit: CertificateUnit,
): Promise<ClusterDiscovery> {
  const summary = `Read again what ${unit} changed on ${clusterId} (services, certificates)`;
  if (!patched(PATCHES.discoveryChanges)) return named(refreshDiscovery, summary, { discovery, units: [unit] });
  const changes = await named(readDiscoveryChanges, summary, changesToRead(discovery, [unit]));
  return applyDiscoveryChanges(discovery, changes);
}

/** One unit's run: a child regenerateCertificate run for that unit alone, reporting to the rotation. */
async function runUnit(
  request: RegenerationRequest,
  rotation: RotationProgress,
  unit: CertificateUnit,
  discovery: ClusterDiscovery,
): Promise<RegenerationResult> {
  const rotationId = workflowInfo().workflowId;
  const workflowId = unitRunId(rotationId, unit);
  const { order, done } = rotation.state;
  rotation.unitStarted(unit, workflowId);
  const args: UnitRunRequest = { ...request, units: [unit], rotationId, discovery };
  const result = await executeChild(regenerateCertificate, {
    workflowId,
    args: [args],
    staticSummary: `${unit} on ${request.clusterId}: unit ${done.length + 1} of ${order.length} of rotation ${rotationId}`,
  });
  rotation.unitCompleted(result);
  return result;
}
