/**
 * A worker of its own, on the shared dev server, for a simulated cluster a test started: what most integration
 * tests of a workflow start in `before` and stop in `after`. It runs the production activities pointed at the
 * simulator (the lab's own, or ones the test built from `lab.activityDeps`).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { createActivities } from '../../activities';
import { createWorker } from '../../worker/create-worker';
import type { SimulatedCluster } from './simulator';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from './temporal';

export interface LabWorker {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  /** Shuts the worker down (waiting for it), then stops the simulator. */
  stop(): Promise<void>;
}

export async function startLabWorker(
  lab: SimulatedCluster,
  name: string,
  activities: ReturnType<typeof createActivities> = lab.activities,
): Promise<LabWorker> {
  const env = await sharedDevServer();
  const taskQueue = uniqueTaskQueue(name);
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    activities,
    workflowBundle: await sharedWorkflowBundle(),
  });
  const running = worker.run();
  return {
    env,
    taskQueue,
    async stop() {
      worker.shutdown();
      await running;
      await lab.sim.stop();
    },
  };
}
