/**
 * Whether a decision counts at a gate, under the gate's policy. The rules, each named so a refusal says which:
 *
 * - `requester-approves-own-run`: the person who started the run never moves it forward (approve, retry, skip).
 * - `unverified-approver`: the gate needs a decision the API authenticated (GateDecision.verified).
 * - `approver-group-not-allowed`: the approver holds none of the groups the gate allows (GateDecision.groups).
 * - `same-approver-twice`: under two approvers, the second must be another person.
 * - `approvals-disagree`: under two approvers, both must agree on the same forward decision.
 *
 * Reject and abort are never held to the policy: stopping a change changes nothing more on the cluster, so whoever
 * may reach the gate (the API's approver role, the Temporal UI) ends the run at once, even before a second approval.
 */
import type { GateDecision, GateDecisionKind } from '../types';
import type { GateApprovals, GatePolicy } from './types';

export type PolicyRuleName =
  | 'requester-approves-own-run'
  | 'unverified-approver'
  | 'approver-group-not-allowed'
  | 'same-approver-twice'
  | 'approvals-disagree';

/** The failure type of a decision the approval policy refuses (the update's error); its details hold the rule. */
export const POLICY_REFUSED = 'ApprovalPolicyRefused';

export interface PolicyRefusal {
  rule: PolicyRuleName;
  message: string;
}

/**
 * The API's identity when its authentication is switched off (development only): it names no person, so the
 * requester rule cannot tell anyone apart and does not apply to it.
 */
export const UNAUTHENTICATED = 'anonymous';

/** The decisions that move a run forward, held to the policy. */
export const FORWARD_DECISIONS: readonly GateDecisionKind[] = ['approve', 'retry', 'skip'];

/** What a decision is checked against: the pending gate's id, policy and approvals so far. */
export interface GateUnderPolicy {
  id: string;
  policy?: GatePolicy;
  approvals?: GateApprovals;
}

/** Why the decision does not count at this gate, or undefined when it does. */
export function policyRefusal(
  gate: GateUnderPolicy,
  d: Pick<GateDecision, 'decision' | 'by' | 'verified' | 'groups'>,
  requestedBy: string | undefined,
): PolicyRefusal | undefined {
  if (!FORWARD_DECISIONS.includes(d.decision)) return undefined;
  const refuse = (rule: PolicyRuleName, why: string): PolicyRefusal => ({
    rule,
    message: `Refused by the approval policy (rule ${rule}): ${why}${gate.policy ? ` [gate ${gate.id}: ${gate.policy.rule}]` : ''}`,
  });
  const by = d.by?.trim();
  if (requestedBy && requestedBy !== UNAUTHENTICATED && by === requestedBy)
    return refuse(
      'requester-approves-own-run',
      `"${by}" started this run and may not ${d.decision} its gates; another approver must decide (reject and abort stay open to the requester).`,
    );
  const policy = gate.policy;
  if (!policy) return undefined;
  if (policy.verified && d.verified !== true)
    return refuse(
      'unverified-approver',
      `gate ${gate.id} needs a verified approver: decide through the API with your own token (a name typed in the Temporal UI is not verified).`,
    );
  const allowed = policy.approverGroups ?? [];
  if (allowed.length > 0 && !(d.groups ?? []).some((g) => allowed.includes(g)))
    return refuse(
      'approver-group-not-allowed',
      `"${by ?? 'unknown'}" holds ${d.groups?.length ? d.groups.join(', ') : 'no role or group'}; gate ${gate.id} needs an approver from ${allowed.join(' or ')}.`,
    );
  const approvals = gate.approvals;
  if (approvals && approvals.by.length > 0) {
    // A decision naming no one (a Temporal UI signal without "approver") is "unknown": not a second person either.
    if (approvals.by.includes(by || 'unknown'))
      return refuse(
        'same-approver-twice',
        `"${by || 'unknown'}" already approved gate ${gate.id} (${approvals.by.length} of ${approvals.needs}); it needs another, distinct approver.`,
      );
    if (approvals.decision && approvals.decision !== d.decision)
      return refuse(
        'approvals-disagree',
        `gate ${gate.id} has ${approvals.by.length} of ${approvals.needs} approvals to ${approvals.decision}; a further approver must also decide ${approvals.decision} (or reject, or abort).`,
      );
  }
  return undefined;
}

/** The approvals after a counted forward decision, and whether the gate now has all it needs. */
export function withApproval(
  approvals: GateApprovals | undefined,
  d: Pick<GateDecision, 'decision' | 'by'>,
): { approvals: GateApprovals; complete: boolean } {
  const needs = approvals?.needs ?? 1;
  const next: GateApprovals = {
    needs,
    by: [...(approvals?.by ?? []), d.by?.trim() || 'unknown'],
    decision: d.decision,
  };
  return { approvals: next, complete: next.by.length >= needs };
}
