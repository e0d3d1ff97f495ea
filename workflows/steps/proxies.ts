/**
 * The activities as the regeneration steps call them, with timeouts and retries per kind of work. A step whose
 * activity exhausts these retries opens a step-failed gate (see RunTracker.attempt); it does not fail the run.
 */
import { proxyActivities, type ActivityFunctionWithOptions } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { withSentOf } from '../run/evidence';

/** Reads and checks: minutes at most. */
export const quick = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

// Regeneration and restarts are long on real nodes (a Tomcat restart can take 10 minutes); the heartbeat timeout
// notices a crashed worker long before the start-to-close timeout does.
export const slow = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
});

/** Bulk phone resets and registration waits: hours on a large cluster, heartbeating throughout. */
export const phones = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '2 minutes', maximumAttempts: 20 },
});

/** Why some steps may not be skipped at a step-failed gate. */
export const NO_SKIP = {
  regenerate: 'the nodes would be left on different certificates; retry, or abort and finish by hand.',
  upload: 'the node would keep its old certificate while the others move on; retry, or abort.',
  ctl: 'in mixed mode the secure phones reject the new certificate until the CTL lists it.',
  registration: 'the next certificate must wait for the phones; decide at the accept-missing-phones gate instead.',
  canaries: 'the fleet waits for the canary phones; decide at the canary-phones-missing gate instead.',
  preflight: 'the plan needs the discovery.',
  baseline: 'the wait for the phones needs the baseline.',
  redundancy: 'the batches need the CallManager groups; start the run again with restartStrategy serial instead.',
} as const;

/**
 * Calls an activity with a summary, which the Temporal UI shows on its events ("Restart Cisco CallManager on
 * cucm-sub1" instead of a fourth `restartService`). Summaries are metadata: they change no command. What the
 * activity sent to the cluster goes to the step running now (../run/evidence.ts), not into its result.
 */
export function named<A extends unknown[], R>(
  fn: ActivityFunctionWithOptions<(...args: A) => Promise<R>>,
  summary: string,
  ...args: A
): Promise<R> {
  return withSentOf(fn.executeWithOptions({ summary: summary.slice(0, 200) }, args));
}
