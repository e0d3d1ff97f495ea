/**
 * RunTracker: one regeneration run as its workflow code uses it, composed from the jobs in ./run/: the state and
 * its Markdown view (state.ts, current-details.ts), gates (gates.ts), step attempts with the step-failed gate
 * (steps.ts), the maintenance window (windows.ts) and the abort (abort.ts). It answers the gate messages
 * (GateTarget of ./gate-handlers.ts); each method hands over to the module that does the job.
 */
import type {
  GateDecision,
  GateDecisionKind,
  GateKind,
  IgnoredDecision,
  PendingGate,
  RegenerationRequest,
  RegenerationState,
  RunPhase,
} from '../domain/types';
import type { PolicyContext, PolicyRunKind } from '../domain/policy';
import type { GateTarget } from './gate-handlers';
import { abortRun } from './run/abort';
import { Gates, type GateOptions } from './run/gates';
import { RunState, type RunStateOptions } from './run/state';
import { attemptStep, runStep, type Outcome, type StepInfo } from './run/steps';
import { inWindow } from './run/windows';

export { endedEarly, ENDED_BY_ENGINEER, manualActionsOf, reasonOf } from './run/failures';
export { windowProblemOf } from './run/windows';

type RunTrackerOptions = RunStateOptions &
  GateOptions & {
    /** What kind of run the approval policy sees (a trust recovery has its own rules); default regeneration. */
    policyRun?: PolicyRunKind;
  };

export class RunTracker implements GateTarget {
  readonly state: RegenerationState;
  private readonly run: RunState;
  private readonly gates: Gates;

  constructor(
    private readonly request: RegenerationRequest,
    options: RunTrackerOptions = {},
  ) {
    this.run = new RunState(request, options);
    this.gates = new Gates(this.run, options, request, { run: options.policyRun ?? 'regeneration' });
    this.state = this.run.state;
  }

  /** Sets the phase: the state, the CucmRunPhase search attribute and the current details. */
  setPhase(phase: RunPhase): void {
    this.run.setPhase(phase);
  }

  /** Publishes the state after a change made to it directly (current details, the rotation's report). */
  publish(): void {
    this.run.publish();
  }

  /** Runs one step once: marks it running, records its outcome or its failure (and rethrows). */
  step<T>(info: StepInfo, work: () => Promise<T>, describe: (result: T) => Outcome): Promise<T> {
    return runStep(this.run, info, work, describe);
  }

  /**
   * Runs a step that changes or checks the cluster; when it fails for good a step-failed gate offers retry, skip
   * (only when `skipRefused` is undefined) or abort. Undefined when the engineer skipped.
   */
  attempt<T>(
    info: StepInfo,
    work: () => Promise<T>,
    describe: (result: T) => Outcome,
    skipRefused?: string,
  ): Promise<T | undefined> {
    return attemptStep(this.run, this.gates, info, work, describe, skipRefused);
  }

  /** Sleeps until the start of the run (notBefore) and, for disruptive steps, until the maintenance window opens. */
  inWindow(what: string): Promise<void> {
    return inWindow(this.run, this.request, what);
  }

  /** What discovery learned of the cluster: the approval policy of the gates from now on depends on it. */
  learned(facts: Pick<PolicyContext, 'securityMode' | 'version'>): void {
    this.gates.learned(facts);
  }

  /** The optional gates the approval policy requires, whatever the request's approvals say. */
  requiredGates(): GateKind[] {
    return this.gates.requiredGates();
  }

  /** The id of a gate of this run: `${prefix}.${local}` when the run names its gates by unit. */
  gateId(local: string): string {
    return this.gates.id(local);
  }

  /** Stops the run until an engineer decides; reject and abort end the run without another change. */
  gate(kind: GateKind, description: string, allowed?: GateDecisionKind[], skipRefused?: string): Promise<GateDecision> {
    return this.gates.open(kind, description, allowed, skipRefused);
  }

  /** Opens `gate` and waits until `done()` or a decision. Abort and reject end the run. */
  waitAtGate(gate: PendingGate, done: () => boolean): Promise<GateDecision> {
    return this.gates.waitAtGate(gate, done);
  }

  validate(decision: GateDecision): PendingGate {
    return this.gates.validate(decision);
  }

  decide(decision: GateDecision): PendingGate {
    return this.gates.decide(decision);
  }

  signalled(via: string, d: Omit<GateDecision, 'gateId'> & { gateId?: string }): void {
    this.gates.signalled(via, d);
  }

  /** Records a decision the run could not apply (a signal cannot be refused); never from an update's validator. */
  ignore(decision: Omit<IgnoredDecision, 'at' | 'reason' | 'via'>, via: string, reason: string): void {
    this.gates.ignore(decision, via, reason);
  }

  abort(by?: string, comment?: string, gateId?: string): void {
    abortRun(this.run, this.gates, by, comment, gateId);
  }
}
