/**
 * Where a run stops for people: a gate opens (pending, with its expiry, and the people who decide are told), a
 * decision is validated (the update refuses a stale or wrong one, saying why) and applied, or, sent by signal,
 * applied when it can be and recorded as ignored when not. Reject and abort end the run; a gate no one decides
 * within GATE_TIMEOUT fails it, with nothing after the gate done.
 */
import { ApplicationFailure, condition, log, patched } from '@temporalio/workflow';
import {
  approvalsNeeded,
  AUTOMATIC_GATES,
  AUTOMATIC_UNITS,
  FORWARD_DECISIONS,
  POLICY_REFUSED,
  policyRefusal,
  resolveGatePolicy,
  withApproval,
  type GatePolicy,
  type PolicyContext,
} from '../../domain/policy';
import type {
  GateDecision,
  GateDecisionKind,
  GateKind,
  IgnoredDecision,
  PendingGate,
  RegenerationRequest,
} from '../../domain/types';
import { PATCHES } from '../patches';
import { throwIfAbortRequested } from './abort';
import { reasonOf } from './failures';
import type { RunState } from './state';
import { remindWhileOpen, type GateReminders } from './reminders';
import { runStep } from './steps';
import { inWindow } from './windows';

/** How long a gate waits for an engineer before the run fails (nothing half done: gates sit between steps). */
const GATE_TIMEOUT = '7 days';
const GATE_TIMEOUT_MS = 7 * 86_400_000;
/** How many ignored decisions the state keeps (the newest). */
const KEPT_IGNORED = 50;

export interface GateOptions {
  /** Gate ids start with it (`tomcat.before-start-1`), so they are unique across a rotation and its unit runs. */
  gatePrefix?: string;
  /** Called when a gate opens (its expiry set): the run tells the people who decide (../notify.ts). */
  onGateOpened?: (gate: PendingGate) => void;
  /** Reminds of a gate left open, then escalates, until it is decided (./reminders.ts). */
  reminders?: GateReminders;
}

/** Who `by` names on a gate the policy passed with no person. */
export const BY_POLICY = 'policy';

export class Gates {
  private opened = 0;
  private readonly decided = new Map<string, GateDecision>();
  /** Why skipping is refused, per pending step-failed gate: the validator answers it to whoever tries. */
  private readonly skipRefusals = new Map<string, string>();
  /** The run's approval policy applies (runs started before it replay without it). */
  private readonly policies: boolean;
  /** What the run knows of the cluster when it resolves a gate's policy (the unit, then discovery's facts). */
  private context: PolicyContext;

  constructor(
    private readonly run: RunState,
    private readonly options: GateOptions = {},
    private readonly request?: RegenerationRequest,
    context: PolicyContext = { run: 'regeneration' },
  ) {
    this.policies = patched(PATCHES.approvalPolicies);
    this.context = { ...context, ...(request?.units.length === 1 ? { unit: request.units[0] } : {}) };
  }

  /** What discovery learned (security mode, version): the policy of the gates opened from now on depends on it. */
  learned(facts: Pick<PolicyContext, 'securityMode' | 'version'>): void {
    this.context = { ...this.context, ...facts };
  }

  /** The policy of a gate of this kind (undefined in runs started before approval policies). */
  policyOf(kind: GateKind): GatePolicy | undefined {
    if (!this.policies) return undefined;
    const policy = resolveGatePolicy(this.request?.approvalPolicy, kind, this.context);
    if (policy.approvers !== 'automatic') return policy;
    // The inventory refuses these; a request written by hand (Temporal UI, CLI) gets a person instead.
    const why = !this.request?.approvalPolicy?.window
      ? 'the cluster has no maintenance window'
      : !AUTOMATIC_GATES.includes(kind)
        ? `${kind} needs a person`
        : this.context.unit === undefined || !AUTOMATIC_UNITS.includes(this.context.unit)
          ? `${this.context.unit ?? 'a trust recovery'} is high-risk`
          : undefined;
    return why ? { ...policy, approvers: 'one', rule: `${policy.rule} (automatic refused: ${why})` } : policy;
  }

  /** The optional gates the policy requires, whatever the request's approvals say. */
  requiredGates(): GateKind[] {
    const optional: GateKind[] = ['before-start', 'before-restarts', 'before-phone-reset'];
    return optional.filter((kind) => this.policyOf(kind)?.required === true);
  }

  /** The id of a gate of this run: `${prefix}.${local}` when the run names its gates by unit. */
  id(local: string): string {
    return this.options.gatePrefix ? `${this.options.gatePrefix}.${local}` : local;
  }

  /** Throws (rejecting the update) unless the gate is pending and the decision allowed there. */
  validate(decision: GateDecision): PendingGate {
    const pending = this.run.state.pendingGates;
    const gate = pending.find((g) => g.id === decision.gateId);
    if (!gate)
      throw new Error(
        `Gate "${decision.gateId}" is not pending (pending: ${pending.map((g) => g.id).join(', ') || 'none'}).`,
      );
    const skipRefused = this.skipRefusals.get(gate.id);
    if (decision.decision === 'skip' && skipRefused)
      throw new Error(`Skipping is refused at gate "${gate.id}": ${skipRefused} Decide retry or abort.`);
    if (!gate.allowed.includes(decision.decision))
      throw new Error(`Gate "${gate.id}" accepts ${gate.allowed.join(', ')}, not "${decision.decision}".`);
    const refusal = this.policies ? policyRefusal(gate, decision, this.run.state.requestedBy) : undefined;
    if (refusal)
      throw ApplicationFailure.create({
        message: refusal.message,
        type: POLICY_REFUSED,
        details: [refusal.rule],
        nonRetryable: true,
      });
    return gate;
  }

  /**
   * Applies a decision (validated first): the gate's wait ends at the run's next activation, unless it is an approval
   * the gate counts towards more than one (two approvers): then it is recorded and the gate stays open.
   */
  decide(decision: GateDecision): PendingGate {
    const gate = this.validate(decision);
    const at = new Date().toISOString();
    if (gate.approvals && FORWARD_DECISIONS.includes(decision.decision)) {
      const { approvals, complete } = withApproval(gate.approvals, decision);
      gate.approvals = approvals;
      const counted = approvals.needs > 1 ? { approval: { count: approvals.by.length, needs: approvals.needs } } : {};
      this.run.state.decisions.push({ ...decision, kind: gate.kind, at, ...counted });
      if (!complete) {
        this.run.publish();
        return gate;
      }
      this.decided.set(gate.id, approvals.needs > 1 ? { ...decision, by: approvals.by.join(' and ') } : decision);
      return gate;
    }
    this.decided.set(gate.id, decision);
    this.run.state.decisions.push({ ...decision, kind: gate.kind, at });
    return gate;
  }

  /**
   * A decision from a signal (the Temporal UI): applied when it can be, recorded as ignored when not. With no gate
   * named, it goes to the only pending gate.
   */
  signalled(via: string, d: Omit<GateDecision, 'gateId'> & { gateId?: string }): void {
    const pending = this.run.state.pendingGates;
    const gateId = d.gateId ?? (pending.length === 1 ? pending[0]?.id : undefined);
    if (!gateId) {
      this.ignore(d, via, `name the gate ("gateId"): pending are ${pending.map((g) => g.id).join(', ') || 'none'}`);
      return;
    }
    try {
      this.decide({ ...d, gateId });
    } catch (err) {
      this.ignore({ ...d, gateId }, via, reasonOf(err));
    }
  }

  /**
   * Records a decision the run could not apply (signals cannot answer their sender): it shows in the state
   * (ignoredDecisions, so in /events) and in the current details. Update validators refuse instead, and leave no
   * trace in history, so they must not call this.
   */
  ignore(decision: Omit<IgnoredDecision, 'at' | 'reason' | 'via'>, via: string, reason: string): void {
    const entry: IgnoredDecision = { ...decision, via, reason, at: new Date().toISOString() };
    this.run.state.ignoredDecisions = [...(this.run.state.ignoredDecisions ?? []), entry].slice(-KEPT_IGNORED);
    log.warn('gate decision ignored', { ...entry });
    this.run.publish();
  }

  /** Stops the run until an engineer decides; reject and abort end the run without another change. */
  async open(
    kind: GateKind,
    description: string,
    allowed: GateDecisionKind[] = ['approve', 'reject', 'abort'],
    skipRefused?: string,
  ): Promise<GateDecision> {
    this.opened += 1;
    const id = this.id(`${kind}-${this.opened}`);
    const policy = this.policyOf(kind);
    if (policy?.approvers === 'automatic') return this.passByPolicy(id, kind, description, policy);
    const gate: PendingGate = {
      id,
      kind,
      description,
      allowed,
      ...(policy ? { policy, approvals: { needs: approvalsNeeded(policy), by: [] } } : {}),
    };
    if (skipRefused) this.skipRefusals.set(gate.id, skipRefused);
    return this.waitAtGate(gate, () => this.decided.has(gate.id));
  }

  /**
   * An automatic gate: no person, but only while the cluster's maintenance window is open (the run sleeps until it
   * opens, as before a disruptive step); recorded as approved by the policy, naming its rule.
   */
  private async passByPolicy(id: string, kind: GateKind, description: string, policy: GatePolicy) {
    throwIfAbortRequested(this.run, `Gate: ${description}`);
    const window = this.request?.approvalPolicy?.window;
    if (this.request && window)
      await inWindow(this.run, { ...this.request, maintenanceWindow: window }, `the automatic approval of ${id}`);
    const decision: GateDecision = {
      gateId: id,
      decision: 'approve',
      by: BY_POLICY,
      comment: `automatically by policy (${policy.rule}), inside the maintenance window`,
    };
    return runStep(
      this.run,
      { kind: 'gate', description: `Gate: ${description}` },
      async () => {
        this.run.state.decisions.push({ ...decision, kind, at: new Date().toISOString() });
        return decision;
      },
      () => ({ status: 'completed', detail: `approved automatically by policy (${policy.rule})` }),
    );
  }

  /**
   * Opens `gate` and waits until `done()` (a decision by default; the CA flow also ends its gate when every chain
   * has arrived). Abort and reject end the run.
   */
  async waitAtGate(gate: PendingGate, done: () => boolean): Promise<GateDecision> {
    throwIfAbortRequested(this.run, `Gate: ${gate.description}`);
    const opened = { ...gate, expiresAt: new Date(Date.now() + GATE_TIMEOUT_MS).toISOString() };
    this.run.state.pendingGates.push(opened);
    this.run.setPhase('awaiting-approval');
    this.options.onGateOpened?.(opened);
    if (this.options.reminders)
      remindWhileOpen(opened, () => this.run.state.pendingGates.some((g) => g.id === gate.id), this.options.reminders);
    try {
      const decided = await runStep(
        this.run,
        { kind: 'gate', description: `Gate: ${gate.description}` },
        () => this.decisionAt(gate, done),
        (d) => ({
          status: 'completed',
          detail: `${d.decision} by ${d.by ?? 'unknown'}${d.comment ? `: ${d.comment}` : ''}`,
        }),
      );
      throwIfEnded(gate, decided);
      this.run.setPhase('running');
      return decided;
    } finally {
      this.run.state.pendingGates = this.run.state.pendingGates.filter((g) => g.id !== gate.id);
      this.skipRefusals.delete(gate.id);
    }
  }

  /** The decision at a pending gate, or "approve by the run" when `done()` ended the wait without one. */
  private async decisionAt(gate: PendingGate, done: () => boolean): Promise<GateDecision> {
    const decidedOrDone = () => done() || this.decided.has(gate.id);
    // The timer's summary names the gate: the UI's event history says what this 7-day timer is.
    if (!(await condition(decidedOrDone, GATE_TIMEOUT, { summary: `Gate ${gate.id} expires` })))
      throw ApplicationFailure.nonRetryable(
        `Gate ${gate.id} was not decided within ${GATE_TIMEOUT}; nothing after it was done.`,
        'GateTimedOut',
      );
    return this.decided.get(gate.id) ?? { gateId: gate.id, decision: 'approve' as const, by: 'the run' };
  }
}

/** Reject and abort end the run here, before anything after the gate. */
function throwIfEnded(gate: PendingGate, decided: GateDecision): void {
  if (decided.decision !== 'reject' && decided.decision !== 'abort') return;
  const rejected = decided.decision === 'reject';
  throw ApplicationFailure.nonRetryable(
    `${rejected ? 'Rejected' : 'Aborted'} at gate ${gate.id} by ${decided.by ?? 'unknown'}${decided.comment ? `: ${decided.comment}` : ''}.`,
    rejected ? 'RejectedAtGate' : 'AbortedAtGate',
  );
}
