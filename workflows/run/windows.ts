/**
 * Keeping disruptive steps inside the maintenance window: the run sleeps until its start time (notBefore) and until
 * the window opens, re-checks after the sleep, and an abort ends the sleep early. The window's next opening is
 * time-zone arithmetic, done by a local activity on the worker so its answer (an instant) is in the history.
 */
import { condition, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { describeWindow } from '../../domain/maintenance-window';
import type { RegenerationRequest } from '../../domain/types';
import { throwIfAbortRequested } from './abort';
import type { RunState } from './state';
import { runStep } from './steps';

type Window = NonNullable<RegenerationRequest['maintenanceWindow']>;

/** The window's next opening: time-zone arithmetic on the worker, its answer recorded in history. */
const windowClock = proxyLocalActivities<Pick<Activities, 'nextWindowOpening' | 'maintenanceWindowProblem'>>({
  startToCloseTimeout: '10 seconds',
});

/**
 * What is wrong with the maintenance window a run was started with, if anything. The API checks it before a start;
 * this guards starts from the Temporal UI or CLI.
 */
export async function windowProblemOf(window: unknown): Promise<string | undefined> {
  const { problem } = await windowClock.maintenanceWindowProblem.executeWithOptions(
    { summary: 'Check the maintenance window the run was started with' },
    [{ window }],
  );
  return problem;
}

/** Sleeps until the start of the run (notBefore) and, for disruptive steps, until the maintenance window opens. */
export async function inWindow(run: RunState, request: RegenerationRequest, what: string): Promise<void> {
  const w = request.maintenanceWindow;
  const waitMs = Math.max(
    request.notBefore ? Date.parse(request.notBefore) - Date.now() : 0,
    w ? await untilWindowOpens(w, what) : 0,
  );
  if (waitMs <= 0) return;
  const opens = new Date(Date.now() + waitMs).toISOString();
  const previous = run.state.phase;
  run.setPhase('waiting-window');
  await runStep(
    run,
    {
      kind: 'wait-window',
      description: `Wait for the maintenance window${w ? ` (${describeWindow(w)})` : ''} before: ${what}`,
    },
    async () => {
      await sleepOrAbort(run, waitMs, `${w ? 'Maintenance window opens' : 'Start time (notBefore)'} before: ${what}`);
      // A long sleep can end a little early or late; re-check so a step never starts outside the window.
      if (w) {
        const more = await untilWindowOpens(w, what);
        if (more > 0) await sleepOrAbort(run, more, `Maintenance window opens (re-check) before: ${what}`);
      }
    },
    () => ({ status: 'completed', detail: `opened at ${opens}` }),
  );
  run.setPhase(previous === 'waiting-window' ? 'running' : previous);
}

/** A timer (the same command as sleep) that an abort ends early. */
async function sleepOrAbort(run: RunState, ms: number, summary: string): Promise<void> {
  await condition(() => run.abortRequested !== undefined, ms, { summary: summary.slice(0, 200) });
  throwIfAbortRequested(run, summary);
}

/**
 * Milliseconds until the window opens, from a local activity: time-zone arithmetic happens on the worker and its
 * answer (an instant) is in the history, so a replay on a Node with other zone rules waits for the same instant.
 */
async function untilWindowOpens(w: Window, what: string): Promise<number> {
  const { opensAt } = await windowClock.nextWindowOpening.executeWithOptions(
    { summary: `Next opening of the maintenance window (${describeWindow(w)}) before: ${what}`.slice(0, 200) },
    [{ window: w, nowMs: Date.now() }],
  );
  return Math.max(0, Date.parse(opensAt) - Date.now());
}
