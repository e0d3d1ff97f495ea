/**
 * The plain abort: at the pending gate (or the one named) it is that gate's decision; with no gate pending the run
 * stops before its next step, because a step running now is left to finish (cancel the run to stop that step).
 */
import { ApplicationFailure, log } from '@temporalio/workflow';
import type { Gates } from './gates';
import type { RunState } from './state';

export function abortRun(run: RunState, gates: Gates, by?: string, comment?: string, gateId?: string): void {
  if (gateId || run.state.pendingGates.length > 0) {
    gates.signalled('abort', { gateId, decision: 'abort', by, comment });
    return;
  }
  run.abortRequested ??= { by, comment };
  log.warn('abort requested while no gate is pending: the run stops before its next step', { by, comment });
  run.publish();
}

/** Before a step, a gate or after a timer: ends the run if an abort is waiting. */
export function throwIfAbortRequested(run: RunState, before: string): void {
  const a = run.abortRequested;
  if (a)
    throw ApplicationFailure.nonRetryable(
      `Aborted by ${a.by ?? 'unknown'} before "${before}"${a.comment ? `: ${a.comment}` : ''}.`,
      'AbortedByEngineer',
    );
}
