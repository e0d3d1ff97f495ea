/**
 * Builds the worker that runs the regeneration workflows and their activities. Shared by worker/main.ts and the
 * integration tests, so tests run the same registration the product runs.
 */
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { Activities } from '../activities';
import { activityInterceptor } from '../activities/activity-support';
import type { WorkerConcurrency } from '../config';
import { workflowsPath } from './bundle';
import type { WorkerMetrics } from './metrics';

interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /**
   * A pre-built bundle (the one `npm run build` wrote, for the compiled worker; tests bundle once per run); without
   * one the worker bundles `workflowsPath` at start (development, under tsx).
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Slots per worker process (config WORKER_MAX_CONCURRENT_*); the defaults suit one host. */
  concurrency?: WorkerConcurrency;
  identity?: string;
  /** Records step durations and activity failures (an activity interceptor) in this registry. */
  metrics?: WorkerMetrics;
}

export function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const { workflowBundle, metrics, concurrency, ...rest } = options;
  return Worker.create({
    ...rest,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath }),
    // The first interceptor wraps the rest: metrics see the typed failure the failure interceptor made.
    interceptors: { activity: [...(metrics ? [metrics.interceptor] : []), activityInterceptor] },
    // Long CLI operations hold an activity slot for minutes; a few at once is plenty for one host.
    maxConcurrentActivityTaskExecutions: concurrency?.activities ?? 20,
    maxConcurrentWorkflowTaskExecutions: concurrency?.workflowTasks ?? 40,
  });
}
