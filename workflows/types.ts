/**
 * The contract of the regeneration workflows: inputs, live state (answered by the `state` query) and results.
 * Shared by the workflow, the API and the tests. Ids and references only: never a password or a private key.
 */
import type { CertificateUnit } from './units';

export interface RegenerationRequest {
  clusterId: string;
  units: CertificateUnit[];
  /** Who asked (the API's caller identity); recorded for the audit trail. */
  requestedBy?: string;
  /** ISO-8601 start of the maintenance window: nothing changes on the cluster before it. */
  notBefore?: string;
}

export type StepKind = 'wait-window' | 'discover' | 'regenerate' | 'restart-service';
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

export type RunPhase = 'waiting-window' | 'running' | 'completed' | 'failed';

export interface PendingGate {
  id: string;
  kind: string;
  description: string;
}

export interface RegenerationState {
  clusterId: string;
  units: CertificateUnit[];
  phase: RunPhase;
  steps: StepState[];
  pendingGates: PendingGate[];
  startedAt: string;
  notBefore?: string;
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

export interface RegenerationResult {
  clusterId: string;
  unit: CertificateUnit;
  nodes: NodeRegenerationOutcome[];
  restarts: ServiceRestartOutcome[];
}
