/**
 * The contract of the cluster entity (workflows/cluster-entity.ts): its id, its input and state, and every message
 * it answers. Shared by the entity, the runs that ask it for the lease, the activities, the API and the tests.
 *
 * One entity per cluster holds the cluster's lease: at most one cluster-changing run (regenerateCertificate,
 * rotateCluster, cleanupExpiredTrust) at a time, whoever started it. The API starts runs through the entity
 * (Update-with-Start of `startRun`); a run started directly (Temporal UI or CLI) asks with `acquireLease` before it
 * changes anything. Both updates are refused by their validator while another run holds the lease, with a
 * `ClusterBusy` failure whose details name the holder.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { RegenerationRequest } from '../types';
import type { TrustRecoveryRequest } from './trust-recovery';
import type { CertificateUnit } from '../units';

/** The task queue of a deployment left at its default (config/: TEMPORAL_TASK_QUEUE unset). */
export const DEFAULT_TASK_QUEUE = 'cucm-cert-regen';

/**
 * The entity's workflow id: `cluster:<clusterId>` on the default task queue. A deployment on another task queue (a
 * test, a second installation sharing the namespace) has its own entities, `cluster:<clusterId>@<taskQueue>`: an
 * entity runs on the task queue of whoever first asked for it, so entities of two deployments must not be shared.
 */
export function clusterEntityId(clusterId: string, taskQueue: string): string {
  return taskQueue === DEFAULT_TASK_QUEUE ? `cluster:${clusterId}` : `cluster:${clusterId}@${taskQueue}`;
}

export const CLUSTER_ENTITY_TYPE = 'clusterEntity';

/** Failure types of the entity's updates. */
export const CLUSTER_BUSY = 'ClusterBusy';
/** The run id of a start request was already used (an Idempotency-Key whose run closed meanwhile). */
export const RUN_ID_TAKEN = 'RunIdTaken';

/** Workflow types that change a cluster and therefore hold its lease. */
export type ClusterRunType = 'regenerateCertificate' | 'rotateCluster' | 'cleanupExpiredTrust' | 'recoverTrust';

/** The run that holds the lease. */
export interface LeaseHolder {
  workflowId: string;
  /** Once started (the API's runs) or as the run said when asking (direct starts). */
  runId?: string;
  type: ClusterRunType;
  units: CertificateUnit[];
  requestedBy?: string;
  /** When the lease was granted (workflow time, ISO 8601). */
  since: string;
  /** `api`: started by the entity on the API's request (a child of the entity); `direct`: Temporal UI or CLI. */
  via: 'api' | 'direct';
}

/** A run that held the lease and ended. */
export interface PastRun extends LeaseHolder {
  endedAt: string;
  outcome: 'completed' | 'failed' | 'aborted' | 'cancelled' | 'terminated' | 'timed-out' | 'not-started' | 'unknown';
  /** How the outcome was learnt: the child's close event, or the watcher of a directly started run. */
  detail?: string;
}

export interface ClusterEntityState {
  clusterId: string;
  holder?: LeaseHolder;
  /** The last runs, newest first (at most RECENT_RUNS; carried across continue-as-new). */
  recent: PastRun[];
  /** Runs granted the lease since the entity was first started (carried across continue-as-new). */
  granted: number;
}

export const RECENT_RUNS = 20;

export interface ClusterEntityInput {
  clusterId: string;
  /** Carried across continue-as-new. */
  state?: ClusterEntityState;
  /** Continue-as-new once the history is this long and the entity idle (default 1000; tests lower it). */
  continueAsNewAfterEvents?: number;
}

/** What the API asks for: start this run (a child of the entity) if the cluster is free. */
export type StartRunRequest = {
  workflowId: string;
  /** The run's memo (the API's request hash, who asked) and its summary in the Temporal UI. */
  memo?: Record<string, string>;
  staticSummary?: string;
} & (
  | { type: 'regenerateCertificate' | 'rotateCluster'; request: RegenerationRequest }
  /** A trust recovery (issue 12): started by a person over REST, never by the expiry watch. */
  | { type: 'recoverTrust'; request: TrustRecoveryRequest }
);

/** The certificate units a start request names (a trust recovery names none). */
export function unitsOf(request: StartRunRequest): CertificateUnit[] {
  return request.type === 'recoverTrust' ? [] : request.request.units;
}

export interface StartedRun {
  workflowId: string;
  runId: string;
  /** True when this request found its own run already holding the lease (a repeated Idempotency-Key). */
  replayed?: boolean;
}

/** What a directly started run asks for: the lease for itself. */
export interface LeaseRequest {
  clusterId: string;
  workflowId: string;
  runId: string;
  type: ClusterRunType;
  units: CertificateUnit[];
  requestedBy?: string;
}

export interface LeaseAnswer {
  granted: boolean;
  /** When refused: the run that holds the cluster. */
  holder?: LeaseHolder;
}

export const startRunUpdate = defineUpdate<StartedRun, [StartRunRequest]>('startRun');
export const acquireLeaseUpdate = defineUpdate<LeaseAnswer, [LeaseRequest]>('acquireLease');
export const clusterStateQuery = defineQuery<ClusterEntityState>('clusterState');

/** The words of a ClusterBusy refusal, shared by the entity, the refused run and the API. */
export function busyMessage(clusterId: string, holder: LeaseHolder): string {
  const what = `${holder.type}${holder.units.length ? ` of ${holder.units.join(', ')}` : ''}`;
  return `Cluster "${clusterId}" is held by run ${holder.workflowId} (${what}${holder.requestedBy ? `, requested by ${holder.requestedBy}` : ''}, since ${holder.since}): one run per cluster at a time.`;
}
