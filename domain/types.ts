/**
 * The contract of the regeneration workflows: inputs, live state (answered by the `state` query) and results.
 * Shared by the workflow, the API and the tests. Ids and references only: never a password or a private key.
 */
import type { TrustRecoveryPlan } from './contract/trust-recovery';
import type { CanaryPhones, CsrDistribution, Plan, RestartStrategy } from './plan/types';
import type { CertificateUnit } from './units';
import type { ClusterDiscovery } from './discovery';
import type { CanaryPhone } from './phones';
import type { SentRecord } from './evidence';
import type { GateApprovals, GatePolicy, RunApprovalPolicy } from './policy/types';

/** Where a run stops for an engineer. */
export type GateKind =
  | 'before-start'
  | 'before-restarts'
  | 'before-phone-reset'
  | 'confirm-phones-reset'
  | 'accept-missing-phones'
  /** Canary phones registered at the baseline did not come back after their reset: the fleet is not reset yet. */
  | 'canary-phones-missing'
  /** An activity failed after its retries: retry, skip (where safe) or abort. */
  | 'step-failed'
  /** A CA-signed unit: the CSRs are out; waiting for the signed chain (submitted with the submitChain update). */
  | 'signed-certificate'
  /**
   * After tomcat or tomcat-ECDSA: before the new certificates go into the Unified CCX nodes' tomcat-trust and their
   * services restart (Cisco Finesse Tomcat's restart signs agents out). Not optional: always asked.
   */
  | 'before-uccx-trust';

/** Gates an engineer may switch on or off at start; the last two are not optional (they are safety stops). */
export const OPTIONAL_GATES: readonly GateKind[] = ['before-start', 'before-restarts', 'before-phone-reset'];

export type GateDecisionKind = 'approve' | 'reject' | 'retry' | 'skip' | 'abort';

export interface GateDecision {
  gateId: string;
  decision: GateDecisionKind;
  comment?: string;
  /** Who decided: the API records its token's identity; the Temporal UI records what the engineer typed. */
  by?: string;
  /**
   * Set by the API only: the decider was authenticated by the API (a static token, or an OpenID Connect token
   * checked against the provider's keys). Absent or false on decisions sent from the Temporal UI (the name typed in);
   * the change report compares it with Temporal's own record of the sender (the history's identity).
   */
  verified?: boolean;
  /** Set by the API only: how the decider was authenticated. */
  authenticatedBy?: 'api-token' | 'oidc';
  /** Set by the API only: the decider's roles or groups (the token's configured role, or the OIDC roles claim). */
  groups?: string[];
}

/**
 * A recurring maintenance window in local time: disruptive steps (regenerate, CTL update, restarts, phone resets)
 * run only while it is open; the run sleeps until it opens.
 */
export interface MaintenanceWindow {
  /** Local opening time, "HH:MM" (24 h). */
  start: string;
  /** Local closing time, "HH:MM"; earlier than start means the window runs past midnight (e.g. 22:00-05:00). */
  end: string;
  /** IANA time zone of start and end, e.g. "Europe/Paris" or "America/New_York". */
  timeZone: string;
  /** Local days on which the window opens (the day it opens, for a window past midnight); default every day. */
  days?: Weekday[];
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface RegenerationRequest {
  clusterId: string;
  units: CertificateUnit[];
  /** Who asked (the API's caller identity); recorded for the audit trail. */
  requestedBy?: string;
  /** ISO-8601 start of the maintenance window: nothing changes on the cluster before it. */
  notBefore?: string;
  /** Recurring window for the disruptive steps (with its time zone). */
  maintenanceWindow?: MaintenanceWindow;
  /** Optional gates to stop at; default ['before-start']; [] for none. */
  approvals?: GateKind[];
  /** all (default), secure-only, or none (the engineer resets phones and confirms at a gate). */
  phoneReset?: 'all' | 'secure-only' | 'none';
  /**
   * Canary phones reset before the fleet: `{"perNodeModel": 2, "max": 50}` by default (per CallManager node, model
   * and, in mixed mode, security profile); false or perNodeModel 0 resets the fleet at once.
   */
  canaryPhones?: CanaryPhones | false;
  /** How long phones get to re-register after a reset, in minutes (default 30). */
  registrationDeadlineMinutes?: number;
  /** Seconds between two RisPort sweeps while waiting (default 10; each sweep counts against the rate limit). */
  registrationPollSeconds?: number;
  /** serial (default, as TN 214231): one node at a time; redundancy-groups: batches by the CallManager groups. */
  restartStrategy?: RestartStrategy;
  /**
   * CA-signed tomcat / tomcat-ECDSA: per-node (default) CSRs, or one multi-server (SAN) CSR on the publisher naming
   * every CUCM and IM&P node, whose signed certificate the publisher distributes to all of them (TN 118731).
   */
  csrDistribution?: CsrDistribution;
  /** Set by rotateCluster on its unit runs: the rotation's workflow id, which the unit run reports its state to. */
  rotationId?: string;
  /**
   * Who decides the gates (domain/policy): the inventory's rules that may apply to these units, resolved by whoever
   * started the run (the API, the expiry watch). Absent (a start from the Temporal UI or CLI): one approver per
   * gate, and never the requester.
   */
  approvalPolicy?: RunApprovalPolicy;
}

/**
 * What a rotation hands its unit run (never the API): the rotation's discovery, refreshed where the previous unit
 * changed something, so the unit run does not discover the whole cluster again. Ids and public facts only
 * (versions, services, certificate serials), never a credential.
 */
export interface UnitRunRequest extends RegenerationRequest {
  discovery?: ClusterDiscovery;
}

type StepKind =
  | 'wait-window'
  | 'discover'
  | 'preflight'
  | 'gate'
  | 'regenerate'
  | 'csr'
  /** A CA-signed unit whose issuer is ACME: the order placed, validated (DNS-01), finalized with the CSR, checked. */
  | 'acme-order'
  | 'upload-certificate'
  | 'update-ctl'
  /** Trust recovery: `utils itl reset localkey` or `utils ctl reset localkey` on the publisher. */
  | 'reset-trust-file'
  | 'restart-service'
  | 'verify'
  | 'reset-phones'
  | 'await-registration'
  /** The new tomcat certificates (or their CA chain) imported into a UCCX node's tomcat-trust. */
  | 'uccx-trust';
type StepStatus = 'pending' | 'running' | 'completed' | 'skipped' | 'failed';

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
  /**
   * The commands and requests this step sent to the cluster, as its activities recorded them (secrets redacted,
   * repeats counted, bounded: domain/evidence.ts). Absent on steps recorded before this was kept.
   */
  sent?: SentRecord;
}

export type RunPhase =
  | 'waiting-window'
  | 'running'
  | 'awaiting-approval'
  | 'completed'
  | 'failed'
  /** Ended by an engineer (reject or abort at a gate); manualActions says what is left to do by hand. */
  | 'aborted'
  /** Cancelled (API or Temporal UI); manualActions says what is left to do by hand. */
  | 'cancelled';

export interface PendingGate {
  id: string;
  kind: GateKind;
  description: string;
  /** Decisions this gate accepts. */
  allowed: GateDecisionKind[];
  /** When the gate gives up waiting and the run fails (GateTimedOut); absent on gates opened before it was kept. */
  expiresAt?: string;
  /** How the gate is decided under the run's approval policy, and why (absent on gates of older runs). */
  policy?: GatePolicy;
  /** The approvals it has and needs, and who gave them (absent on gates of older runs). */
  approvals?: GateApprovals;
}

/** A decision (update refused, or signal that could not be applied) and why: the audit trail keeps these too. */
export interface IgnoredDecision {
  gateId?: string;
  decision: GateDecisionKind;
  by?: string;
  /** How it came: the decideGate update, or a signal by its name. */
  via: string;
  reason: string;
  at: string;
}

export interface DecisionRecord extends GateDecision {
  kind: GateKind;
  at: string;
  /** An approval at a gate that needs more than one: which one it was ("1 of 2"). */
  approval?: { count: number; needs: number };
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
  maintenanceWindow?: MaintenanceWindow;
  requestedBy?: string;
  /** The plan being executed (steps with reasons), once pre-flight has built it. */
  plan?: Plan;
  /** A trust recovery's plan (recoverTrust), once pre-flight has built it; such a run has no `plan`. */
  recoveryPlan?: TrustRecoveryPlan;
  /** Serials before and after, per node, as the regeneration steps finish. */
  certificates: NodeRegenerationOutcome[];
  /** CA-signed units: the CSRs waiting for the CA (public data: the keys stay on the nodes). */
  /** `coversNodes`: a multi-server CSR (made on `nodeId`, the publisher) for all these nodes. */
  csrs?: Array<{ nodeId: string; unit: CertificateUnit; csrPem: string; coversNodes?: string[] }>;
  /** Phones not registered again at the last registration check. */
  missingPhones?: { count: number; sample: string[] };
  /**
   * A trust recovery: the phones RisPort70 showed unregistered since before `unregisteredBefore` (down before the
   * incident), not waited for; at most 50 names.
   */
  excludedLongUnregistered?: { count: number; names: string[]; unregisteredBefore: string };
  /** The canary stage: the phones reset before the fleet (names, nodes and models only) and how it went. */
  canaryPhones?: CanaryState;
  /** Phone registration per node at the baseline and at the last registration check (absent in older runs). */
  registration?: { before?: RegistrationReading; after?: RegistrationReading };
  /** Notification channels that failed for good (after their retries): the run went on without them. */
  notificationFailures?: Array<{ channelId: string; event: string; at: string; message: string }>;
  /** After an abort, a rejection, a cancellation or a failure: what an engineer still has to do by hand. */
  manualActions?: string[];
  /** Signals the run could not apply (a gate not pending, a decision it does not take), oldest first. */
  ignoredDecisions?: IgnoredDecision[];
}

export interface CanaryState {
  /** The canaries, chosen with the baseline among the phones registered then. */
  phones: CanaryPhone[];
  /** selected → reset (waiting for them) → back, or missing (at the gate) → accepted (fleet reset anyway). */
  status: 'selected' | 'reset' | 'back' | 'missing' | 'accepted';
  /** Canaries not registered again at the last check. */
  missing?: CanaryPhone[];
  /** The likely cause the gate named, when some were missing. */
  likelyCause?: string;
  /** How to recover their trust (the trust-recovery procedure), when some were missing. */
  recovery?: string;
}

interface NodeRegenerationOutcome {
  nodeId: string;
  serialBefore: string;
  serialAfter: string;
  /** False when a retry found the certificate already regenerated and did not run it again. */
  regeneratedNow: boolean;
  /** SHA-256 fingerprints (colon-separated hex) before and after, when the node printed the PEM; absent in older runs. */
  sha256Before?: string;
  sha256After?: string;
}

/** Phones registered per CUCM node at one RisPort70 reading (the change report's before and after). */
export interface RegistrationReading {
  /** When it was read (workflow time). */
  at: string;
  total: number;
  registered: number;
  /** Per CallManager node as RisPort70 names it: registered, and (after) the baseline's phones missing there. */
  byNode: Array<{ node: string; registered: number; missing?: string[] }>;
}

interface ServiceRestartOutcome {
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
  /** What each Unified CCX node's tomcat-trust holds of this unit's new certificates (or their CA chain). */
  uccx?: Array<{ uccxNodeId: string; certificates: Array<{ serial: string; sha256: string; from: string }> }>;
}

/**
 * A unit run's state without its plan (the rotation holds the whole rotation's plan): what unit runs recorded before
 * v1.1.0 reported to their rotation, and what the API shows of each unit of a rotation.
 */
export type UnitRunState = Omit<RegenerationState, 'plan'>;

/** One unit of a rotation, as the rotation's state query answers it. */
export interface RotationUnit {
  unit: CertificateUnit;
  /** The unit run (child workflow) that runs it. */
  workflowId: string;
  phase: RunPhase;
  result?: RegenerationResult;
  /** When it ended early: what is left to do by hand. */
  manualActions?: string[];
}
