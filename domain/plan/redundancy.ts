/**
 * Redundancy-aware restarts (restartStrategy "redundancy-groups", opt-in; serial stays the default, as TN 214231
 * does it). A CallManager group is a prioritized list of up to three CallManagers; a device registers with the first
 * one of its device pool's group that answers and fails over to the next when it fails ("Cisco Unified
 * Communications Manager groups", Cisco Unified CM System Guide 9.0(1), chapter "Cisco Unified Communications
 * Manager groups": failover to the first backup, the second backup if both the primary and the first backup fail,
 * fallback to the primary when it returns). So a restart of Cisco CallManager on several nodes at once keeps every
 * phone registered as long as no two of them are the primary and a backup of one group that a device pool uses.
 *
 * The rules kept from the serial plan: each service in the procedure's order (CallManager, CTIManager, TVS, TFTP,
 * HAProxy), the publisher first (alone in the first batch), only where Started; and the phones back after each
 * CallManager batch before the next one (after the last, the unit's own wait after the phone reset covers them). Batched: Cisco CallManager (the groups above) and Cisco Trust Verification
 * Service (phones hold a list of TVS servers and switch to the next when one does not answer: Cisco Unified
 * Serviceability, "Security Services: Cisco Trust Verification Service"; the batches keep at least one node of every
 * group running TVS, whichever list a phone holds). Not batched, so still one node at a time: Cisco CTIManager (CTI
 * applications choose their primary and backup CTIManager themselves, which the cluster does not tell), Cisco Tftp
 * (phones find TFTP through DHCP option 150, not the groups) and everything else.
 *
 * Pure and deterministic: the API's dry run shows exactly these batches.
 */
import { PLAN_SERVICE } from './rules';
import type { PlanCluster, PlanRedundancy, PlanRequest, PlanStep, UnitPlan } from './types';

/** Services restarted in batches, and why that is safe. */
export const BATCHED_SERVICES: ReadonlyMap<string, string> = new Map([
  [
    PLAN_SERVICE.callManager,
    "phones fail over to the next CallManager of their device pool's group while theirs restarts",
  ],
  [PLAN_SERVICE.tvs, 'phones ask the next TVS of their list when one does not answer'],
]);

/** After a batch of this service, wait until the registration baseline is back before the next batch. */
export const PHONE_WAIT_SERVICE = PLAN_SERVICE.callManager;

export function restartStrategyOf(request: PlanRequest): 'serial' | 'redundancy-groups' {
  return request.restartStrategy ?? 'serial';
}

/**
 * The groups that constrain restarts: those a device pool uses (a group no device pool names carries no device).
 * When no device pool was read at all, every group counts (the conservative reading).
 */
function constrainingGroups(redundancy: PlanRedundancy): PlanRedundancy['groups'] {
  if (redundancy.devicePools.length === 0) return redundancy.groups;
  const used = new Set(redundancy.devicePools.map((p) => p.callManagerGroup));
  return redundancy.groups.filter((g) => used.has(g.name));
}

/** Node id → the node ids it must never restart together with: its backups where it is primary, and the reverse. */
export function restartConflicts(redundancy: PlanRedundancy): Map<string, Set<string>> {
  const conflicts = new Map<string, Set<string>>();
  const add = (a: string, b: string) => {
    if (a === b) return;
    if (!conflicts.has(a)) conflicts.set(a, new Set());
    conflicts.get(a)?.add(b);
  };
  for (const group of constrainingGroups(redundancy)) {
    const [primary, ...backups] = group.members;
    if (primary === undefined) continue;
    for (const backup of backups) {
      add(primary, backup);
      add(backup, primary);
    }
  }
  return conflicts;
}

/**
 * Batches of node ids, in order: the publisher alone first (TN 214231's publisher-first order), then the others
 * first-fit in the given order (each joins the earliest batch holding none of its conflicts). Deterministic.
 */
export function restartBatches(
  nodeIds: readonly string[],
  publisherId: string,
  conflicts: ReadonlyMap<string, ReadonlySet<string>>,
): string[][] {
  const batches: string[][] = [];
  const rest = nodeIds.filter((id) => id !== publisherId);
  if (nodeIds.includes(publisherId)) batches.push([publisherId]);
  const first = batches.length;
  for (const id of rest) {
    const clash = conflicts.get(id);
    const batch = batches.slice(first).find((b) => !b.some((other) => clash?.has(other)));
    if (batch) batch.push(id);
    else batches.push([id]);
  }
  return batches;
}

/**
 * Replaces a unit's serial restarts of the batched services by restart-batch steps, where the request asks for
 * redundancy-groups. Without the groups it keeps the serial plan and says so.
 */
export function applyRestartStrategy(
  cluster: PlanCluster,
  request: PlanRequest,
  publisherId: string,
  unitPlan: UnitPlan,
  warnings: string[],
): UnitPlan {
  if (restartStrategyOf(request) !== 'redundancy-groups') return unitPlan;
  if (!unitPlan.steps.some((s) => s.kind === 'restart-service' && BATCHED_SERVICES.has(s.service))) return unitPlan;
  const redundancy = cluster.redundancy;
  const groups = redundancy ? constrainingGroups(redundancy) : [];
  if (!redundancy || groups.length === 0) {
    warnings.push(
      `${unitPlan.unit}: restartStrategy redundancy-groups, but ${redundancy ? 'no CallManager group is used by a device pool' : 'the CallManager groups were not read'}: the restarts stay serial (one node at a time).`,
    );
    return unitPlan;
  }
  const conflicts = restartConflicts(redundancy);
  const groupText = groups.map((g) => `${g.name}: ${g.members.join(' > ')}`).join('; ');
  const steps: PlanStep[] = [];
  for (const step of unitPlan.steps) {
    if (step.kind !== 'restart-service' || !BATCHED_SERVICES.has(step.service)) {
      steps.push(step);
      continue;
    }
    if (steps.some((s) => s.kind === 'restart-batch' && s.service === step.service)) continue; // already batched
    const nodeIds = unitPlan.steps.flatMap((s) =>
      s.kind === 'restart-service' && s.service === step.service ? [s.nodeId] : [],
    );
    const batches = restartBatches(nodeIds, publisherId, conflicts);
    batches.forEach((batch, i) => {
      // Before the next batch of the same service only: after the last one nothing else moves registrations, and
      // the unit's own wait after the phone reset follows.
      const awaitPhones = step.service === PHONE_WAIT_SERVICE && i < batches.length - 1;
      steps.push({
        kind: 'restart-batch',
        service: step.service,
        nodeIds: batch,
        batch: i + 1,
        batches: batches.length,
        awaitPhones,
        reason: `restartStrategy redundancy-groups after ${unitPlan.unit}: restart ${step.service} on ${batch.join(', ')} together (batch ${i + 1} of ${batches.length}${batch.includes(publisherId) ? ', the publisher first' : ''}); none of them is the primary and a backup of one CallManager group (${groupText}), and ${BATCHED_SERVICES.get(step.service) ?? ''}${awaitPhones ? '; the next batch waits until the phones are registered again' : ''}.`,
      });
    });
  }
  return { unit: unitPlan.unit, steps };
}

/**
 * The guard's reading of the batches (called by checkPlanInvariants): only with redundancy-groups, only batched
 * services, no conflicting pair in one batch, the publisher alone in the first batch, batches numbered in order, and
 * the phone wait after every CallManager batch but the last (the next batch waits for it).
 */
export function checkRestartBatches(
  cluster: PlanCluster,
  request: PlanRequest,
  publisherId: string,
  steps: readonly PlanStep[],
  say: (text: string) => void,
): void {
  const batches = steps.filter((s): s is Extract<PlanStep, { kind: 'restart-batch' }> => s.kind === 'restart-batch');
  if (batches.length === 0) return;
  if (restartStrategyOf(request) !== 'redundancy-groups' || !cluster.redundancy) {
    say('restarts in batches although the request does not ask for redundancy-groups with the groups read');
    return;
  }
  const conflicts = restartConflicts(cluster.redundancy);
  const next = new Map<string, number>();
  for (const b of batches) {
    if (!BATCHED_SERVICES.has(b.service)) say(`restarts ${b.service} in a batch; only one node at a time is safe`);
    const expected = (next.get(b.service) ?? 0) + 1;
    if (b.batch !== expected || b.batch > b.batches) say(`${b.service} batch ${b.batch} of ${b.batches} out of order`);
    next.set(b.service, b.batch);
    if (b.nodeIds.length === 0 || new Set(b.nodeIds).size !== b.nodeIds.length)
      say(`${b.service} batch ${b.batch} is empty or lists a node twice`);
    for (const [i, a] of b.nodeIds.entries())
      for (const c of b.nodeIds.slice(i + 1))
        if (conflicts.get(a)?.has(c))
          say(`${b.service} restarts ${a} and ${c} together: one is the primary and the other a backup of a group`);
    if (b.nodeIds.includes(publisherId) && (b.batch !== 1 || b.nodeIds.length !== 1))
      say(`the publisher ${publisherId} is not restarted alone in the first ${b.service} batch`);
    if (b.awaitPhones !== (b.service === PHONE_WAIT_SERVICE && b.batch < b.batches))
      say(`${b.service} batch ${b.batch} ${b.awaitPhones ? 'waits' : 'does not wait'} for the phones`);
  }
  for (const [service, last] of next) {
    const total = batches.find((b) => b.service === service)?.batches;
    if (last !== total) say(`${service}: ${last} of ${total ?? 0} batches planned`);
  }
}
