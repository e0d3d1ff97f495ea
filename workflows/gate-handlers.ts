/**
 * The gate messages every run answers, registered in one place: the decideGate update (validated, so a stale or
 * repeated decision is refused with the reason) and the decideGate / approve / reject / abort signals (the Temporal
 * UI's simplest way to decide). The same names and meanings for a unit run, a rotation (which forwards to its unit
 * run) and a trust recovery, so the API, the Temporal UI and the tests decide every gate the same way.
 */
import { setHandler } from '@temporalio/workflow';
import {
  abortSignal,
  approveSignal,
  decideGateSignal,
  decideGateUpdate,
  rejectSignal,
  type GateSignal,
} from '../domain/messages';
import type { GateDecision, PendingGate } from '../domain/types';

/** What a run does with a gate message (a RunTracker, or a rotation forwarding to its unit run). */
export interface GateTarget {
  /** Throws, saying why, unless the gate is pending and takes the decision (the update's validator). */
  validate(decision: GateDecision): unknown;
  /** Applies a validated decision (the update's handler). */
  decide(decision: GateDecision): PendingGate | Promise<PendingGate>;
  /** A decision by signal: applied, or recorded as ignored with the reason (signals cannot be refused). */
  signalled(via: string, decision: Omit<GateDecision, 'gateId'> & { gateId?: string }): void;
  /** Abort: at the pending gate, or before the next step when none is pending. */
  abort(by?: string, comment?: string, gateId?: string): void;
}

/** How the handlers describe themselves in the Temporal UI. */
export interface GateHelp {
  /** Which gates take which decisions (GATES_TAKE, or the run's own list). */
  gatesTake: string;
  /** Whose gates: "the pending gate" of a run, "the pending gate of the unit running now" of a rotation. */
  whose: string;
  /** What a rejection or an abort ends: "the run", "the rotation". */
  ends: string;
}

export function setGateHandlers(target: GateTarget, { gatesTake, whose, ends }: GateHelp): void {
  const help = `Gates and what they take: ${gatesTake}. A decision ${ends} cannot apply is recorded as ignored (state, current details, /events).`;
  setHandler(decideGateUpdate, (decision) => target.decide(decision), {
    validator: (decision: GateDecision) => void target.validate(decision),
    description: `Decide ${whose}: {"gateId" (e.g. "tomcat.before-start-1"), "decision", "comment", "by"}; refused (the update fails, saying why) unless exactly that gate is pending and takes the decision, so a stale or repeated decision is refused, and unless the run's approval policy counts it (never the requester's own approval; a second, distinct approver where two are needed). ${gatesTake}.`,
  });
  setHandler(decideGateSignal, (decision) => target.signalled('decideGate-signal', decision), {
    description: `Decide ${whose}: {"gateId", "decision", "comment", "by"}. ${help}`,
  });
  setHandler(
    approveSignal,
    ({ gateId, approver, comment }: GateSignal) =>
      target.signalled('approve', { gateId, decision: 'approve', by: approver, comment }),
    { description: `Approve ${whose}: {"approver", "comment"} (and "gateId" when several are pending). ${help}` },
  );
  setHandler(
    rejectSignal,
    ({ gateId, approver, comment }: GateSignal) =>
      target.signalled('reject', { gateId, decision: 'reject', by: approver, comment }),
    {
      description: `Reject ${whose}, ending ${ends} with nothing more changed: {"approver", "comment"} (and "gateId"). ${help}`,
    },
  );
  setHandler(abortSignal, ({ gateId, approver, comment }: GateSignal) => target.abort(approver, comment, gateId), {
    description: `Abort ${ends}: {"approver", "comment"} (and "gateId" when several are pending). Every gate takes it; with no gate pending, ${ends} stops before its next step (a step running now finishes first; cancel to stop it). The state lists what is left to do by hand.`,
  });
}
