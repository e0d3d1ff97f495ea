/**
 * The document of GET /v1/regenerations/{id}: a run's state (from its `state` query, or a rotation's
 * `rotationState` and its current unit run's) in the API's words, with the result or the failure once it closed.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { RotationState } from '../domain/contract/rotation';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from '../domain/search-attributes';
import type { MaintenanceWindow, RegenerationResult, RegenerationState, RunPhase } from '../domain/types';
import { attestRun, type DecisionIdentity } from './decision-identities';
import type { ApiDeps } from './deps';
import { ROTATION_TYPE, failureOf, type RunView } from './runs';
import { rotationParent, statusFromTemporal, type RUN_WORKFLOW_TYPES, type RunStatus } from './visibility';

type RunWorkflowType = (typeof RUN_WORKFLOW_TYPES)[number];

export type { RunStatus } from './visibility';

export interface RegenerationDocument {
  id: string;
  /** regenerateCertificate (one unit) or rotateCluster (several, one unit run after the other). */
  type: RunWorkflowType;
  clusterId: string;
  units: string[];
  status: RunStatus;
  startedAt?: string;
  closedAt?: string;
  phase?: RegenerationState['phase'];
  requestedBy?: string;
  /** How the API authenticated the requester (`api-token`, `oidc`); absent: not verified (or a direct start). */
  requestedVia?: string;
  /** A unit run of a rotation: the rotation's id. */
  parentId?: string;
  notBefore?: string;
  maintenanceWindow?: MaintenanceWindow;
  steps: RegenerationState['steps'];
  pendingGates: RegenerationState['pendingGates'];
  /** Each with the history's evidence of its sender: verified, via, temporalIdentity (./decision-identities.ts). */
  decisions?: Array<RegenerationState['decisions'][number] & Partial<DecisionIdentity>>;
  plan?: RegenerationState['plan'];
  /** A trust recovery (recoverTrust): its plan. */
  recoveryPlan?: RegenerationState['recoveryPlan'];
  certificates?: RegenerationState['certificates'];
  csrs?: RegenerationState['csrs'];
  missingPhones?: RegenerationState['missingPhones'];
  excludedLongUnregistered?: RegenerationState['excludedLongUnregistered'];
  canaryPhones?: RegenerationState['canaryPhones'];
  manualActions?: string[];
  /** A rotation: its units in the safe order, those done, the one running now (steps and gates are its). */
  order?: string[];
  done?: string[];
  currentUnit?: string;
  currentRunId?: string;
  unitRuns?: Array<{ unit: string; id: string; location: string }>;
  /** A single-unit run's result; a rotation's (RotationDocument) has one per unit. */
  result?: RegenerationResult;
  error?: string;
}

/** A rotation's document: as a run's, with the results of its units in its order. */
export interface RotationDocument extends Omit<RegenerationDocument, 'result'> {
  result?: RegenerationResult[];
}

/**
 * The status of a run in the words of the API: Temporal's execution status, refined by the run's phase (a failed
 * run an engineer ended is aborted; a running one stopped at a gate is awaiting approval).
 */
export function runStatus(
  temporalStatus: WorkflowExecutionDescription['status']['name'],
  state?: Pick<RegenerationState, 'pendingGates' | 'phase'>,
  phaseAttribute?: string,
): RunStatus {
  if (temporalStatus === 'RUNNING')
    return statusFromTemporal(temporalStatus, state && state.pendingGates.length > 0 ? 'awaiting-approval' : undefined);
  return statusFromTemporal(temporalStatus, state?.phase === 'aborted' ? 'aborted' : phaseAttribute);
}

/**
 * The document of GET /v1/regenerations/{id}, from what readRun found. With `deps`, each decision is checked against
 * the history (who Temporal says sent it); without, decisions are shown as the run recorded them.
 */
export async function documentOf(view: RunView, deps?: ApiDeps): Promise<RegenerationDocument | RotationDocument> {
  const { description, state, rotation } = view;
  const attrs = description.typedSearchAttributes;
  const isRotation = description.type === ROTATION_TYPE;
  // A rotation's status follows its own phase; its gates are its current unit run's.
  const phase = isRotation ? (rotation?.phase ?? attrs.get(RUN_PHASE)) : (state?.phase ?? attrs.get(RUN_PHASE));
  const status = runStatus(
    description.status.name,
    state && { pendingGates: state.pendingGates, phase: isRotation ? (rotation?.phase ?? state.phase) : state.phase },
    phase,
  );
  const manualActions = rotation?.manualActions?.length ? rotation.manualActions : state?.manualActions;
  const doc: RegenerationDocument | RotationDocument = {
    id: description.workflowId,
    // Only these types are read as runs (the route's id pattern and visibility's query name no other).
    type: description.type as RunWorkflowType,
    clusterId: rotation?.clusterId ?? state?.clusterId ?? attrs.get(CLUSTER_ID) ?? 'unknown',
    units: (isRotation ? undefined : state?.units) ?? attrs.get(CERT_UNITS) ?? [],
    status,
    phase: (status === 'awaiting-approval' ? 'awaiting-approval' : phase) as RunPhase | undefined,
    requestedBy: state?.requestedBy ?? memoString(description, 'requestedBy'),
    ...(memoString(description, 'requestedVia') ? { requestedVia: memoString(description, 'requestedVia') } : {}),
    ...(rotationParent(description.parentExecution?.workflowId)
      ? { parentId: rotationParent(description.parentExecution?.workflowId) }
      : {}),
    startedAt: description.startTime.toISOString(),
    closedAt: description.closeTime?.toISOString(),
    ...(state?.notBefore ? { notBefore: state.notBefore } : {}),
    ...(state?.maintenanceWindow ? { maintenanceWindow: state.maintenanceWindow } : {}),
    steps: state?.steps ?? [],
    pendingGates: state?.pendingGates ?? [],
    ...(state?.decisions
      ? {
          decisions: deps
            ? await attestRun(
                deps,
                state.decisions,
                view.stateRunId ?? description.workflowId,
                isRotation ? description.workflowId : rotationParent(description.parentExecution?.workflowId),
              )
            : state.decisions,
        }
      : {}),
    ...((isRotation ? rotation?.plan : state?.plan) ? { plan: isRotation ? rotation?.plan : state?.plan } : {}),
    ...(state?.recoveryPlan ? { recoveryPlan: state.recoveryPlan } : {}),
    ...(state?.certificates ? { certificates: state.certificates } : {}),
    ...(state?.csrs ? { csrs: state.csrs } : {}),
    ...(state?.missingPhones ? { missingPhones: state.missingPhones } : {}),
    ...(state?.excludedLongUnregistered ? { excludedLongUnregistered: state.excludedLongUnregistered } : {}),
    ...(state?.canaryPhones ? { canaryPhones: state.canaryPhones } : {}),
    ...(['failed', 'aborted', 'cancelled'].includes(status) && manualActions ? { manualActions } : {}),
    ...(rotation ? rotationFields(rotation) : {}),
  };
  if (status === 'completed') doc.result = (await view.handle.result()) as RegenerationResult & RegenerationResult[];
  if (status === 'failed' || (status === 'aborted' && description.status.name === 'FAILED'))
    doc.error = await failureOf(view.handle);
  return doc;
}

/** A string the API put in the run's memo at start (a rotation has no state of its own to say who asked). */
function memoString(description: WorkflowExecutionDescription, key: string): string | undefined {
  const value = description.memo?.[key];
  return typeof value === 'string' ? value : undefined;
}

function rotationFields(
  rotation: RotationState,
): Pick<RotationDocument, 'order' | 'done' | 'currentUnit' | 'currentRunId' | 'unitRuns'> {
  const started = [...(rotation.finished ?? []), ...(rotation.current ? [rotation.current] : [])];
  return {
    order: rotation.order,
    done: rotation.done,
    ...(rotation.current ? { currentUnit: rotation.current.unit, currentRunId: rotation.current.workflowId } : {}),
    unitRuns: started.map(({ unit, workflowId: id }) => ({ unit, id, location: `/v1/regenerations/${id}` })),
  };
}
