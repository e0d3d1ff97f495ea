/**
 * What every activity does the same way: client failures mapped to Temporal failures (retryable or not, with a type
 * the workflow branches on), heartbeats while long work runs, and the running activity's cancellation signal.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { CliError } from './cucm/cli';
import { CucmHttpError } from './cucm/errors';

/** Maps client failures to Temporal failures: retry what can recover, stop at once on what cannot. */
export function toFailure(err: unknown): unknown {
  if (err instanceof CliError) {
    return ApplicationFailure.create({
      type: `CliError.${err.kind}`,
      message: err.message,
      nonRetryable: !err.retryable,
    });
  }
  if (err instanceof CucmHttpError) {
    return ApplicationFailure.create({
      type: `HttpError.${err.kind}`,
      message: err.message,
      nonRetryable: !err.retryable,
    });
  }
  return err;
}

/**
 * The worker's last word on every activity's failure: a client error no activity mapped itself (an AXL fault thrown
 * straight out of an activity, say) still becomes its typed Temporal failure, so a deterministic fault stops at the
 * first attempt instead of being retried as if it were an outage. Already-mapped failures pass unchanged.
 */
export const failureInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    execute: async (input, next) => {
      try {
        return await next(input);
      } catch (err) {
        throw toFailure(err);
      }
    },
  },
});

/** Heartbeats while long work runs, so a crashed worker is noticed within the heartbeat timeout. */
export async function heartbeating<T>(work: () => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = Context.current();
  const beat = () => ctx.heartbeat(details?.());
  const timer = setInterval(beat, 5_000);
  try {
    beat();
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The running activity's cancellation signal; none outside an activity. */
export function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}
