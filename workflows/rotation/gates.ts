/**
 * A rotation's gates are its unit runs' gates: a decision sent to the rotation (the API, the Temporal UI) is checked
 * against the pending gates of the unit running now, as that unit run last reported them (its summary), and handed to it. The
 * same handlers as every run (../gate-handlers.ts), with the rotation as their target.
 */
import { ApplicationFailure, getExternalWorkflowHandle, patched } from '@temporalio/workflow';
import { abortSignal, decideGateSignal, GATES_TAKE } from '../../domain/messages';
import { FORWARD_DECISIONS, POLICY_REFUSED, policyRefusal, withApproval } from '../../domain/policy';
import type { GateDecision, PendingGate } from '../../domain/types';
import { setGateHandlers, type GateTarget } from '../gate-handlers';
import { PATCHES } from '../patches';
import { reasonOf } from '../run-tracker';
import type { RotationProgress } from './progress';

/** Who started the rotation, and whether its unit runs' approval policies are checked here too. */
interface RotationPolicy {
  requestedBy?: string;
  policies: boolean;
}

/**
 * Throws (refusing the decision) unless the gate is pending in the current unit, takes the decision and, under the
 * approval policy the unit run reported with the gate, counts.
 */
function checkDecision(pending: readonly PendingGate[], d: GateDecision, policy: RotationPolicy): PendingGate {
  const gate = pending.find((g) => g.id === d.gateId);
  if (!gate)
    throw new Error(`Gate "${d.gateId}" is not pending (pending: ${pending.map((g) => g.id).join(', ') || 'none'}).`);
  if (!gate.allowed.includes(d.decision))
    throw new Error(`Gate "${gate.id}" accepts ${gate.allowed.join(', ')}, not "${d.decision}".`);
  const refusal = policy.policies ? policyRefusal(gate, d, policy.requestedBy) : undefined;
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
 * Hands a checked decision to the unit run that holds the gate. A decision that ends the gate is refused from now
 * on; an approval the gate counts towards two is added to this copy, so the same approver is refused at once.
 */
async function forward(rotation: RotationProgress, d: GateDecision, policy: RotationPolicy): Promise<PendingGate> {
  const cur = rotation.current;
  const gate = checkDecision(rotation.pendingGates(), d, policy);
  const counted = policy.policies && gate.approvals && FORWARD_DECISIONS.includes(d.decision);
  const { approvals, complete } = counted ? withApproval(gate.approvals, d) : { approvals: undefined, complete: true };
  // The unit run reports the gate closed only later: until then, this copy refuses a second decision for it.
  if (complete) rotation.gateDecided(gate.id);
  else if (approvals) rotation.gateApproved(gate.id, approvals);
  await getExternalWorkflowHandle(cur?.workflowId ?? '').signal(decideGateSignal, d);
  return approvals ? { ...gate, approvals } : gate;
}

/** The rotation as the target of the gate handlers. */
function rotationGates(rotation: RotationProgress, policy: RotationPolicy): GateTarget {
  return {
    validate: (d) => checkDecision(rotation.pendingGates(), d, policy),
    decide: (d) => forward(rotation, d, policy),
    // A signal cannot be refused: a decision that does not fit is recorded as ignored, with the reason.
    signalled: (via, d) => {
      const pending = rotation.pendingGates();
      const gateId = d.gateId ?? (pending.length === 1 ? pending[0]?.id : undefined);
      if (!gateId) {
        rotation.ignore(
          d,
          via,
          `name the gate ("gateId"): pending are ${pending.map((g) => g.id).join(', ') || 'none'}`,
        );
        return;
      }
      try {
        checkDecision(pending, { ...d, gateId }, policy);
      } catch (err) {
        rotation.ignore({ ...d, gateId }, via, reasonOf(err));
        return;
      }
      void forward(rotation, { ...d, gateId }, policy).catch((err: unknown) =>
        rotation.ignore({ ...d, gateId }, via, reasonOf(err)),
      );
    },
    // The unit running now aborts (at its pending gate, or before its next step); between units, none starts.
    abort: (approver, comment, gateId) => {
      const cur = rotation.current;
      if (!cur) {
        rotation.abortBetweenUnits(approver, comment);
        return;
      }
      void getExternalWorkflowHandle(cur.workflowId)
        .signal(abortSignal, { gateId, approver, comment })
        .catch((err: unknown) => rotation.ignore({ gateId, decision: 'abort', by: approver }, 'abort', reasonOf(err)));
    },
  };
}

export function forwardGates(rotation: RotationProgress, requestedBy?: string): void {
  // Rotations started before approval policies replay without the checks (their unit runs have none either).
  const policy: RotationPolicy = { requestedBy, policies: patched(PATCHES.approvalPolicies) };
  setGateHandlers(rotationGates(rotation, policy), {
    gatesTake: GATES_TAKE,
    whose: 'the pending gate of the unit running now',
    ends: 'the rotation',
  });
}
