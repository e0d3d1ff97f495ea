/**
 * Pre-flight of a unit run (TN 214231, "before you begin"): the cluster discovered at the start of the window, the
 * checks that must hold before anything changes, and, when the plan waits for the phones, the registration
 * baseline with the canary phones chosen from it. None of these can be skipped: what follows needs their answer.
 */
import type { ClusterDiscovery } from '../../domain/discovery';
import type { RegistrationBaseline } from '../../domain/phones';
import type { PlanStep } from '../../domain/plan';
import type { RegistrationReading, UnitRunRequest } from '../../domain/types';
import type { RunTracker } from '../run-tracker';
import { named, NO_SKIP, phones, quick } from './proxies';

/**
 * Waits for the window, then discovers the cluster (a unit run, a trust recovery). A rotation hands over its discovery (refreshed where the
 * previous unit changed it), used as it is unless the run waited for the window: the cluster may have changed.
 */
export async function discoverAtWindowStart(
  run: RunTracker,
  request: Pick<UnitRunRequest, 'clusterId' | 'discovery'>,
): Promise<ClusterDiscovery> {
  // Pre-flight at the start of the window, so the plan is built from a fresh discovery; every disruptive step
  // checks the window again (an approval can take longer than the window lasts).
  const beforeWindow = Date.now();
  await run.inWindow('pre-flight');
  run.setPhase('running');
  const { discovery: handed, clusterId } = request;
  const reuse = handed !== undefined && Date.now() === beforeWindow;
  const discovery = await run.attempt(
    {
      kind: 'preflight',
      description: reuse
        ? `Cluster ${clusterId} as the rotation discovered it at ${handed.discoveredAt} (services and this rotation's certificates read again since)`
        : `Discover cluster ${clusterId} (version, security mode, ITL signer, services, certificates)`,
    },
    () =>
      reuse
        ? Promise.resolve(handed)
        : named(quick.discoverCluster, `Discover cluster ${clusterId} over SSH`, clusterId),
    (d) => ({
      status: 'completed',
      detail: `CUCM ${d.version}, ${d.securityMode === 1 ? 'mixed mode' : 'non-secure'}, ITL signed by ${d.itlSigner}; ${d.nodes.map((n) => `${n.id} (${n.role})`).join(', ')}`,
    }),
    NO_SKIP.preflight,
  );
  if (!discovery) throw new Error('unreachable: pre-flight cannot be skipped');
  return discovery;
}

/**
 * Database replication healthy and every node on HTTPS. Not a step-failed gate: a failed pre-flight ends the run
 * with its reasons, and nothing has changed, so there is nothing to recover.
 */
export async function checkPreflight(
  run: RunTracker,
  request: UnitRunRequest,
  discovery: ClusterDiscovery,
): Promise<void> {
  await run.step(
    {
      kind: 'preflight',
      description: 'Pre-flight: database replication healthy (utils dbreplication runtimestate), every node on HTTPS',
    },
    () =>
      named(quick.preflightChecks, `Pre-flight checks on ${request.clusterId} (replication, HTTPS)`, {
        clusterId: request.clusterId,
        nodeIds: discovery.nodes.map((n) => n.id),
      }),
    (r) => ({ status: 'completed', detail: r.checks.join('; ') }),
  );
}

/**
 * Who is registered where before anything changes (RisPort70), when the plan waits for the phones to come back;
 * the canaries are chosen from the same reading. Recorded in the state (registration.before, canaryPhones).
 */
export async function takeRegistrationBaseline(
  run: RunTracker,
  request: UnitRunRequest,
  discovery: ClusterDiscovery,
  steps: readonly PlanStep[],
): Promise<RegistrationBaseline | undefined> {
  if (!steps.some((s) => s.kind === 'await-registration')) return undefined;
  const canary = canaryChoice(steps, discovery);
  const baseline = await run.attempt(
    {
      kind: 'preflight',
      description: `Take the phone registration baseline (RisPort70)${canary ? ' and choose the canary phones' : ''}`,
    },
    () =>
      named(
        phones.registrationSnapshot,
        `Phone registration baseline of ${request.clusterId} (RisPort70)${canary ? ', canaries chosen' : ''}`,
        { clusterId: request.clusterId, ...(canary ? { canary } : {}) },
      ),
    (b) => ({
      status: 'completed',
      detail: `${b.registered} of ${b.total} phones registered${b.canaries ? `; ${b.canaries.length} canaries: ${b.canaries.map((c) => c.name).join(', ')}`.slice(0, 1_000) : ''}`,
    }),
    NO_SKIP.baseline,
  );
  if (baseline?.canaries?.length) run.state.canaryPhones = { phones: baseline.canaries, status: 'selected' };
  if (baseline) run.state.registration = { before: registrationBefore(baseline) };
  return baseline;
}

/** The baseline as the state shows it (registration.before): counts, per node, and when it was read. */
export function registrationBefore(baseline: RegistrationBaseline): RegistrationReading {
  return {
    at: new Date().toISOString(),
    total: baseline.total,
    registered: baseline.registered,
    byNode: baseline.byNode ?? [],
  };
}

/** How the plan's canary stage wants its phones chosen (per node and model, secure ones where it matters). */
function canaryChoice(steps: readonly PlanStep[], discovery: ClusterDiscovery) {
  const canaryStep = steps.find(
    (s): s is Extract<PlanStep, { kind: 'reset-phones' }> => s.kind === 'reset-phones' && s.canary !== undefined,
  );
  return (
    canaryStep?.canary && {
      perNodeModel: canaryStep.canary.perNodeModel,
      max: canaryStep.canary.max,
      ...(canaryStep.mode === 'secure-only' ? { secureOnly: true } : {}),
      ...(discovery.securityMode === 1 && canaryStep.mode !== 'secure-only' ? { bySecurity: true } : {}),
    }
  );
}
