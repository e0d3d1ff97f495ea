/**
 * buildPlan: (discovered cluster, request) → the ordered steps of Cisco TN 214231, with reasons, refusals and
 * warnings. Pure and deterministic (no clock, no randomness, no I/O): it runs inside Temporal workflows, where a
 * replay must rebuild the same plan, and in the API for dry runs.
 */
import { atLeast } from '../cucm-version';
import { checkCluster, checkRequest } from './refusals';
import { CALLMANAGER_UNITS, PLAN_UNIT_ORDER } from './rules';
import { itlSignedByCallManager, orderedNodes } from './topology';
import type { Plan, PlanCluster, PlanOptions, PlanRequest, Refusal } from './types';
import { applyRestartStrategy } from './redundancy';
import { planUnit } from './unit-steps';

export function buildPlan(cluster: PlanCluster, request: PlanRequest, options: PlanOptions = {}): Plan {
  const refusals: Refusal[] = [];
  const warnings: string[] = [];
  const plan: Plan = { clusterId: cluster.clusterId, version: cluster.version, units: [], refusals, warnings };

  const v = checkCluster(cluster, refusals);
  if (!v) return plan;
  const nodes = orderedNodes(cluster);
  const publisher = nodes[0];
  if (!publisher) return plan; // unreachable: checkCluster refuses a cluster without its publisher

  const units = checkRequest(cluster, v, nodes, request, refusals);
  units.sort((a, b) => PLAN_UNIT_ORDER.indexOf(a) - PLAN_UNIT_ORDER.indexOf(b));

  if (!atLeast(v, 12))
    warnings.push(
      `CUCM ${v.full} is older than 12.0: if you delete trust certificates by hand around this run, stop Cisco Certificate Change Notification first (TN 214231; not needed from 12.0). This plan deletes none.`,
    );
  const callManager = units.filter((u) => CALLMANAGER_UNITS.has(u));
  if (units.includes('TVS') && callManager.length > 0 && itlSignedByCallManager(cluster, v))
    warnings.push(
      `The ITL of ${cluster.clusterId} is signed by CallManager: ${callManager.join(' and ')} and TVS are never regenerated together (TN 214231); TVS starts only after the phones have re-registered on the ITL signed by the new CallManager certificate.`,
    );
  const ctx = { cluster, request, v, nodes, publisher, options };
  plan.units = units.map((unit) =>
    applyRestartStrategy(cluster, request, publisher.id, planUnit(ctx, unit, warnings), warnings),
  );
  return plan;
}
