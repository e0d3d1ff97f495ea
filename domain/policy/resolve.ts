/**
 * Resolving a policy: the rules a run may meet, in order (the cluster's, the inventory's, the built-in ones), and
 * for one gate the first rule that applies to the run's unit, the gate's kind, the cluster's security mode and
 * version. Unknown facts (a gate opened before discovery) match every condition: the stricter rule wins over none.
 */
import { atLeast, parseCucmVersion } from '../cucm-version';
import type { GateKind, MaintenanceWindow } from '../types';
import type { CertificateUnit } from '../units';
import { HIGH_RISK_MIXED_UNITS } from './risk';
import type { ApprovalRule, GatePolicy, PolicyContext, PolicyRunKind, RunApprovalPolicy, SourcedRule } from './types';

/** The optional gates a policy can require (the others are asked whenever the run meets them). */
const OPTIONAL: readonly GateKind[] = ['before-start', 'before-restarts', 'before-phone-reset'];

/**
 * The built-in rules, after the inventory's: two distinct approvers for the changes every secure phone feels
 * (CallManager, CallManager-ECDSA, TVS, ITLRecovery in mixed mode) and for a trust recovery, each asked before it
 * starts whatever the request's approvals say; one approver elsewhere.
 */
export const BUILT_IN_RULES: readonly SourcedRule[] = [
  {
    source: 'built-in: two approvers for CallManager, CallManager-ECDSA, TVS, ITLRecovery in mixed mode',
    units: [...HIGH_RISK_MIXED_UNITS],
    securityMode: 'mixed',
    run: 'regeneration',
    approvers: 'two',
    required: true,
    gates: ['before-start'],
  },
  {
    source: 'built-in: two approvers for CallManager, CallManager-ECDSA, TVS, ITLRecovery in mixed mode',
    units: [...HIGH_RISK_MIXED_UNITS],
    securityMode: 'mixed',
    run: 'regeneration',
    approvers: 'two',
  },
  {
    source: 'built-in: two approvers for a trust recovery',
    run: 'trust-recovery',
    approvers: 'two',
    required: true,
    gates: ['before-start'],
  },
  { source: 'built-in: two approvers for a trust recovery', run: 'trust-recovery', approvers: 'two' },
  { source: 'built-in: one approver', approvers: 'one' },
];

/** Where the rules come from: the cluster's own, then the inventory's defaults. */
export interface PolicySources {
  clusterId: string;
  cluster?: { rules?: ApprovalRule[] };
  inventory?: { rules?: ApprovalRule[] };
  /** The cluster's maintenance window (automatic gates wait for it). */
  window?: MaintenanceWindow;
}

/**
 * The policy a run carries: the rules that may apply to a run of this kind on these units (others left out), in
 * order, each with its source, and the cluster's window.
 */
export function runPolicyOf(
  sources: PolicySources,
  run: PolicyRunKind,
  units: readonly CertificateUnit[],
): RunApprovalPolicy {
  const sourced = [
    ...(sources.cluster?.rules ?? []).map((r, i) => ({
      ...r,
      source: `clusters[${sources.clusterId}].approvalPolicy.rules[${i}]`,
    })),
    ...(sources.inventory?.rules ?? []).map((r, i) => ({ ...r, source: `approvalPolicy.rules[${i}]` })),
    ...BUILT_IN_RULES,
  ];
  const mayApply = (r: SourcedRule) =>
    (r.run === undefined || r.run === run) &&
    (run === 'trust-recovery' ? !r.units : !r.units || r.units.some((u) => units.includes(u)));
  return { rules: sourced.filter(mayApply), ...(sources.window ? { window: sources.window } : {}) };
}

/** A policy carried for every unit, narrowed to the rules that may meet these (the watch's due units). */
export function narrowPolicy(policy: RunApprovalPolicy, units: readonly CertificateUnit[]): RunApprovalPolicy {
  return { ...policy, rules: policy.rules.filter((r) => !r.units || r.units.some((u) => units.includes(u))) };
}

function versionMatches(range: ApprovalRule['cucmVersion'], version: string | undefined): boolean {
  if (!range || version === undefined) return true;
  const v = parseCucmVersion(version);
  const at = (text: string) => parseCucmVersion(text);
  if (range.atLeast !== undefined && !atLeast(v, at(range.atLeast).major, at(range.atLeast).minor)) return false;
  if (range.below !== undefined && atLeast(v, at(range.below).major, at(range.below).minor)) return false;
  return true;
}

/** Whether a rule applies to a gate of this kind in this context. */
export function ruleApplies(rule: ApprovalRule, gate: GateKind, ctx: PolicyContext): boolean {
  if (rule.run !== undefined && rule.run !== ctx.run) return false;
  if (rule.units && (ctx.unit === undefined || !rule.units.includes(ctx.unit))) return false;
  if (rule.gates && !rule.gates.includes(gate)) return false;
  if (rule.securityMode && ctx.securityMode !== undefined && rule.securityMode !== ctx.securityMode) return false;
  return versionMatches(rule.cucmVersion, ctx.version);
}

/** The policy of one gate: the first rule that applies (one approver, anyone but the requester, when none does). */
export function resolveGatePolicy(
  policy: RunApprovalPolicy | undefined,
  gate: GateKind,
  ctx: PolicyContext,
): GatePolicy {
  const rule = policy?.rules.find((r) => ruleApplies(r, gate, ctx));
  if (!rule) return { approvers: 'one', rule: policy ? 'built-in: one approver' : 'no policy: one approver' };
  return {
    approvers: rule.approvers,
    ...(rule.approverGroups?.length ? { approverGroups: rule.approverGroups } : {}),
    ...(rule.verified ? { verified: true } : {}),
    ...(rule.required && OPTIONAL.includes(gate) ? { required: true } : {}),
    rule: rule.source,
  };
}

/** How many approvals a gate needs under its policy (an automatic gate needs none). */
export function approvalsNeeded(policy: Pick<GatePolicy, 'approvers'>): number {
  return policy.approvers === 'two' ? 2 : policy.approvers === 'one' ? 1 : 0;
}

/**
 * The optional gates a run stops at: those its request asks for (default before-start) and those the policy
 * requires, in the usual order, each with its policy and why it is asked.
 */
export function optionalGatesOf(
  policy: RunApprovalPolicy | undefined,
  requested: readonly GateKind[] | undefined,
  ctx: PolicyContext,
): Array<{ kind: GateKind; policy: GatePolicy; why: string }> {
  const asked = new Set<GateKind>(requested ?? ['before-start']);
  return OPTIONAL.flatMap((kind) => {
    const gatePolicy = resolveGatePolicy(policy, kind, ctx);
    if (asked.has(kind)) return [{ kind, policy: gatePolicy, why: 'the request asks for it (approvals)' }];
    if (gatePolicy.required) return [{ kind, policy: gatePolicy, why: `required by ${gatePolicy.rule}` }];
    return [];
  });
}

/** One line for a person: "two distinct approvers (groups cab; verified only)". */
export function describeGatePolicy(p: GatePolicy): string {
  const who =
    p.approvers === 'automatic'
      ? 'automatic inside the maintenance window'
      : p.approvers === 'two'
        ? 'two distinct approvers'
        : 'one approver';
  const extra = [
    p.approverGroups?.length ? `from ${p.approverGroups.join(' or ')}` : '',
    p.verified ? 'verified only' : '',
  ].filter(Boolean);
  return `${who}${extra.length ? ` (${extra.join('; ')})` : ''}, not the requester; rule: ${p.rule}`;
}
