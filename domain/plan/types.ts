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
  /** The cluster's CallManager groups and device pools (AXL), read only for the redundancy-groups strategy. */
  redundancy?: PlanRedundancy;
  /** Unified CCX nodes that trust this cluster's tomcat certificates (inventory `uccxNodes`, by id). */
  uccxNodes?: string[];
}

/** Serial (default): one node at a time, as TN 214231 does it; redundancy-groups: see ./redundancy.ts. */
export type RestartStrategy = 'serial' | 'redundancy-groups';

/** A CallManager group as AXL getCallManagerGroup returns it, its members mapped to node ids. */
export interface PlanCallManagerGroup {
  name: string;
  /** Node ids in priority order: the first is the primary, the others its backups. */
  members: string[];
  /** Members AXL names that match no discovered node (e.g. a CallManager of another cluster). */
  unmatched?: string[];
}

export interface PlanRedundancy {
  groups: PlanCallManagerGroup[];
  /** Device pool → the CallManager group its devices register through (listDevicePool). */
  devicePools: Array<{ name: string; callManagerGroup: string }>;
}

export type PhoneResetMode = 'all' | 'secure-only' | 'none';

/**
 * How a CA-signed unit's CSRs are made. per-node (default): one CSR per node, one signed chain each. multi-server:
 * one CSR on the publisher whose SANs name every node (OS Administration's "Multi-server (SAN)" distribution, TN
 * 118731), one signed chain, uploaded on the publisher, which distributes it to every node. tomcat and tomcat-ECDSA
 * only, from 14 (the certificate REST API; the CLI's `set csr gen` makes a this-server CSR only).
 */
export type CsrDistribution = 'per-node' | 'multi-server';

/** The units a multi-server CSR can be made for here (TN 118731 lists tomcat on CUCM and IM&P). */
export const MULTI_SERVER_UNITS: readonly CertificateUnit[] = ['tomcat', 'tomcat-ECDSA'];

/**
 * Canary phones: before the whole fleet, reset a few phones per CallManager node, model and security profile
 * (among those registered at the baseline) and wait for them; if any stays away the run stops before the fleet.
 */
export interface CanaryPhones {
  /** Phones per (node, model, secure or not) group; 0 turns the canary stage off. */
  perNodeModel: number;
  /** At most this many canaries in all (default 50). */
  max?: number;
  /** Minutes the canaries get to register again (default: the run's registration deadline, at most 10). */
  deadlineMinutes?: number;
}

/** Default: two per group (one stray phone shows against its sibling), at most 50 in all. */
export const DEFAULT_CANARY_PHONES: Required<Omit<CanaryPhones, 'deadlineMinutes'>> = { perNodeModel: 2, max: 50 };

export interface PlanRequest {
  units: CertificateUnit[];
  /** Default 'all'. */
  phoneReset?: PhoneResetMode;
  /** Default DEFAULT_CANARY_PHONES; false (or perNodeModel 0) resets the fleet at once. */
  canaryPhones?: CanaryPhones | false;
  /** The CTL is used for 802.1X (then a CallManager change needs a CTL update even in non-secure mode). */
  ctlUsedFor8021x?: boolean;
  /** Default 'serial'. */
  restartStrategy?: RestartStrategy;
  /** Default 'per-node'; 'multi-server' for a CA-signed tomcat or tomcat-ECDSA (see CsrDistribution). */
  csrDistribution?: CsrDistribution;
}

/**
 * Revisions of the procedure's rules, each on by default (the workflows and the API's dry run use the defaults).
 * Off only where a caller asks: a guarded workflow change may turn one off for runs started before it.
 */
export interface PlanOptions {
  /** Restart Cisco Tomcat on every node after ipsec on 15.0+ (TN 214231 rev 7.0). */
  ipsecTomcatRestart?: boolean;
  /** The reset-phones step starts with a canary stage (issue 12 part 8). */
  canaryPhones?: boolean;
  /** After tomcat or tomcat-ECDSA, upload the new certificates into each UCCX node's tomcat-trust (TN 214231). */
  uccxTrust?: boolean;
}

export type PlanStep =
  | { kind: 'regenerate'; unit: CertificateUnit; nodeId: string; reason: string }
  /**
   * CA-signed: the CSR path instead of a self-signed regeneration. Per node by default; with `distribution`
   * 'multi-server', one CSR on `csrNodeId` (the publisher) naming every node of `nodeIds`, one chain uploaded there
   * and distributed by CUCM to the others.
   */
  | {
      kind: 'ca-signed-renewal';
      unit: CertificateUnit;
      nodeIds: string[];
      reason: string;
      distribution?: 'multi-server';
      csrNodeId?: string;
    }
  | { kind: 'update-ctl'; /** the publisher */ nodeId: string; reason: string }
  | { kind: 'restart-service'; nodeId: string; service: string; reason: string }
  /**
   * restartStrategy redundancy-groups: one service restarted on several nodes at once (none the primary and a backup
   * of the same CallManager group), then, where awaitPhones, the wait until the registration baseline is back.
   */
  | {
      kind: 'restart-batch';
      service: string;
      nodeIds: string[];
      /** 1-based, of `batches` for this service. */
      batch: number;
      batches: number;
      awaitPhones: boolean;
      reason: string;
    }
  | { kind: 'verify-certificate'; unit: CertificateUnit; nodeIds: string[]; reason: string }
  | { kind: 'verify-ipsec-trust'; publisherId: string; subscriberIds: string[]; reason: string }
  | {
      kind: 'reset-phones';
      mode: 'all' | 'secure-only';
      reason: string;
      /** Reset these canaries first and wait for them; the fleet only once they are back (or an engineer says so). */
      canary?: { perNodeModel: number; max: number; deadlineMinutes?: number; reason: string };
    }
  /**
   * A Unified CCX node trusts the cluster's tomcat: upload into its tomcat-trust every CUCM node's new certificate
   * (CA-signed: the root and intermediates instead), restart the UCCX services that read it, verify it is there.
   * Behind the before-uccx-trust gate (restarting Cisco Finesse Tomcat signs agents out of their desktops).
   */
  | {
      kind: 'uccx-trust';
      unit: CertificateUnit;
      uccxNodeId: string;
      /** The CUCM nodes whose new certificate (or whose CA chain) goes into UCCX's tomcat-trust. */
      cucmNodeIds: string[];
      caSigned: boolean;
      /** Restarted on the UCCX node where Started, in this order. */
      services: string[];
      reason: string;
    }
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
