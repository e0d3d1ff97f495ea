/**
 * Step attempts: a step is recorded running, then with its outcome or its failure, and with what it sent to the
 * cluster (`sent`: the commands and requests its activities recorded, ./evidence.ts). A step that changes or checks
 * the cluster and fails for good (the activity's retries are exhausted, or a verification fails) does not fail the
 * run: a step-failed gate shows the error and waits for retry, skip (where safe; recorded) or abort.
 */
import { isCancellation } from '@temporalio/workflow';
import type { SentRecord } from '../../domain/evidence';
import type { GateDecision, StepState } from '../../domain/types';
import { throwIfAbortRequested } from './abort';
import { collectingSent } from './evidence';
import { failureTypeOf, reasonOf } from './failures';
import type { Gates } from './gates';
import type { RunState } from './state';

export type StepInfo = Omit<StepState, 'status' | 'id' | 'sent'>;
export type Outcome = Pick<StepState, 'status' | 'detail'>;

/** Runs one step once: marks it running, records its outcome or its failure (and rethrows), and what it sent. */
export async function runStep<T>(
  run: RunState,
  info: StepInfo,
  work: () => Promise<T>,
  describe: (result: T) => Outcome,
): Promise<T> {
  throwIfAbortRequested(run, info.description);
  // Filled in as the step's activities return: a fixed-size record (domain/evidence.ts), whatever came before.
  const sent: SentRecord = { requests: [] };
  const entry: StepState = {
    ...info,
    id: `step-${run.state.steps.length + 1}`,
    status: 'running',
    startedAt: new Date().toISOString(),
    sent,
  };
  run.state.steps.push(entry);
  run.publish();
  try {
    const result = await collectingSent(sent, work);
    Object.assign(entry, describe(result), { finishedAt: new Date().toISOString() });
    run.publish();
    return result;
  } catch (err) {
    Object.assign(entry, { status: 'failed', finishedAt: new Date().toISOString(), detail: reasonOf(err) });
    run.publish();
    throw err;
  }
}

/**
 * Runs a step until it succeeds or an engineer skips it at its step-failed gate (undefined then); skip is offered
 * only when `skipRefused` is undefined. An abort or a cancellation ends the run as it is.
 */
export async function attemptStep<T>(
  run: RunState,
  gates: Gates,
  info: StepInfo,
  work: () => Promise<T>,
  describe: (result: T) => Outcome,
  skipRefused?: string,
): Promise<T | undefined> {
  for (;;) {
    try {
      return await runStep(run, info, work, describe);
    } catch (err) {
      if (isCancellation(err)) throw err;
      const type = failureTypeOf(err);
      if (type === 'AbortedByEngineer') throw err;
      const decision = await gates.open(
        'step-failed',
        stepFailedDescription(info, err, type, skipRefused),
        skipRefused ? ['retry', 'abort'] : ['retry', 'skip', 'abort'],
        skipRefused,
      );
      if (decision.decision === 'skip') {
        recordSkipped(run, info, decision);
        return undefined;
      }
    }
  }
}

/** What the step-failed gate tells the engineer: the error, and what each decision does here. */
function stepFailedDescription(info: StepInfo, err: unknown, type: string | undefined, skipRefused?: string): string {
  const skip = skipRefused ? `skip is refused: ${skipRefused}` : 'skip records it as done by hand and goes on';
  return `"${info.description}" failed${type ? ` (${type})` : ''}: ${reasonOf(err)}. Retry runs it again (it is idempotent); ${skip}; abort stops the run and lists what is left to do by hand.`;
}

/** A skipped step is a step of its own, so the state (and the manual actions) say who skipped what. */
function recordSkipped(run: RunState, info: StepInfo, decision: GateDecision): void {
  run.state.steps.push({
    ...info,
    id: `step-${run.state.steps.length + 1}`,
    status: 'skipped',
    // Nothing sent: a skipped step is done by hand (its failed attempts, listed before it, say what they sent).
    sent: { requests: [] },
    detail: `skipped by ${decision.by ?? 'unknown'}${decision.comment ? `: ${decision.comment}` : ''}`,
  });
  run.publish();
}
