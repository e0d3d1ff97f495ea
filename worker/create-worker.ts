/**
 * Builds the worker that runs the regeneration workflows and their activities. Shared by worker/main.ts and the
 * integration tests, so tests run the same registration the product runs.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities';

export const workflowsPath = require.resolve('../workflows');

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A pre-built bundle (tests bundle once per run); otherwise the worker bundles `workflowsPath` at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  identity?: string;
}

export function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { workflowBundle, ...rest } = options;
  return Worker.create({
    ...rest,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    // Long CLI operations hold an activity slot for minutes; a few at once is plenty for one host.
    maxConcurrentActivityTaskExecutions: 20,
  });
}
