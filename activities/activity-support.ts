/**
 * What every activity does the same way: client failures mapped to Temporal failures (retryable or not, with a type
 * the workflow branches on), what it sent to the cluster handed back as evidence, heartbeats while long work runs,
 * and the running activity's cancellation signal.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { SENT_KEY, WRAPPED_RESULT, type SentRecord } from '../domain/evidence';
import { CliError } from './cucm/cli';
import { CucmHttpError } from './cucm/errors';
import { recording } from './cucm/evidence';

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
 * The worker's last word on every activity:
 * - its failure: a client error no activity mapped itself (an AXL fault thrown straight out of an activity, say)
 *   still becomes its typed Temporal failure, so a deterministic fault stops at the first attempt instead of being
 *   retried as if it were an outage. Already-mapped failures pass unchanged.
 * - what it sent (./cucm/evidence.ts): the commands and requests the clients recorded during this attempt, bounded
 *   (domain/evidence.ts), under `sent` in an object result (any other result wrapped with it), or as the last
 *   detail of its failure, so the step that called it can list them. An activity that sent nothing to a cluster
 *   returns exactly what it returned before.
 */
export const activityInterceptor: ActivityInterceptorsFactory = () => ({
  inbound: {
    execute: async (input, next) => {
      let failed = false;
      const { sent, result, error } = await recording(async () => {
        try {
          return await next(input);
        } catch (err) {
          failed = true;
          throw err;
        }
      });
      const earlier = attemptOf() - 1;
      if (earlier > 0) sent.unlistedAttempts = earlier;
      const hasEvidence = sent.requests.length > 0 || (sent.omitted ?? 0) > 0;
      if (failed) throw hasEvidence ? withSent(toFailure(error), sent) : toFailure(error);
      if (!hasEvidence) return result;
      return isPlainObject(result) ? { ...result, [SENT_KEY]: sent } : { [WRAPPED_RESULT]: result, [SENT_KEY]: sent };
    },
  },
});

function attemptOf(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The failure with what the attempt sent as its last detail (a cancellation or a timeout is left as it is). */
function withSent(failure: unknown, sent: SentRecord): unknown {
  if (failure instanceof TemporalFailure && !(failure instanceof ApplicationFailure)) return failure;
  if (!(failure instanceof Error)) return failure;
  const details = failure instanceof ApplicationFailure ? (failure.details ?? []) : [];
  return ApplicationFailure.fromError(failure, { details: [...details, { [SENT_KEY]: sent }] });
}

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
