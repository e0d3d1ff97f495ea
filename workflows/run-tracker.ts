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
  setCurrentDetails,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { describeWindow, msUntilOpen } from './maintenance-window';
import { RUN_PHASE } from './search-attributes';
import type {
  GateDecision,
  GateDecisionKind,
  GateKind,
  PendingGate,
  RegenerationRequest,
  RegenerationState,
  RunPhase,
  StepState,
} from './types';

/** How long a gate waits for an engineer before the run fails (nothing half done: gates sit between steps). */
export const GATE_TIMEOUT = '7 days';

/** Failure types that end a run on an engineer's decision (the API reports them as "aborted"). */
export const ENDED_BY_ENGINEER = ['RejectedAtGate', 'AbortedAtGate'];

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
export function failureTypeOf(err: unknown): string | undefined {
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

export type StepInfo = Omit<StepState, 'status' | 'id'>;
type Outcome = Pick<StepState, 'status' | 'detail'>;

export class RunTracker {
  readonly state: RegenerationState;
  private gateCount = 0;
  private readonly decided = new Map<string, GateDecision>();
  /** Why skipping is refused, per pending step-failed gate: the validator answers it to whoever tries. */
  private readonly skipRefusals = new Map<string, string>();

  constructor(private readonly request: RegenerationRequest) {
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

  /** The run's state as Markdown in the Temporal UI's "current details", so the UI alone tells where it stands. */
  publish(): void {
    const s = this.state;
    const icon: Record<StepState['status'], string> = {
      pending: '⏳',
      running: '▶️',
      completed: '✅',
      skipped: '⏭️',
      failed: '❌',
    };
    const lines = [
      `**${s.units.join(', ')} on ${s.clusterId}**: ${s.phase}`,
      ...s.pendingGates.map(
        (g) => `\n> **Waiting for a decision** at \`${g.id}\` (${g.allowed.join(' / ')}): ${g.description}`,
      ),
      '',
      ...s.steps.slice(-12).map((st) => `- ${icon[st.status]} ${st.description}${st.detail ? `: ${st.detail}` : ''}`),
      ...(s.manualActions?.length ? ['', '**Still to do by hand:**', ...s.manualActions.map((a) => `- ${a}`)] : []),
    ];
    setCurrentDetails(lines.join('\n').slice(0, 20_000));
  }

  /** Runs one step once: marks it running, records its outcome or its failure (and rethrows). */
  async step<T>(info: StepInfo, work: () => Promise<T>, describe: (result: T) => Outcome): Promise<T> {
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
    const gate: PendingGate = { id: `${kind}-${this.gateCount}`, kind, description, allowed };
    if (skipRefused) this.skipRefusals.set(gate.id, skipRefused);
    return this.waitAtGate(gate, () => this.decided.has(gate.id));
  }

  /**
   * Opens `gate` and waits until `done()` (a decision by default; the CA flow also ends its gate when every chain
   * has arrived). Abort and reject end the run.
   */
  async waitAtGate(gate: PendingGate, done: () => boolean): Promise<GateDecision> {
    this.state.pendingGates.push(gate);
    this.setPhase('awaiting-approval');
    try {
      const decided = await this.step(
        { kind: 'gate', description: `Gate: ${gate.description}` },
        async () => {
          if (!(await condition(() => done() || this.decided.has(gate.id), GATE_TIMEOUT)))
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
      w ? msUntilOpen(w, Date.now()) : 0,
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
        await sleep(waitMs);
        // A long sleep can end a little early or late; re-check so a step never starts outside the window.
        if (w) {
          const more = msUntilOpen(w, Date.now());
          if (more > 0) await sleep(more);
        }
      },
      () => ({ status: 'completed', detail: `opened at ${opens}` }),
    );
    this.setPhase(previous === 'waiting-window' ? 'running' : previous);
  }
}
