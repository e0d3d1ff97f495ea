/**
 * The contract of rotateCluster (workflows/rotate-cluster.ts): its live state and the query that answers it, and
 * the ids of its unit runs. Shared by the workflow, the API and the tests.
 */
import { defineQuery } from '@temporalio/workflow';
import type { Plan } from '../plan';
import type { RunPhase } from '../types';
import type { CertificateUnit } from '../units';

export interface RotationState {
  clusterId: string;
  phase: RunPhase;
  order: CertificateUnit[];
  current?: { unit: CertificateUnit; workflowId: string };
  done: CertificateUnit[];
  /** The rotation's plan (every unit's steps, with reasons), once built. */
  plan?: Plan;
  /** When the rotation ended early: what is left to do by hand. */
  manualActions?: string[];
}

export const rotationStateQuery = defineQuery<RotationState>('rotationState');

/** The id of a rotation's unit run (the API finds a rotation's gates there). */
export const unitRunId = (rotationId: string, unit: CertificateUnit) => `${rotationId}-${unit}`;
