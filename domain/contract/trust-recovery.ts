/**
 * The contract of the trust-recovery workflow (recoverTrust, workflows/recover-trust.ts): its input, its plan and
 * its result. Shared by the workflow, its pure plan (the API's dry run), the API and the tests. Ids and public facts
 * only: never a credential.
 *
 * Trust recovery is for phones that no longer trust the files their TFTP server serves (the ITL, and in mixed mode
 * the CTL): typically CallManager and TVS regenerated together while the ITL was signed by CallManager, or an
 * ITLRecovery certificate that changed under a mixed-mode cluster (FN70613). It is started by a person, over REST or
 * in the Temporal UI, never by the expiry watch or anything else automatic.
 */
import type { RunApprovalPolicy } from '../policy/types';
import type { GateKind, MaintenanceWindow, RegistrationOutcome } from '../types';

/** The gates a recovery may stop at; both by default (a recovery resets every phone of the cluster, twice). */
export const TRUST_RECOVERY_GATES = ['before-start', 'before-phone-reset'] as const satisfies readonly GateKind[];
type TrustRecoveryGate = (typeof TRUST_RECOVERY_GATES)[number];

export interface TrustRecoveryRequest {
  clusterId: string;
  /** Who asked (the API's caller identity). */
  requestedBy?: string;
  /** Why: the change ticket, what happened to the phones. Shown in the before-start gate. */
  reason?: string;
  /** Optional gates; default both (before-start, before-phone-reset); [] runs without stopping. */
  approvals?: TrustRecoveryGate[];
  /** Nothing changes on the cluster before this time (RFC 3339). */
  notBefore?: string;
  /** The resets, restarts and phone resets run only while it is open. */
  maintenanceWindow?: MaintenanceWindow;
  /** Minutes the phones get to register after each reset (default 30). */
  registrationDeadlineMinutes?: number;
  /** Seconds between two RisPort sweeps while waiting (default 10). */
  registrationPollSeconds?: number;
  /**
   * Phones RisPort70 shows unregistered since more than this many hours before the run started were down before the
   * incident: the recovery does not wait for them (default 24, LONG_UNREGISTERED_HOURS).
   */
  longUnregisteredHours?: number;
  /** Who decides the gates, resolved from the inventory by the API (domain/policy); absent: one approver each. */
  approvalPolicy?: RunApprovalPolicy;
}

/**
 * Default of `longUnregisteredHours`. A trust incident strands phones when they are reset after a certificate change,
 * and the recovery usually starts the same day; an hour (or the phone deadline) would drop the very phones stranded
 * overnight. A phone down for more than a day was most likely down before the incident; the run names those it
 * leaves out, and a longer setting takes them back in.
 */
export const LONG_UNREGISTERED_HOURS = 24;

export type TrustFileKind = 'ITL' | 'CTL';

/** What `show itl` / `show ctl` must show after a step (never the reset command's own output: not public). */
export type TrustFileExpectation =
  /** The file's checksum differs from the one read before the reset: a new file is served. */
  | 'changed'
  /** Signed by the publisher's CallManager certificate (CLI reference: the CTL reset signs with the secondary SAST). */
  | 'signed-by-callmanager'
  /** Signed again by the signer the release uses (TN 214231: CallManager before 12.0, ITLRecovery from 12.0). */
  | 'normal-signer';

export type TrustRecoveryStep =
  | { kind: 'reset-trust-file'; file: TrustFileKind; nodeId: string; command: string; reason: string }
  | { kind: 'verify-trust-file'; file: TrustFileKind; nodeIds: string[]; expect: TrustFileExpectation; reason: string }
  | { kind: 'restart-service'; nodeId: string; service: string; reason: string }
  | { kind: 'update-ctl'; nodeId: string; reason: string }
  | { kind: 'reset-phones'; mode: 'all'; round: number; reason: string }
  | { kind: 'await-registration'; round: number; reason: string };

export interface TrustRecoveryPlan {
  clusterId: string;
  version: string;
  /** non-secure: `utils itl reset localkey`; mixed: `utils ctl reset localkey`, then `utils ctl update CTLFile`. */
  mode: 'non-secure' | 'mixed';
  /** The ITL's usual signer on this release (TN 214231), which the last verification expects again. */
  itlSigner: 'CallManager' | 'ITLRecovery';
  publisherId?: string;
  /** Nodes with Cisco Tftp Started: they serve the files the phones download. */
  tftpNodeIds: string[];
  steps: TrustRecoveryStep[];
  /** With any refusal nothing may be executed. */
  refusals: Array<{ code: string; message: string }>;
  warnings: string[];
}

/** One reading of a trust file (`show itl` / `show ctl`), public data. */
export interface TrustFileReading {
  nodeId: string;
  file: TrustFileKind;
  found: boolean;
  md5?: string;
  sha1?: string;
  signerSerial?: string;
  signerName?: string;
  records: number;
}

export interface TrustRecoveryResult {
  clusterId: string;
  mode: TrustRecoveryPlan['mode'];
  /** The CLI commands the run sent to change the cluster, in order. */
  commands: Array<{ nodeId: string; command: string }>;
  /** The files as the last verification read them. */
  files: TrustFileReading[];
  /** Each round's registration outcome (the phone reset rounds of the plan). */
  phones: Array<RegistrationOutcome & { round: number }>;
}
