/**
 * The state query and the gate messages of a run that is neither a unit run nor a rotation (the trust recovery):
 * the same names and meanings as regenerateCertificate's (./messages.ts), so the API, the Temporal UI and the tests
 * decide its gates the same way.
 */
import { setHandler } from '@temporalio/workflow';
import {
  abortSignal,
  approveSignal,
  decideGateSignal,
  decideGateUpdate,
  rejectSignal,
  stateQuery,
  type GateSignal,
} from '../domain/messages';
import type { RunTracker } from './run-tracker';
import type { GateDecision } from '../domain/types';

export function setGateHandlers(run: RunTracker, gatesTake: string): void {
  const help = `Gates and what they take: ${gatesTake}. A decision the run cannot apply is recorded as ignored (state, current details, /events).`;
  setHandler(stateQuery, () => run.state, {
    description:
      'Live state of the run: phase, plan, steps with their status and detail, pending gates (with their expiry), decisions, ignored decisions, missing phones, manual actions.',
  });
  setHandler(decideGateUpdate, (decision) => run.decide(decision), {
    validator: (decision: GateDecision) => void run.validate(decision),
    description: `Decide a pending gate: {"gateId", "decision", "comment", "by"}; refused (the update fails, saying why) unless that gate is pending and takes the decision. ${gatesTake}.`,
  });
  setHandler(decideGateSignal, (decision) => run.signalled('decideGate-signal', decision), {
    description: `Decide a pending gate: {"gateId", "decision", "comment", "by"}. ${help}`,
  });
  setHandler(
    approveSignal,
    ({ gateId, approver, comment }: GateSignal) =>
      run.signalled('approve', { gateId, decision: 'approve', by: approver, comment }),
    {
      description: `Approve the pending gate: {"approver", "comment"} (and "gateId" when several are pending). ${help}`,
    },
  );
  setHandler(
    rejectSignal,
    ({ gateId, approver, comment }: GateSignal) =>
      run.signalled('reject', { gateId, decision: 'reject', by: approver, comment }),
    { description: `Reject the pending gate, ending the run with nothing more changed. ${help}` },
  );
  setHandler(abortSignal, ({ gateId, approver, comment }: GateSignal) => run.abort(approver, comment, gateId), {
    description:
      'Abort the run: {"approver", "comment"} (and "gateId"). Every gate takes it; with no gate pending the run stops before its next step. The state lists what is left to do by hand.',
  });
}
