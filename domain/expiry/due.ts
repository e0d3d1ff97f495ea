/**
 * The expiry watch's decision, pure (no clock, no I/O: the workflow passes its own time): how many days each
 * node's certificate units have left, and which units are due for renewal under the cluster's renewBeforeDays.
 *
 * Rules:
 * - A unit is due when its certificate on any node has `renewBeforeDays` days left or fewer (expired included):
 *   a renewal is cluster-wide, one run renews the unit on every node that carries it.
 * - Only units the plan can renew are started: each due unit goes through the same plan the run will build
 *   (buildPlan, version and node rules: e.g. ITLRecovery only on the publisher from 12.5, ECDSA units from 11.5);
 *   a unit the plan refuses is reported with the plan's reason, never started.
 * - A certificate whose expiry date cannot be read is reported (daysLeft null), never due.
 * - Units come in the plan's safe order (PLAN_UNIT_ORDER), so the rotation's order and the report agree.
 * - Renew before a freeze (with `freezes`): a unit not due yet is due when one of its certificates expires before
 *   the end of a freeze plus the margin and the freeze begins within the margin (domain/freeze.ts,
 *   renewBeforeFreeze): it is renewed before the freeze rather than inside it or too late after it.
 */
import { renewBeforeFreeze, type FreezeInstant } from '../freeze';
import { buildPlan, PLAN_UNIT_ORDER, type PlanCluster } from '../plan';
import type { CertificateUnit } from '../units';

const DAY_MS = 86_400_000;

export interface ExpiryRow {
  node: string;
  unit: CertificateUnit;
  notAfter: string;
  /** Whole days left (negative once expired); null when the date could not be read. */
  daysLeft: number | null;
  selfSigned: boolean;
}

export interface DueUnit {
  unit: CertificateUnit;
  /** The fewest days left among the nodes that carry it. */
  daysLeft: number;
  /** The nodes whose certificate is within renewBeforeDays. */
  nodes: string[];
  /** CA-signed on some node: the renewal stops at the signed-certificate gate for the CA's chain. */
  caSigned: boolean;
  /** Due only because of this freeze: brought forward so it is renewed before the freeze begins. */
  beforeFreeze?: FreezeInstant;
}

/** The cluster's change freezes (UTC instants) and the margin of renewing before one. */
export interface FreezeRule {
  freezes: readonly FreezeInstant[];
  marginDays: number;
}

interface ExpiryDecision {
  rows: ExpiryRow[];
  /** Due and renewable, in the plan's order: the units of the one renewal to start. */
  due: DueUnit[];
  /** Due but refused by the plan (with its reason): an engineer has to look. */
  refused: Array<{ unit: CertificateUnit; reason: string }>;
}

export function daysLeft(notAfter: string, nowMs: number): number | null {
  const at = Date.parse(notAfter);
  return Number.isNaN(at) ? null : Math.floor((at - nowMs) / DAY_MS);
}

export function decideRenewal(
  cluster: PlanCluster,
  nowMs: number,
  renewBeforeDays: number,
  freezeRule?: FreezeRule,
): ExpiryDecision {
  const rows: ExpiryRow[] = cluster.nodes.flatMap((node) =>
    node.certificates.map((c) => ({
      node: node.id,
      unit: c.unit,
      notAfter: c.notAfter,
      daysLeft: daysLeft(c.notAfter, nowMs),
      selfSigned: c.selfSigned,
    })),
  );
  const due: DueUnit[] = [];
  const refused: ExpiryDecision['refused'] = [];
  for (const unit of PLAN_UNIT_ORDER) {
    const readable = rows.filter((r): r is ExpiryRow & { daysLeft: number } => r.unit === unit && r.daysLeft !== null);
    let soon = readable.filter((r) => r.daysLeft <= renewBeforeDays);
    let beforeFreeze: FreezeInstant | undefined;
    if (soon.length === 0 && freezeRule) {
      // The nodes whose certificate must not wait for the freeze, and the earliest freeze that asks for it.
      const frozen = readable
        .map((r) => ({
          r,
          f: renewBeforeFreeze(Date.parse(r.notAfter), freezeRule.freezes, freezeRule.marginDays, nowMs),
        }))
        .filter((x): x is { r: (typeof readable)[number]; f: FreezeInstant } => x.f !== undefined);
      soon = frozen.map((x) => x.r);
      beforeFreeze = frozen.sort((a, b) => Date.parse(a.f.startsAt) - Date.parse(b.f.startsAt))[0]?.f;
    }
    if (soon.length === 0) continue;
    const plan = buildPlan(cluster, { units: [unit] });
    if (plan.refusals.length > 0) {
      refused.push({ unit, reason: plan.refusals.map((r) => r.message).join(' ') });
      continue;
    }
    due.push({
      unit,
      daysLeft: Math.min(...soon.map((r) => r.daysLeft)),
      nodes: soon.map((r) => r.node),
      caSigned: rows.some((r) => r.unit === unit && !r.selfSigned),
      ...(beforeFreeze ? { beforeFreeze } : {}),
    });
  }
  return { rows, due, refused };
}
