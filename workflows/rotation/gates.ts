/**
 * A rotation's gates are its unit runs' gates: a decision sent to the rotation (the API, the Temporal UI) is checked
 * against the pending gates of the unit running now, as that unit run last reported them (its summary), and handed to it. The
 * same handlers as every run (../gate-handlers.ts), with the rotation as their target.
 */
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { abortSignal, decideGateSignal, GATES_TAKE } from '../../domain/messages';
import type { GateDecision, PendingGate } from '../../domain/types';
import { setGateHandlers, type GateTarget } from '../gate-handlers';
import { reasonOf } from '../run-tracker';
import type { RotationProgress } from './progress';

/** Throws (refusing the decision) unless the gate is pending in the current unit and takes the decision. */
function checkDecision(pending: readonly PendingGate[], d: GateDecision): PendingGate {
  const gate = pending.find((g) => g.id === d.gateId);
  if (!gate)
    throw new Error(`Gate "${d.gateId}" is not pending (pending: ${pending.map((g) => g.id).join(', ') || 'none'}).`);
  if (!gate.allowed.includes(d.decision))
    throw new Error(`Gate "${gate.id}" accepts ${gate.allowed.join(', ')}, not "${d.decision}".`);
  return gate;
}

/** Hands a checked decision to the unit run that holds the gate; a repeat is refused from now on. */
async function forward(rotation: RotationProgress, d: GateDecision): Promise<PendingGate> {
  const cur = rotation.current;
  const gate = checkDecision(rotation.pendingGates(), d);
  // The unit run reports the gate closed only later: until then, this copy refuses a second decision for it.
  rotation.gateDecided(gate.id);
  await getExternalWorkflowHandle(cur?.workflowId ?? '').signal(decideGateSignal, d);
  return gate;
}

/** The rotation as the target of the gate handlers. */
function rotationGates(rotation: RotationProgress): GateTarget {
  return {
    validate: (d) => checkDecision(rotation.pendingGates(), d),
    decide: (d) => forward(rotation, d),
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
        checkDecision(pending, { ...d, gateId });
      } catch (err) {
        rotation.ignore({ ...d, gateId }, via, reasonOf(err));
        return;
      }
      void forward(rotation, { ...d, gateId }).catch((err: unknown) =>
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

export function forwardGates(rotation: RotationProgress): void {
  setGateHandlers(rotationGates(rotation), {
    gatesTake: GATES_TAKE,
    whose: 'the pending gate of the unit running now',
    ends: 'the rotation',
  });
}
