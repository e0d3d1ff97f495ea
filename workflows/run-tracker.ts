/**
 * RunTracker: the state of one regeneration run and the ways it stops for people. It holds the object answered by
 * the `state` query, publishes it to the Temporal UI (current details, CucmRunPhase), runs steps, opens gates, turns
 * an activity whose retries are exhausted into a "step failed" gate (retry / skip where safe / abort), and keeps
 * disruptive steps inside the maintenance window.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  isCancellation,
  log,
  patched,
  proxyLocalActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { describeWindow, msUntilOpen, windowProblem } from '../domain/maintenance-window';
import { PATCHES } from './patches';
import { RUN_PHASE } from '../domain/search-attributes';
import type {
  GateDecision,
  GateDecisionKind,
  GateKind,
  IgnoredDecision,
  PendingGate,
  RegenerationRequest,
  RegenerationState,
  RunPhase,
  StepState,
} from '../domain/types';

/** How long a gate waits for an engineer before the run fails (nothing half done: gates sit between steps). */
const GATE_TIMEOUT = '7 days';
const GATE_TIMEOUT_MS = 7 * 86_400_000;

/** Failure types that end a run on an engineer's decision (the API reports them as "aborted"). */
export const ENDED_BY_ENGINEER = ['RejectedAtGate', 'AbortedAtGate', 'AbortedByEngineer'];

/** The window's next opening: time-zone arithmetic on the worker, its answer recorded in history. */
const windowClock = proxyLocalActivities<Pick<Activities, 'nextWindowOpening' | 'maintenanceWindowProblem'>>({
  startToCloseTimeout: '10 seconds',
});

/**
 * What is wrong with the maintenance window a run was started with, if anything. The API checks it before a start;
 * this guards starts from the Temporal UI or CLI. Runs started before the patch checked it in workflow code.
 */
export async function windowProblemOf(window: unknown): Promise<string | undefined> {
  if (!patched(PATCHES.windowCheckInLocalActivity)) return windowProblem(window);
  const { problem } = await windowClock.maintenanceWindowProblem.executeWithOptions(
    { summary: 'Check the maintenance window the run was started with' },
    [{ window }],
  );
  return problem;
}

/** How many steps the current details show one by one; earlier ones are folded into a line per status. */
const DETAILED_STEPS = 10;
/** How many ignored decisions the state keeps (the newest). */
const KEPT_IGNORED = 50;

/** The failure inside an activity's or a unit run's wrapper ("Activity task failed", "Child Workflow failed"). */
function unwrap(err: unknown): unknown {
  return (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) && err.cause ? err.cause : err;
}

/** The engineer-facing reason of a failure: its own message, not the wrapper's. */
export function reasonOf(err: unknown): string {
  const cause = unwrap(err);
  return cause instanceof Error ? cause.message : String(cause);
}

/** The ApplicationFailure type of a failure, looking through the wrapper. */
function failureTypeOf(err: unknown): string | undefined {
  const cause = unwrap(err);
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** The manual actions a run reported in its failure details (how a unit run tells its rotation), if any. */
export function manualActionsOf(err: unknown): string[] {
  const cause = unwrap(err);
  if (!(cause instanceof ApplicationFailure)) return [];
  const details = cause.details?.[0] as { manualActions?: unknown } | undefined;
  return Array.isArray(details?.manualActions) ? details.manualActions.filter((a) => typeof a === 'string') : [];
}

/**
 * How a run ends early, once its manual actions are known: `cancelled` (the cancellation is rethrown as it is),
 * `aborted` (an engineer's reject or abort) or `failed`. Returns the phase to publish and the error to throw: for
 * aborted and failed, a non-retryable failure with the reason, its type kept, and the manual actions in its
 * details.
 */
export function endedEarly(
  err: unknown,
  message: string,
  manualActions: string[],
): { phase: 'cancelled' | 'aborted' | 'failed'; error: unknown } {
  if (isCancellation(err)) return { phase: 'cancelled', error: err };
  const type = failureTypeOf(err);
  const phase = type && ENDED_BY_ENGINEER.includes(type) ? 'aborted' : 'failed';
  const error = ApplicationFailure.create({
    message,
    type: type ?? 'RunFailed',
    nonRetryable: true,
    details: [{ manualActions, phase }],
    cause: err instanceof Error ? err : undefined,
  });
  return { phase, error };
}

type StepInfo = Omit<StepState, 'status' | 'id'>;
type Outcome = Pick<StepState, 'status' | 'detail'>;

interface RunTrackerOptions {
  /** Gate ids start with it (`tomcat.before-start-1`), so they are unique across a rotation and its unit runs. */
  gatePrefix?: string;
  /** Between the prefix and the gate: `.` (an id goes into a URL as it is); `/` in runs started before that. */
  gateSeparator?: '.' | '/';
  /** Called after every change of the state (a unit run reports to its rotation from here). */
  onChange?: () => void;
  /** Called when a gate opens (its expiry set): the run tells the people who decide (./notify.ts). */
  onGateOpened?: (gate: PendingGate) => void;
  /** What the current details call the run (default: its units), e.g. "Trust recovery" for a run with no unit. */
  title?: string;
}

export class RunTracker {
  readonly state: RegenerationState;
  private gateCount = 0;
  private readonly decided = new Map<string, GateDecision>();
  /** Why skipping is refused, per pending step-failed gate: the validator answers it to whoever tries. */
  private readonly skipRefusals = new Map<string, string>();
  /** An abort sent while no gate was pending: the run stops before its next step. */
  private abortRequested?: { by?: string; comment?: string };

  constructor(
    private readonly request: RegenerationRequest,
    private readonly options: RunTrackerOptions = {},
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

  /** The id of a gate of this run: `${prefix}.${local}` when the run names its gates by unit. */
  gateId(local: string): string {
    return this.options.gatePrefix ? `${this.options.gatePrefix}${this.options.gateSeparator ?? '/'}${local}` : local;
  }

  /**
   * The run's state as Markdown in the Temporal UI's "current details", so the UI alone tells where it stands: the
   * pending gate (what it takes, when it expires), decisions that were ignored, the steps (the last ones one by one,
   * the earlier ones folded into a line per status, never dropped), what is left to do by hand.
   */
  publish(): void {
    const s = this.state;
    const icon: Record<StepState['status'], string> = {
      pending: '⏳',
      running: '▶️',
      completed: '✅',
      skipped: '⏭️',
      failed: '❌',
    };
    const early = s.steps.slice(0, Math.max(0, s.steps.length - DETAILED_STEPS));
    const folded = (['completed', 'skipped', 'failed', 'running', 'pending'] as const).flatMap((status) => {
      const these = early.filter((st) => st.status === status);
      if (these.length === 0) return [];
      const names = these.map((st) => st.description.replace(/^Gate: (.{0,60}).*$/, 'gate: $1'));
      return [`- ${icon[status]} ${these.length} earlier ${status}: ${names.join('; ')}`.slice(0, 4_000)];
    });
    const ignored = (s.ignoredDecisions ?? []).slice(-5);
    const lines = [
      `**${this.options.title ?? s.units.join(', ')} on ${s.clusterId}**: ${s.phase}`,
      ...s.pendingGates.map(
        (g) =>
          `\n> **Waiting for a decision** at \`${g.id}\` (${g.allowed.join(' / ')})${g.expiresAt ? `, expires ${g.expiresAt}` : ''}: ${g.description}`,
      ),
      ...(this.abortRequested
        ? [`\n> **Abort requested** by ${this.abortRequested.by ?? 'unknown'}: the run stops before its next step.`]
        : []),
      ...(ignored.length
        ? ['', ...ignored.map((i) => `- ⚠️ ignored: ${i.decision} by ${i.by ?? 'unknown'} (${i.via}): ${i.reason}`)]
        : []),
      '',
      ...folded,
      ...s.steps
        .slice(early.length)
        .map((st) => `- ${icon[st.status]} ${st.description}${st.detail ? `: ${st.detail}` : ''}`),
      ...(s.manualActions?.length ? ['', '**Still to do by hand:**', ...s.manualActions.map((a) => `- ${a}`)] : []),
    ];
    setCurrentDetails(lines.join('\n').slice(0, 20_000));
    this.options.onChange?.();
  }

  /**
   * Records a decision the run could not apply (signals cannot answer their sender): it shows in the state
   * (ignoredDecisions, so in /events) and in the current details. Update validators refuse instead, and leave no
   * trace in history, so they must not call this.
   */
  ignore(decision: Omit<IgnoredDecision, 'at' | 'reason' | 'via'>, via: string, reason: string): void {
    const entry: IgnoredDecision = { ...decision, via, reason, at: new Date().toISOString() };
    this.state.ignoredDecisions = [...(this.state.ignoredDecisions ?? []), entry].slice(-KEPT_IGNORED);
    log.warn('gate decision ignored', { ...entry });
    this.publish();
  }

  /**
   * A decision from a signal (the Temporal UI): applied when it can be, recorded as ignored when not. With no gate
   * named, it goes to the only pending gate.
   */
  signalled(via: string, d: Omit<GateDecision, 'gateId'> & { gateId?: string }): void {
    const pending = this.state.pendingGates;
    const gateId = d.gateId ?? (pending.length === 1 ? pending[0]?.id : undefined);
    if (!gateId) {
      this.ignore(d, via, `name the gate ("gateId"): pending are ${pending.map((g) => g.id).join(', ') || 'none'}`);
      return;
    }
    try {
      this.decide({ ...d, gateId });
    } catch (err) {
      this.ignore({ ...d, gateId }, via, reasonOf(err));
    }
  }

  /**
   * The plain abort: the pending gate (or the one named) is decided abort; with no gate pending the run stops
   * before its next step (a step running now finishes first; cancel the run to stop that step).
   */
  abort(by?: string, comment?: string, gateId?: string): void {
    if (gateId || this.state.pendingGates.length > 0) {
      this.signalled('abort', { gateId, decision: 'abort', by, comment });
      return;
    }
    this.abortRequested ??= { by, comment };
    log.warn('abort requested while no gate is pending: the run stops before its next step', { by, comment });
    this.publish();
  }

  private throwIfAbortRequested(before: string): void {
    const a = this.abortRequested;
    if (a)
      throw ApplicationFailure.nonRetryable(
        `Aborted by ${a.by ?? 'unknown'} before "${before}"${a.comment ? `: ${a.comment}` : ''}.`,
        'AbortedByEngineer',
      );
  }

  /** Runs one step once: marks it running, records its outcome or its failure (and rethrows). */
  async step<T>(info: StepInfo, work: () => Promise<T>, describe: (result: T) => Outcome): Promise<T> {
    this.throwIfAbortRequested(info.description);
    const entry: StepState = {
      ...info,
      id: `step-${this.state.steps.length + 1}`,
      status: 'running',
      startedAt: new Date().toISOString(),
    };
    this.state.steps.push(entry);
    this.publish();
    try {
      const result = await work();
      Object.assign(entry, describe(result), { finishedAt: new Date().toISOString() });
      this.publish();
      return result;
    } catch (err) {
      Object.assign(entry, { status: 'failed', finishedAt: new Date().toISOString(), detail: reasonOf(err) });
      this.publish();
      throw err;
    }
  }

  /**
   * Runs a step that changes or checks the cluster. When it fails for good (the activity's retries are exhausted,
   * or a verification fails), the run does not fail: a step-failed gate shows the error and waits for retry, skip
   * (only when `skipRefused` is undefined; recorded) or abort. Returns undefined when the engineer skipped.
   */
  async attempt<T>(
    info: StepInfo,
    work: () => Promise<T>,
    describe: (result: T) => Outcome,
    skipRefused?: string,
  ): Promise<T | undefined> {
    for (;;) {
      try {
        return await this.step(info, work, describe);
      } catch (err) {
        if (isCancellation(err)) throw err;
        const type = failureTypeOf(err);
        if (type === 'AbortedByEngineer') throw err;
        const decision = await this.gate(
          'step-failed',
          `"${info.description}" failed${type ? ` (${type})` : ''}: ${reasonOf(err)}. Retry runs it again (it is idempotent); ${skipRefused ? `skip is refused: ${skipRefused}` : 'skip records it as done by hand and goes on'}; abort stops the run and lists what is left to do by hand.`,
          skipRefused ? ['retry', 'abort'] : ['retry', 'skip', 'abort'],
          skipRefused,
        );
        if (decision.decision === 'skip') {
          this.state.steps.push({
            ...info,
            id: `step-${this.state.steps.length + 1}`,
            status: 'skipped',
            detail: `skipped by ${decision.by ?? 'unknown'}${decision.comment ? `: ${decision.comment}` : ''}`,
          });
          this.publish();
          return undefined;
        }
      }
    }
  }

  /** Throws (rejecting the update) unless the gate is pending and the decision allowed there. */
  validate(decision: GateDecision): PendingGate {
    const gate = this.state.pendingGates.find((g) => g.id === decision.gateId);
    if (!gate)
      throw new Error(
        `Gate "${decision.gateId}" is not pending (pending: ${this.state.pendingGates.map((g) => g.id).join(', ') || 'none'}).`,
      );
    const skipRefused = this.skipRefusals.get(gate.id);
    if (decision.decision === 'skip' && skipRefused)
      throw new Error(`Skipping is refused at gate "${gate.id}": ${skipRefused} Decide retry or abort.`);
    if (!gate.allowed.includes(decision.decision))
      throw new Error(`Gate "${gate.id}" accepts ${gate.allowed.join(', ')}, not "${decision.decision}".`);
    return gate;
  }

  decide(decision: GateDecision): PendingGate {
    const gate = this.validate(decision);
    this.decided.set(gate.id, decision);
    this.state.decisions.push({ ...decision, kind: gate.kind, at: new Date().toISOString() });
    return gate;
  }

  /** Stops the run until an engineer decides; reject and abort end the run without another change. */
  async gate(
    kind: GateKind,
    description: string,
    allowed: GateDecisionKind[] = ['approve', 'reject', 'abort'],
    skipRefused?: string,
  ): Promise<GateDecision> {
    this.gateCount += 1;
    const gate: PendingGate = { id: this.gateId(`${kind}-${this.gateCount}`), kind, description, allowed };
    if (skipRefused) this.skipRefusals.set(gate.id, skipRefused);
    return this.waitAtGate(gate, () => this.decided.has(gate.id));
  }

  /**
   * Opens `gate` and waits until `done()` (a decision by default; the CA flow also ends its gate when every chain
   * has arrived). Abort and reject end the run.
   */
  async waitAtGate(gate: PendingGate, done: () => boolean): Promise<GateDecision> {
    this.throwIfAbortRequested(`Gate: ${gate.description}`);
    const opened = { ...gate, expiresAt: new Date(Date.now() + GATE_TIMEOUT_MS).toISOString() };
    this.state.pendingGates.push(opened);
    this.setPhase('awaiting-approval');
    this.options.onGateOpened?.(opened);
    try {
      const decided = await this.step(
        { kind: 'gate', description: `Gate: ${gate.description}` },
        async () => {
          const decidedOrDone = () => done() || this.decided.has(gate.id);
          // The timer's summary names the gate: the UI's event history says what this 7-day timer is.
          if (!(await condition(decidedOrDone, GATE_TIMEOUT, { summary: `Gate ${gate.id} expires` })))
            throw ApplicationFailure.nonRetryable(
              `Gate ${gate.id} was not decided within ${GATE_TIMEOUT}; nothing after it was done.`,
              'GateTimedOut',
            );
          return this.decided.get(gate.id) ?? { gateId: gate.id, decision: 'approve' as const, by: 'the run' };
        },
        (d) => ({
          status: 'completed',
          detail: `${d.decision} by ${d.by ?? 'unknown'}${d.comment ? `: ${d.comment}` : ''}`,
        }),
      );
      if (decided.decision === 'reject' || decided.decision === 'abort')
        throw ApplicationFailure.nonRetryable(
          `${decided.decision === 'reject' ? 'Rejected' : 'Aborted'} at gate ${gate.id} by ${decided.by ?? 'unknown'}${decided.comment ? `: ${decided.comment}` : ''}.`,
          decided.decision === 'reject' ? 'RejectedAtGate' : 'AbortedAtGate',
        );
      this.setPhase('running');
      return decided;
    } finally {
      this.state.pendingGates = this.state.pendingGates.filter((g) => g.id !== gate.id);
      this.skipRefusals.delete(gate.id);
    }
  }

  /** Sleeps until the start of the run (notBefore) and, for disruptive steps, until the maintenance window opens. */
  async inWindow(what: string): Promise<void> {
    const w = this.request.maintenanceWindow;
    const waitMs = Math.max(
      this.request.notBefore ? Date.parse(this.request.notBefore) - Date.now() : 0,
      w ? await this.untilWindowOpens(w, what) : 0,
    );
    if (waitMs <= 0) return;
    const opens = new Date(Date.now() + waitMs).toISOString();
    const previous = this.state.phase;
    this.setPhase('waiting-window');
    await this.step(
      {
        kind: 'wait-window',
        description: `Wait for the maintenance window${w ? ` (${describeWindow(w)})` : ''} before: ${what}`,
      },
      async () => {
        await this.sleepOrAbort(waitMs, `${w ? 'Maintenance window opens' : 'Start time (notBefore)'} before: ${what}`);
        // A long sleep can end a little early or late; re-check so a step never starts outside the window.
        if (w) {
          const more = await this.untilWindowOpens(w, what);
          if (more > 0) await this.sleepOrAbort(more, `Maintenance window opens (re-check) before: ${what}`);
        }
      },
      () => ({ status: 'completed', detail: `opened at ${opens}` }),
    );
    this.setPhase(previous === 'waiting-window' ? 'running' : previous);
  }

  /** A timer (the same command as sleep) that an abort ends early. */
  private async sleepOrAbort(ms: number, summary: string): Promise<void> {
    await condition(() => this.abortRequested !== undefined, ms, { summary: summary.slice(0, 200) });
    this.throwIfAbortRequested(summary);
  }

  /**
   * Milliseconds until the window opens. Runs started before the patch computed it here, from the worker's
   * time-zone data; newer runs ask a local activity, whose answer (an instant) is in the history, so a replay on a
   * Node with other zone rules waits for the same instant.
   */
  private async untilWindowOpens(w: NonNullable<RegenerationRequest['maintenanceWindow']>, what: string) {
    if (!patched(PATCHES.windowInLocalActivity)) return msUntilOpen(w, Date.now());
    const { opensAt } = await windowClock.nextWindowOpening.executeWithOptions(
      { summary: `Next opening of the maintenance window (${describeWindow(w)}) before: ${what}`.slice(0, 200) },
      [{ window: w, nowMs: Date.now() }],
    );
    return Math.max(0, Date.parse(opensAt) - Date.now());
  }
}
