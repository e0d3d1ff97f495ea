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
import { buildPlan, MULTI_SERVER_UNITS, PLAN_UNIT_ORDER, type PlanCluster } from '../plan';
import type { CertificateUnit } from '../units';
import { acmeUnitDue, type AcmeDueDecision, type AcmeRenewalReading } from './acme-due';

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
  /** The ACME issuer that signs it (no signed-certificate gate); absent for the "manual" issuer. */
  issuer?: string;
  /** Due only because of this freeze: brought forward so it is renewed before the freeze begins. */
  beforeFreeze?: FreezeInstant;
}

/** The cluster's change freezes (UTC instants) and the margin of renewing before one. */
export interface FreezeRule {
  freezes: readonly FreezeInstant[];
  marginDays: number;
}

export interface ExpiryDecision {
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

/** What the issuer activity (acmeRenewalInfo) read for one CA-signed unit. */
export type UnitIssuerReading =
  | { unit: CertificateUnit; kind: 'manual'; csrDistribution: 'per-node' | 'multi-server' }
  | {
      unit: CertificateUnit;
      kind: 'acme';
      issuerId: string;
      renewAtFraction: number;
      csrDistribution: 'per-node' | 'multi-server';
      readings: AcmeRenewalReading[];
    };

/** An ACME-issued unit's decision, for the watch's result and summary. */
export type AcmeUnitDecision = { unit: CertificateUnit; issuer: string } & AcmeDueDecision;

/**
 * The decision of decideRenewal, with the cluster's issuers applied (PATCHES.acmeIssuer):
 * - a unit whose issuer is ACME is due by the CA's renewal information or the issuer's renewAtFraction
 *   (./acme-due.ts), not by renewBeforeDays; the plan must still accept it;
 * - units the inventory renews with one multi-server CSR are started with csrDistribution "multi-server", which a
 *   run takes for tomcat and tomcat-ECDSA only: when other units are due too, the multi-server ones wait for a run
 *   of their own (the next watch, once the others are renewed) and are listed as deferred.
 */
export function applyIssuers(
  cluster: PlanCluster,
  decision: ExpiryDecision,
  issuers: readonly UnitIssuerReading[],
  nowMs: number,
): ExpiryDecision & {
  acme: AcmeUnitDecision[];
  csrDistribution?: 'multi-server';
  deferred: Array<{ unit: CertificateUnit; reason: string }>;
} {
  const acmeUnits = new Set(issuers.filter((i) => i.kind === 'acme').map((i) => i.unit));
  let due = decision.due.filter((d) => !acmeUnits.has(d.unit));
  const refused = decision.refused.filter((r) => !acmeUnits.has(r.unit));
  const acme: AcmeUnitDecision[] = [];
  // A unit brought forward before a change freeze stays due whatever the CA's window says: renewing early is allowed,
  // and "later" could fall inside the freeze.
  const beforeFreeze = new Map(decision.due.filter((d) => d.beforeFreeze).map((d) => [d.unit, d]));
  for (const issuer of issuers) {
    if (issuer.kind !== 'acme') continue;
    const verdict = acmeUnitDue(issuer.readings, nowMs, issuer.renewAtFraction);
    acme.push({ unit: issuer.unit, issuer: issuer.issuerId, ...verdict });
    const frozen = beforeFreeze.get(issuer.unit);
    if (!verdict.due && frozen) {
      due.push({ ...frozen, caSigned: true, issuer: issuer.issuerId });
      continue;
    }
    if (!verdict.due) continue;
    const plan = buildPlan(cluster, { units: [issuer.unit] });
    if (plan.refusals.length > 0) {
      refused.push({ unit: issuer.unit, reason: plan.refusals.map((r) => r.message).join(' ') });
      continue;
    }
    const rows = decision.rows.filter((r) => r.unit === issuer.unit && r.daysLeft !== null);
    due.push({
      unit: issuer.unit,
      daysLeft: Math.min(...rows.map((r) => r.daysLeft as number)),
      nodes: rows.map((r) => r.node),
      caSigned: true,
      issuer: issuer.issuerId,
    });
  }
  due.sort((a, b) => PLAN_UNIT_ORDER.indexOf(a.unit) - PLAN_UNIT_ORDER.indexOf(b.unit));
  const multiServer = new Set(
    issuers
      .filter((i) => i.csrDistribution === 'multi-server' && MULTI_SERVER_UNITS.includes(i.unit))
      .map((i) => i.unit),
  );
  const dueMultiServer = due.filter((d) => multiServer.has(d.unit));
  const deferred: Array<{ unit: CertificateUnit; reason: string }> = [];
  if (dueMultiServer.length === 0) return { rows: decision.rows, due, refused, acme, deferred };
  if (dueMultiServer.length < due.length) {
    for (const d of dueMultiServer)
      deferred.push({
        unit: d.unit,
        reason: `renewed with one multi-server CSR in a run of its own, after ${due
          .filter((u) => !multiServer.has(u.unit))
          .map((u) => u.unit)
          .join(', ')}`,
      });
    due = due.filter((d) => !multiServer.has(d.unit));
    return { rows: decision.rows, due, refused, acme, deferred };
  }
  const plan = buildPlan(cluster, { units: due.map((d) => d.unit), csrDistribution: 'multi-server' });
  if (plan.refusals.length > 0)
    return {
      rows: decision.rows,
      due: [],
      refused: [
        ...refused,
        ...due.map((d) => ({ unit: d.unit, reason: plan.refusals.map((r) => r.message).join(' ') })),
      ],
      acme,
      deferred,
    };
  return { rows: decision.rows, due, refused, acme, deferred, csrDistribution: 'multi-server' };
}
