/**
 * The contract of the regeneration workflows: inputs, live state (answered by the `state` query) and results.
 * Shared by the workflow, the API and the tests. Ids and references only: never a password or a private key.
 */
import type { CertificateUnit } from './units';

/** Where a run stops for an engineer. */
export type GateKind =
  'before-start' | 'before-restarts' | 'before-phone-reset' | 'confirm-phones-reset' | 'accept-missing-phones';

/** Gates an engineer may switch on or off at start; the last two are not optional (they are safety stops). */
export const OPTIONAL_GATES: readonly GateKind[] = ['before-start', 'before-restarts', 'before-phone-reset'];

export type GateDecisionKind = 'approve' | 'reject' | 'retry' | 'skip' | 'abort';

export interface GateDecision {
  gateId: string;
  decision: GateDecisionKind;
  comment?: string;
  /** Who decided: the API records its token's identity; the Temporal UI records what the engineer typed. */
  by?: string;
}

export interface RegenerationRequest {
  clusterId: string;
  units: CertificateUnit[];
  /** Who asked (the API's caller identity); recorded for the audit trail. */
  requestedBy?: string;
  /** ISO-8601 start of the maintenance window: nothing changes on the cluster before it. */
  notBefore?: string;
  /** Optional gates to stop at; default ['before-start']; [] for none. */
  approvals?: GateKind[];
  /** all (default), secure-only, or none (the engineer resets phones and confirms at a gate). */
  phoneReset?: 'all' | 'secure-only' | 'none';
  /** How long phones get to re-register after a reset, in minutes (default 30). */
  registrationDeadlineMinutes?: number;
  /** Seconds between two RisPort sweeps while waiting (default 10; each sweep counts against the rate limit). */
  registrationPollSeconds?: number;
}

export type StepKind =
  | 'wait-window'
  | 'discover'
  | 'preflight'
  | 'gate'
  | 'regenerate'
  | 'update-ctl'
  | 'restart-service'
  | 'verify'
  | 'reset-phones'
  | 'await-registration';
export type StepStatus = 'pending' | 'running' | 'completed' | 'skipped' | 'failed';

export interface StepState {
  id: string;
  kind: StepKind;
  description: string;
  status: StepStatus;
  nodeId?: string;
  service?: string;
  unit?: CertificateUnit;
  startedAt?: string;
  finishedAt?: string;
  /** What happened, in an engineer's words (serials, skip reasons, errors). */
  detail?: string;
}

export type RunPhase = 'waiting-window' | 'running' | 'awaiting-approval' | 'completed' | 'failed';

export interface PendingGate {
  id: string;
  kind: GateKind;
  description: string;
  /** Decisions this gate accepts. */
  allowed: GateDecisionKind[];
}

export interface DecisionRecord extends GateDecision {
  kind: GateKind;
  at: string;
}

export interface RegenerationState {
  clusterId: string;
  units: CertificateUnit[];
  phase: RunPhase;
  steps: StepState[];
  pendingGates: PendingGate[];
  decisions: DecisionRecord[];
  startedAt: string;
  notBefore?: string;
  requestedBy?: string;
}

export interface NodeRegenerationOutcome {
  nodeId: string;
  serialBefore: string;
  serialAfter: string;
  /** False when a retry found the certificate already regenerated and did not run it again. */
  regeneratedNow: boolean;
}

export interface ServiceRestartOutcome {
  nodeId: string;
  service: string;
  restarted: boolean;
  reason?: string;
}

export interface RegistrationOutcome {
  allBack: boolean;
  registered: number;
  missingCount: number;
  /** Phones an engineer accepted as missing at the accept-missing-phones gate. */
  acceptedMissing?: string[];
}

export interface RegenerationResult {
  clusterId: string;
  unit: CertificateUnit;
  nodes: NodeRegenerationOutcome[];
  restarts: ServiceRestartOutcome[];
  ctlUpdated?: boolean;
  phones?: RegistrationOutcome;
}
