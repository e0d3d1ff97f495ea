/**
 * The contract of rotateCluster (workflows/rotate-cluster.ts): its live state and the query that answers it, and
 * the ids of its unit runs. Shared by the workflow, the API and the tests.
 */
import { defineQuery } from '@temporalio/workflow';
import type { Plan } from '../plan';
import type { IgnoredDecision, RotationUnit, RunPhase, StepState } from '../types';
import type { UnitSummary } from '../unit-summary';
import type { CertificateUnit } from '../units';

export interface RotationState {
  clusterId: string;
  phase: RunPhase;
  order: CertificateUnit[];
  /**
   * The unit running now, with the summary its unit run last reported (phase, steps done, pending gates, CSRs
   * waiting). Its steps, decisions and certificates: that unit run's own `state` query.
   */
  current?: { unit: CertificateUnit; workflowId: string; summary?: UnitSummary };
  done: CertificateUnit[];
  /**
   * The units that have ended (completed, or the one that ended the rotation early), with results or manual actions;
   * each unit's steps and decisions: its unit run's `state` query.
   */
  finished?: RotationUnit[];
  /** The rotation's plan (every unit's steps, with reasons), once built. */
  plan?: Plan;
  /** When the rotation ended early: what is left to do by hand. */
  manualActions?: string[];
  /** Decisions sent to the rotation that it could not apply (signals), oldest first. */
  ignoredDecisions?: IgnoredDecision[];
  /**
   * The rotation's own work outside its unit runs, with what each sent (`sent`): its discovery, and after each unit
   * but the last, the read of what that unit changed. One per unit at most (absent in rotations started before).
   */
  steps?: StepState[];
}

export const rotationStateQuery = defineQuery<RotationState>('rotationState');

/** The id of a rotation's unit run. */
export const unitRunId = (rotationId: string, unit: CertificateUnit) => `${rotationId}-${unit}`;
