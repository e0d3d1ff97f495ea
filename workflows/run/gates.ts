/**
 * Where a run stops for people: a gate opens (pending, with its expiry, and the people who decide are told), a
 * decision is validated (the update refuses a stale or wrong one, saying why) and applied, or, sent by signal,
 * applied when it can be and recorded as ignored when not. Reject and abort end the run; a gate no one decides
 * within GATE_TIMEOUT fails it, with nothing after the gate done.
 */
import { ApplicationFailure, condition, log } from '@temporalio/workflow';
import type { GateDecision, GateDecisionKind, GateKind, IgnoredDecision, PendingGate } from '../../domain/types';
import { throwIfAbortRequested } from './abort';
import { reasonOf } from './failures';
import type { RunState } from './state';
import { remindWhileOpen, type GateReminders } from './reminders';
import { runStep } from './steps';

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

export class Gates {
  private opened = 0;
  private readonly decided = new Map<string, GateDecision>();
  /** Why skipping is refused, per pending step-failed gate: the validator answers it to whoever tries. */
  private readonly skipRefusals = new Map<string, string>();

  constructor(
    private readonly run: RunState,
    private readonly options: GateOptions = {},
  ) {}

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
    return gate;
  }

  /** Applies a decision (validated first): the gate's wait ends at the run's next activation. */
  decide(decision: GateDecision): PendingGate {
    const gate = this.validate(decision);
    this.decided.set(gate.id, decision);
    this.run.state.decisions.push({ ...decision, kind: gate.kind, at: new Date().toISOString() });
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
    const gate: PendingGate = { id: this.id(`${kind}-${this.opened}`), kind, description, allowed };
    if (skipRefused) this.skipRefusals.set(gate.id, skipRefused);
    return this.waitAtGate(gate, () => this.decided.has(gate.id));
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
