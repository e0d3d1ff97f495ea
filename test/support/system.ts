/**
 * The system under test, every layer real: Fastify listening on a port → Temporal client → dev server → worker →
 * activities → ssh2 → simulator.
 */
import type { FastifyInstance } from 'fastify';
import type { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client } from '@temporalio/client';
import { buildApp } from '../../api/app';
import type { AuthOptions } from '../../api/auth';
import { createWorker } from '../../worker/create-worker';
import type { ClusterConfig } from '../../simulator/model';
import { startSimulatedCluster, ONE_NODE, type SimulatedCluster } from './simulator';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from './temporal';

export interface System {
  env: TestWorkflowEnvironment;
  lab: SimulatedCluster;
  app: FastifyInstance;
  baseUrl: string;
  taskQueue: string;
  stop(): Promise<void>;
}

export async function startSystem(
  name: string,
  clusters: ClusterConfig[] = [ONE_NODE],
  timeScale?: number,
  /** `auth`: the API's authentication (default disabled); `apiIdentity`: its Temporal client's identity. */
  options: { auth?: AuthOptions; apiIdentity?: string } = {},
): Promise<System> {
  const env = await sharedDevServer();
  const lab = await startSimulatedCluster(clusters, timeScale);
  const taskQueue = uniqueTaskQueue(name);
  const worker: Worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    activities: lab.activities,
    workflowBundle: await sharedWorkflowBundle(),
  });
  const running = worker.run();
  const temporal = options.apiIdentity
    ? new Client({ connection: env.client.connection, namespace: 'default', identity: options.apiIdentity })
    : env.client;
  const app = await buildApp(
    { temporal, namespace: 'default', taskQueue, inventory: lab.inventory },
    options.auth ? { auth: options.auth } : {},
  );
  const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    env,
    lab,
    app,
    baseUrl,
    taskQueue,
    async stop() {
      await app.close();
      worker.shutdown();
      await running;
      await lab.sim.stop();
    },
  };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}

export async function getJson(
  url: string,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(url);
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as Record<string, unknown>,
  };
}
