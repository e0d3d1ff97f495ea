/**
 * Where a rotation stands, in one place: its state (what the rotationState query answers), its current details
 * (republished after every change, ./details.ts) and its phase (also a search attribute, so the API and the Temporal
 * UI can list rotations by phase). The gate forwarding, the signed-chain handler and the unit loop change the
 * rotation only through this class.
 */
import { ApplicationFailure, log, setCurrentDetails, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { rotationStateQuery, type RotationState } from '../../domain/contract/rotation';
import { unitProgressSignal, unitSummarySignal } from '../../domain/messages';
import { RUN_PHASE } from '../../domain/search-attributes';
import type { SentRecord } from '../../domain/evidence';
import type { IgnoredDecision, PendingGate, RegenerationResult, RunPhase, StepState } from '../../domain/types';
import { summarizeUnit, waitingCsrs, type UnitSummaryReport, type WaitingCsr } from '../../domain/unit-summary';
import type { CertificateUnit } from '../../domain/units';
import type { GateApprovals } from '../../domain/policy';
import { endedEarly, manualActionsOf, reasonOf } from '../run-tracker';
import { collectingSent } from '../run/evidence';
import { rotationDetails } from './details';

/** How many ignored decisions the state keeps (the newest). */
const KEPT_IGNORED = 50;

/** An abort that came between two units: the next unit is not started. */
interface AbortBetweenUnits {
  by?: string;
  comment?: string;
}

export class RotationProgress {
  readonly state: RotationState;
  private abortRequested?: AbortBetweenUnits;
  /** The CSRs of the unit running now, with their PEMs (a submitted chain is checked against them). */
  private csrs: WaitingCsr[] = [];

  constructor(
    clusterId: string,
    /** The units as requested, named in the headline until the plan has put them in order. */
    private readonly requestedUnits: readonly CertificateUnit[],
  ) {
    this.state = { clusterId, phase: 'running', order: [], done: [], finished: [] };
  }

  /** The unit running now (its unit run's id, and its summary as last reported), if any. */
  get current(): RotationState['current'] {
    return this.state.current;
  }

  /** The gates of the unit running now that wait for a decision. */
  pendingGates(): PendingGate[] {
    return this.state.current?.summary?.pendingGates ?? [];
  }

  /** The CSRs of the unit running now that wait for a chain. */
  waitingCsrs(): readonly WaitingCsr[] {
    return this.csrs;
  }

  /** A decision was handed to the unit run: until it reports the gate closed, this copy refuses a second one. */
  gateDecided(gateId: string): void {
    const summary = this.state.current?.summary;
    if (summary) summary.pendingGates = summary.pendingGates.filter((g) => g.id !== gateId);
    this.publish();
  }

  /** An approval handed to the unit run that does not end its gate yet (two approvers): this copy counts it. */
  gateApproved(gateId: string, approvals: GateApprovals): void {
    const gate = this.state.current?.summary?.pendingGates.find((g) => g.id === gateId);
    if (gate) gate.approvals = approvals;
    this.publish();
  }

  publish(): void {
    setCurrentDetails(rotationDetails(this.state, this.requestedUnits));
  }

  setPhase(phase: RunPhase): void {
    this.state.phase = phase;
    upsertSearchAttributes([{ key: RUN_PHASE, value: phase }]);
    this.publish();
  }

  /** A decision the rotation could not apply (signals cannot be refused): kept in the state with the reason. */
  ignore(decision: Omit<IgnoredDecision, 'at' | 'via' | 'reason'>, via: string, reason: string): void {
    this.state.ignoredDecisions = [
      ...(this.state.ignoredDecisions ?? []),
      { ...decision, via, reason, at: new Date().toISOString() },
    ].slice(-KEPT_IGNORED);
    log.warn('gate decision ignored by the rotation', { ...decision, via, reason });
    this.publish();
  }

  /** An abort with no unit running: the first one is kept (later ones add nothing), and the next unit refused. */
  abortBetweenUnits(by?: string, comment?: string): void {
    this.abortRequested ??= { by, comment };
    this.publish();
  }

  /** Throws (ending the rotation as aborted) when an abort came since the last unit ended. */
  refuseIfAborted(nextUnit: CertificateUnit): void {
    const abort = this.abortRequested;
    if (!abort) return;
    throw ApplicationFailure.nonRetryable(
      `Aborted by ${abort.by ?? 'unknown'} before ${nextUnit}${abort.comment ? `: ${abort.comment}` : ''}.`,
      'AbortedByEngineer',
    );
  }

  /**
   * The rotation's own read of the cluster (its discovery, the read after a unit) as a step of its state, with what
   * it sent. Kept in the state only (the rotationState query): no command is added.
   */
  async step<T>(kind: StepState['kind'], description: string, work: () => Promise<T>): Promise<T> {
    const steps = (this.state.steps ??= []);
    const sent: SentRecord = { requests: [] };
    const entry: StepState = {
      id: `rotation-step-${steps.length + 1}`,
      kind,
      description,
      status: 'running',
      startedAt: new Date().toISOString(),
      sent,
    };
    steps.push(entry);
    try {
      const result = await collectingSent(sent, work);
      Object.assign(entry, { status: 'completed', finishedAt: new Date().toISOString() });
      return result;
    } catch (err) {
      Object.assign(entry, { status: 'failed', finishedAt: new Date().toISOString(), detail: reasonOf(err) });
      throw err;
    }
  }

  unitStarted(unit: CertificateUnit, workflowId: string): void {
    this.state.current = { unit, workflowId };
    this.csrs = [];
    this.publish();
  }

  /** A unit run reports how it stands (and its CSRs when they changed); a late report of an earlier unit is dropped. */
  unitReported(report: UnitSummaryReport): void {
    if (this.state.current?.workflowId !== report.workflowId) return;
    this.state.current.summary = report.summary;
    if (report.csrs) this.csrs = report.csrs;
    this.publish();
  }

  unitCompleted(result: RegenerationResult): void {
    const cur = this.state.current;
    if (!cur) return;
    this.state.finished?.push({ unit: cur.unit, workflowId: cur.workflowId, phase: 'completed', result });
    this.state.done.push(cur.unit);
    this.state.current = undefined;
    this.csrs = [];
    this.publish();
  }

  /**
   * The rotation ends early (a unit run ended early, an abort between units, a refusal, a cancellation): the state
   * says what is left to do by hand (the unit's own list, and the units not started, which nothing changed) and
   * the phase is published. Returns that phase and the error to end the rotation with.
   */
  endEarly(err: unknown): ReturnType<typeof endedEarly> {
    const state = this.state;
    const cur = state.current;
    const notStarted = state.order.filter((u) => !state.done.includes(u) && u !== cur?.unit);
    const unitActions = manualActionsOf(err);
    state.manualActions = [
      ...(unitActions.length > 0 || !cur
        ? unitActions
        : [`${cur.unit}: see the state of ${cur.workflowId} for what is left to do by hand.`]),
      ...(notStarted.length > 0
        ? [`Not started, nothing changed for them: ${notStarted.join(', ')}; start them in a new run when ready.`]
        : []),
    ];
    const ended = endedEarly(
      err,
      `${cur ? `${cur.unit}: ` : ''}${reasonOf(err)}${notStarted.length > 0 ? ` Not started: ${notStarted.join(', ')}.` : ''}`,
      state.manualActions,
    );
    if (cur) {
      const manualActions = unitActions.length > 0 ? unitActions : cur.summary?.manualActions;
      state.finished?.push({
        unit: cur.unit,
        workflowId: cur.workflowId,
        phase: cur.summary?.phase ?? ended.phase,
        ...(manualActions ? { manualActions } : {}),
      });
    }
    this.setPhase(ended.phase);
    return ended;
  }
}

/** The rotation answers for itself and for its unit run: the rotationState query and the unit runs' reports. */
export function answerForRotation(rotation: RotationProgress): void {
  setHandler(rotationStateQuery, () => rotation.state, {
    description:
      "The whole rotation: units in their safe order, the unit running now with a summary (phase, steps done, pending gates with expiry, CSRs waiting), the units finished with their results or manual actions, ignored decisions. Each unit's steps and decisions: its own unit run's state query.",
  });
  setHandler(unitSummarySignal, (report) => rotation.unitReported(report), {
    description: 'Internal: a unit run tells its rotation how it stands (a summary). Not for people.',
  });
  // The runs recorded before v1.1.0: a unit run reported its whole state; the rotation keeps the same summary of it.
  setHandler(
    unitProgressSignal,
    ({ unit, workflowId, state }) =>
      rotation.unitReported({ unit, workflowId, summary: summarizeUnit(state), csrs: waitingCsrs(state) }),
    { description: 'Internal, before v1.1.0: a unit run reported its whole state to its rotation. Not for people.' },
  );
}
