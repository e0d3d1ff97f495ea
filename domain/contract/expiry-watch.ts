/**
 * The contract of the expiry watch (workflows/expiry-watch.ts): the Schedule's id, the workflow's input (the
 * cluster's policy, from the inventory, written into the Schedule's action when the worker starts) and its result
 * (what the Temporal UI shows as the last run's result, and GET /v1/clusters/{id}/expiry-watch as lastResult).
 */
import type { LeaseHolder } from './cluster-entity';
import { DEFAULT_TASK_QUEUE } from './cluster-entity';
import type { AcmeUnitDecision, DueUnit, ExpiryRow } from '../expiry/due';
import type { FreezeInstant } from '../freeze';
import type { GateKind, MaintenanceWindow } from '../types';
import type { RunApprovalPolicy } from '../policy/types';
import type { CertificateUnit } from '../units';

export const EXPIRY_WATCH_TYPE = 'expiryWatch';
/** requestedBy of the renewals the watch starts. */
export const EXPIRY_WATCH_ACTOR = 'expiry-watch';

/** `expiry-watch:<clusterId>` on the default task queue, `expiry-watch:<clusterId>@<taskQueue>` otherwise. */
export function expiryScheduleId(clusterId: string, taskQueue: string): string {
  return taskQueue === DEFAULT_TASK_QUEUE ? `expiry-watch:${clusterId}` : `expiry-watch:${clusterId}@${taskQueue}`;
}

export interface ExpiryWatchInput {
  clusterId: string;
  renewBeforeDays: number;
  /** The renewal's gates (default ['before-start']: an engineer approves the renewal). */
  approvals: GateKind[];
  /** The renewal changes the cluster only inside this window. */
  maintenanceWindow?: MaintenanceWindow;
  /**
   * The cluster's change freezes not yet ended when the Schedule was written, as UTC instants (the inventory's local
   * times converted by the worker: no time-zone data in workflow code). None starts a renewal inside one; a unit
   * expiring before one's end plus freezeMarginDays is renewed before it begins.
   */
  freezes?: FreezeInstant[];
  freezeMarginDays?: number;
  /**
   * Who decides the renewal's gates: the inventory's approval rules for the cluster (domain/policy), as a manual
   * start carries them. Absent in Schedules written before approval policies.
   */
  approvalPolicy?: RunApprovalPolicy;
}

export type RenewalOutcome =
  | { status: 'none' }
  | { status: 'started'; workflowId: string; units: CertificateUnit[] }
  /** Another run holds the cluster: nothing started; tomorrow's watch tries again. */
  | { status: 'held'; holder?: LeaseHolder; message: string }
  /** A change freeze covers the watch's time: nothing started; the first watch after `until` starts it. */
  | { status: 'frozen'; freeze: FreezeInstant; until: string; message: string };

export interface ExpiryWatchResult {
  clusterId: string;
  checkedAt: string;
  renewBeforeDays: number;
  certificates: ExpiryRow[];
  expiredTrust: Array<{ node: string; count: number }>;
  due: DueUnit[];
  refused: Array<{ unit: CertificateUnit; reason: string }>;
  /** CA-signed units whose issuer is ACME: due or not by the CA's renewal information (RFC 9773) or the fraction. */
  acme?: AcmeUnitDecision[];
  renewal: RenewalOutcome;
  /** One line for a person: what was found and what was done. */
  summary: string;
}
