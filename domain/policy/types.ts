/**
 * Approval policies: who must decide a run's gates, and how many people. Written in the inventory as rules (per
 * cluster, with inventory-wide defaults and built-in ones after them), carried by a run's request as the rules that
 * may apply to it (RunApprovalPolicy), resolved per gate once the run knows the cluster's security mode and version
 * (./resolve.ts), and checked against every decision (./decide.ts). Pure data: shared by the inventory, the API, the
 * workflows and the tests.
 */
import type { GateDecisionKind, GateKind, MaintenanceWindow } from '../types';
import type { CertificateUnit } from '../units';

/** Every gate kind, for the inventory's schema and the dry run (kept in step with GateKind by its type). */
export const GATE_KINDS = [
  'before-start',
  'before-restarts',
  'before-phone-reset',
  'confirm-phones-reset',
  'accept-missing-phones',
  'canary-phones-missing',
  'step-failed',
  'signed-certificate',
  'before-uccx-trust',
] as const satisfies readonly GateKind[];
// Fails to compile when GateKind gains a kind this list lacks.
const _everyKind: Record<GateKind, true> = Object.fromEntries(GATE_KINDS.map((k) => [k, true])) as Record<
  (typeof GATE_KINDS)[number],
  true
>;
void _everyKind;

/**
 * How a gate is decided: `automatic` (no person: the gate passes by itself, only while the cluster's maintenance
 * window is open, and only where ./risk.ts allows it), `one` approver, or `two` distinct approvers.
 */
export const APPROVER_COUNTS = ['automatic', 'one', 'two'] as const;
export type ApproverCount = (typeof APPROVER_COUNTS)[number];

/** What a rule's policy applies to: a certificate regeneration (a unit run, a rotation's units) or a trust recovery. */
export type PolicyRunKind = 'regeneration' | 'trust-recovery';

export type PolicySecurityMode = 'mixed' | 'non-secure';

/**
 * One rule of a policy. Every condition that is set must hold for the rule to apply to a gate; the first rule that
 * applies decides (the cluster's rules, then the inventory's, then the built-in ones).
 */
export interface ApprovalRule {
  /** The certificate units it covers; every unit when absent (a trust recovery has none: use `run`). */
  units?: CertificateUnit[];
  /** The gate kinds it covers; every kind when absent. */
  gates?: GateKind[];
  /** Only while the cluster is in this security mode. */
  securityMode?: PolicySecurityMode;
  /** Only for a publisher version in this range ("12.5", "14"; atLeast inclusive, below exclusive). */
  cucmVersion?: { atLeast?: string; below?: string };
  /** Only for this kind of run; both when absent. */
  run?: PolicyRunKind;
  /** automatic, one or two distinct approvers. */
  approvers: ApproverCount;
  /** Roles or groups an approver must hold one of (the API token's role, the OpenID Connect roles claim). */
  approverGroups?: string[];
  /** Only decisions the API authenticated count (not a name typed in the Temporal UI). */
  verified?: boolean;
  /**
   * An optional gate (before-start, before-restarts, before-phone-reset) is asked even when the run's request leaves
   * it out of its approvals.
   */
  required?: boolean;
}

/** A rule as a run carries it, with where it comes from: what the dry run and the gate show as "why". */
export interface SourcedRule extends ApprovalRule {
  /** e.g. `clusters[lab].approvalPolicy.rules[0]`, `approvalPolicy.rules[1]`, `built-in: two approvers for ...`. */
  source: string;
}

/**
 * The policy a run's request carries: the rules that may apply to its units (first match wins), resolved from the
 * inventory by whoever starts the run (the API, the expiry watch), and the cluster's window for automatic gates.
 * Not the inventory: no node, no credential, a handful of rules.
 */
export interface RunApprovalPolicy {
  rules: SourcedRule[];
  /** The cluster's maintenance window: an automatic gate passes only while it is open. */
  window?: MaintenanceWindow;
}

/** How one gate is decided, as resolved for the run's unit, the cluster's security mode and version. */
export interface GatePolicy {
  approvers: ApproverCount;
  approverGroups?: string[];
  verified?: boolean;
  /** The optional gate is asked whatever the request's approvals say. */
  required?: boolean;
  /** The rule that decided (its source). */
  rule: string;
}

/** The approvals a pending gate has and needs (its policy's count), and who gave them. */
export interface GateApprovals {
  needs: number;
  /** Who approved so far, in order; the gate opens when there are `needs` of them. */
  by: string[];
  /** The forward decision the approvals agree on (approve, or retry / skip at a step-failed gate). */
  decision?: GateDecisionKind;
}

/** What a run knows of the cluster when it resolves a gate's policy; unknown fields match every rule. */
export interface PolicyContext {
  run: PolicyRunKind;
  unit?: CertificateUnit;
  securityMode?: PolicySecurityMode;
  /** The publisher's version, e.g. "14.0.1.13900-155". */
  version?: string;
}
