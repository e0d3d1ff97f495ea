/**
 * The plan's contract: what it reads (a cluster as discovery saw it, structurally compatible with ClusterDiscovery
 * without importing from activities/) and what it returns (ordered steps with reasons, refusals, warnings).
 */
import type { CertificateUnit } from '../units';

export interface PlanNode {
  id: string;
  role: 'publisher' | 'subscriber';
  /** 'callmanager' (CUCM) or 'cups' (IM&P), as `show network cluster` prints it. */
  product: string;
  /** As `utils service list` prints them: state STARTED, STOPPED, STARTING, STOPPING, ... */
  services: Array<{ name: string; state: string; reason?: string }>;
  /** Own certificates from `show cert list own` / `show cert own <unit>`. */
  certificates: Array<{ unit: CertificateUnit; serial: string; selfSigned: boolean; issuer: string; notAfter: string }>;
}

export interface PlanCluster {
  clusterId: string;
  version: string;
  securityMode: 0 | 1;
  itlSigner: 'CallManager' | 'ITLRecovery';
  /** Publisher first (the plan re-orders defensively if it is not). */
  nodes: PlanNode[];
}

export type PhoneResetMode = 'all' | 'secure-only' | 'none';

export interface PlanRequest {
  units: CertificateUnit[];
  /** Default 'all'. */
  phoneReset?: PhoneResetMode;
  /** The CTL is used for 802.1X (then a CallManager change needs a CTL update even in non-secure mode). */
  ctlUsedFor8021x?: boolean;
}

/**
 * Revisions of the procedure's rules, each on by default. A workflow passes what `patched()` says, so a run started
 * before a revision replays the plan it was started with; the API's dry run uses the defaults.
 */
export interface PlanOptions {
  /** Restart Cisco Tomcat on every node after ipsec on 15.0+ (TN 214231 rev 7.0). */
  ipsecTomcatRestart?: boolean;
}

export type PlanStep =
  | { kind: 'regenerate'; unit: CertificateUnit; nodeId: string; reason: string }
  /** CA-signed: the CSR path instead of a self-signed regeneration. */
  | { kind: 'ca-signed-renewal'; unit: CertificateUnit; nodeIds: string[]; reason: string }
  | { kind: 'update-ctl'; /** the publisher */ nodeId: string; reason: string }
  | { kind: 'restart-service'; nodeId: string; service: string; reason: string }
  | { kind: 'verify-certificate'; unit: CertificateUnit; nodeIds: string[]; reason: string }
  | { kind: 'verify-ipsec-trust'; publisherId: string; subscriberIds: string[]; reason: string }
  | { kind: 'reset-phones'; mode: 'all' | 'secure-only'; reason: string }
  /** phoneReset 'none': an engineer resets the phones and confirms at a gate. */
  | { kind: 'confirm-phones-reset'; reason: string }
  | { kind: 'await-registration'; reason: string };

export type PlanStepKind = PlanStep['kind'];

export interface UnitPlan {
  unit: CertificateUnit;
  steps: PlanStep[];
}

export interface Refusal {
  /** Stable, machine-readable (see REFUSAL_CODES). */
  code: string;
  /** Says what is wrong and what to do about it. */
  message: string;
  unit?: CertificateUnit;
}

export interface Plan {
  clusterId: string;
  version: string;
  /** In the safe order. With any refusal the units may still be listed, but nothing may be executed. */
  units: UnitPlan[];
  refusals: Refusal[];
  warnings: string[];
}
