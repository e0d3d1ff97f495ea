/**
 * The state of one run (the object the `state` query answers) and how a change of it is published: to the Temporal
 * UI's current details (./current-details.ts), to the CucmRunPhase search attribute when the phase changes, and to
 * whoever listens (a unit run reports to its rotation).
 */
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { RUN_PHASE } from '../../domain/search-attributes';
import type { RegenerationRequest, RegenerationState, RunPhase } from '../../domain/types';
import { currentDetails } from './current-details';

/** An abort sent while no gate was pending (./abort.ts): who sent it and why. */
export interface AbortRequest {
  by?: string;
  comment?: string;
}

export interface RunStateOptions {
  /** What the current details call the run (default: its units), e.g. "Trust recovery" for a run with no unit. */
  title?: string;
  /** Called after every change of the state (a unit run reports to its rotation from here). */
  onChange?: () => void;
}

export class RunState {
  readonly state: RegenerationState;
  /** An abort sent while no gate was pending: the run stops before its next step. */
  abortRequested?: AbortRequest;

  constructor(
    request: RegenerationRequest,
    private readonly options: RunStateOptions = {},
  ) {
    this.state = {
      clusterId: request.clusterId,
      units: request.units,
      phase: 'running',
      steps: [],
      pendingGates: [],
      decisions: [],
      startedAt: new Date().toISOString(),
      notBefore: request.notBefore,
      maintenanceWindow: request.maintenanceWindow,
      requestedBy: request.requestedBy,
      certificates: [],
    };
  }

  setPhase(phase: RunPhase): void {
    this.state.phase = phase;
    upsertSearchAttributes([{ key: RUN_PHASE, value: phase }]);
    this.publish();
  }

  publish(): void {
    setCurrentDetails(currentDetails(this.state, { title: this.options.title, abortRequested: this.abortRequested }));
    this.options.onChange?.();
  }
}
