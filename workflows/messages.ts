/**
 * Message definitions, exported once and used by the workflow (handlers), the API and the tests (callers).
 * Gates answer both an update (the API: the caller learns whether the decision was accepted) and a signal (the
 * Temporal Web UI lists signals and updates by name, with the descriptions given to their handlers).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GateDecision, PendingGate, RegenerationState } from './types';

export const stateQuery = defineQuery<RegenerationState>('state');

/** Decide a pending gate; rejected by the validator if the gate is not pending or the decision not allowed. */
export const decideGateUpdate = defineUpdate<PendingGate, [GateDecision]>('decideGate');

/** Same as decideGateUpdate, fire-and-forget (for the Web UI); an invalid decision is logged and ignored. */
export const decideGateSignal = defineSignal<[GateDecision]>('decideGate-signal');

/** The Web UI's plain gate signals: approve or reject the pending gate (or the one named), as the approver. */
export interface GateSignal {
  /** Defaults to the only pending gate. */
  gateId?: string;
  approver?: string;
  comment?: string;
}

export const approveSignal = defineSignal<[GateSignal]>('approve');
export const rejectSignal = defineSignal<[GateSignal]>('reject');

/** A CA-signed chain for one node's CSR (certificates only, PEM: the leaf, then intermediates and root). */
export interface SignedChainSubmission {
  nodeId: string;
  chainPem: string;
  /** Who submitted it: the API records its token's identity. */
  by?: string;
}

/** Submit the signed chain for a pending CSR; the answer says whether it was accepted and, if not, why. */
export const submitSignedChainUpdate = defineUpdate<
  { nodeId: string; serial: string; issuer: string; notAfter: string; waitingFor: string[] },
  [SignedChainSubmission]
>('submitSignedChain');
