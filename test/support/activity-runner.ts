import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

/**
 * Runs activity functions outside a worker (the SDK's MockActivityEnvironment: a real activity context, heartbeats
 * and cancellation, quiet logs), keeping each activity's argument and result types, which `env.run` loses.
 */
export function activityRunner(): <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) => Promise<R> {
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  return <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
    env.run<A, R, (...args: A) => Promise<R>>(fn, ...args);
}
