/**
 * Message definitions, exported once and used by the workflow (handlers), the API and the tests (callers).
 * Gates answer both an update (the API: the caller learns whether the decision was accepted) and a signal (the
 * Temporal Web UI lists signals and updates by name, with the descriptions given to their handlers).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GateDecision, GateKind, PendingGate, RegenerationState, UnitRunState } from './types';
import type { SignedChainCheck } from './certificates';
import type { UnitSummaryReport } from './unit-summary';

export const stateQuery = defineQuery<RegenerationState>('state');

/** Decide a pending gate; rejected by the validator if the gate is not pending or the decision not allowed. */
export const decideGateUpdate = defineUpdate<PendingGate, [GateDecision]>('decideGate');

/** What each kind of gate takes, for the handlers' descriptions (the Temporal UI shows them beside the names). */
export const GATE_TAKES: Record<GateKind, string> = {
  'before-start': 'approve | reject | abort',
  'before-restarts': 'approve | reject | abort',
  'before-phone-reset': 'approve | skip (reset by hand) | reject | abort',
  'confirm-phones-reset': 'approve (phones were reset) | abort',
  'accept-missing-phones': 'approve (accept the missing phones) | retry (wait again) | abort',
  'canary-phones-missing':
    'approve (reset the rest of the fleet anyway) | retry (wait for the canaries again) | abort (the fleet stays as it is)',
  'step-failed': 'retry | skip (only where its description says skip is allowed) | abort',
  'signed-certificate': 'abort (or submit each chain with the submitSignedChain update)',
  'before-uccx-trust': 'approve | skip (upload to UCCX by hand) | abort',
};

/** The gates and what each takes, in one line (for descriptions). */
export const GATES_TAKE = Object.entries(GATE_TAKES)
  .map(([kind, takes]) => `${kind}: ${takes}`)
  .join('; ');

/**
 * Same as decideGateUpdate, fire-and-forget (for the Web UI). A decision that cannot be applied is recorded in the
 * run's state (ignoredDecisions, shown in the current details and /events), never silently dropped.
 */
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
/** Abort the pending gate (or the one named); with no gate pending, the run stops before its next step. */
export const abortSignal = defineSignal<[GateSignal]>('abort');

/**
 * Before v1.1.0 a unit run of a rotation reported its whole state to the rotation on every change (internal). Kept
 * so the rotations recorded by v1.0.0 replay; new unit runs send unitSummarySignal.
 */
export const unitProgressSignal =
  defineSignal<[{ unit: string; workflowId: string; state: UnitRunState }]>('unitProgress');

/**
 * A unit run of a rotation tells the rotation how it stands, in a summary whose size does not grow with the steps
 * taken (../unit-summary.ts); sent only when the summary changed (internal: sent by the child, not by people).
 */
export const unitSummarySignal = defineSignal<[UnitSummaryReport]>('unitSummary');

/** A chain the rotation has checked against a unit run's CSR, handed to that unit run (internal). */
export const signedChainCheckedSignal =
  defineSignal<[{ nodeId: string; check: Extract<SignedChainCheck, { ok: true }>; by?: string }]>('signedChainChecked');

/** A CA-signed chain for one node's CSR (certificates only, PEM: the leaf, then intermediates and root). */
export interface SignedChainSubmission {
  nodeId: string;
  chainPem: string;
  /** Who submitted it: the API records its token's identity. */
  by?: string;
  /** Set by the API only, as on a GateDecision: the submitter was authenticated, how, and their roles or groups. */
  verified?: boolean;
  authenticatedBy?: 'api-token' | 'oidc';
  groups?: string[];
}

/** Submit the signed chain for a pending CSR; the answer says whether it was accepted and, if not, why. */
export const submitSignedChainUpdate = defineUpdate<
  { nodeId: string; serial: string; issuer: string; notAfter: string; waitingFor: string[] },
  [SignedChainSubmission]
>('submitSignedChain');
