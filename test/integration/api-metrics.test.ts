/**
 * Metrics of the steps, every layer real: a worker in this process with the metrics interceptor, its registry
 * served over HTTP, and the API appending it to GET /metrics. A discovery (the discoverCluster activity over SSH to
 * the simulator) is timed; one with a wrong password fails with CliError.auth and is counted by that type.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { buildApp } from '../../api/app';
import { METRIC_NAMES } from '../../api/metrics';
import { createWorker } from '../../worker/create-worker';
import { WORKER_METRIC_NAMES, WorkerMetrics, serveWorkerMetrics } from '../../worker/metrics';
import { freePort } from '../support/net';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { postJson } from '../support/system';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const cluster = (id: string) => ({
  id,
  version: '14.0.1.13900-155',
  nodes: [{ name: `${id}-pub`, role: 'publisher' as const }],
});

/** The value of one sample line (`name{labels} value`), or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const inner = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const have = inner.split(',');
    if (wanted.every((w) => have.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('API metrics: step durations and activity failures from the worker', function () {
  this.timeout(90_000);
  let lab: SimulatedCluster;
  let worker: Worker;
  let running: Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let metrics: WorkerMetrics;
  let served: Awaited<ReturnType<typeof serveWorkerMetrics>>;

  before(async () => {
    const env = await sharedDevServer();
    lab = await startSimulatedCluster([cluster('m1'), cluster('mbad')]);
    // The same activities as production; the worker of this test reads a wrong password for cluster mbad.
    const activities = createActivities({
      ...lab.activityDeps,
      resolveSecret: (ref) => (ref.includes('MBAD_OS') ? 'not-the-password' : lab.activityDeps.resolveSecret(ref)),
    });
    const taskQueue = uniqueTaskQueue('metrics');
    metrics = new WorkerMetrics();
    served = await serveWorkerMetrics(metrics, { port: 0 });
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities,
      workflowBundle: await sharedWorkflowBundle(),
      metrics,
    });
    running = worker.run();
    app = await buildApp(
      { temporal: env.client, namespace: 'default', taskQueue, inventory: lab.inventory },
      { workerMetricsUrl: served.url },
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    worker?.shutdown();
    await running;
    await served?.close();
    await lab?.sim.stop();
  });

  it('times an activity the worker ran, by type and result', async () => {
    const plan = await postJson(`${base}/v1/clusters/m1/plan`, { units: ['tomcat'] });
    assert.equal(plan.status, 200, JSON.stringify(plan.json));
    const text = await metrics.registry.metrics();
    const count = sample(text, `${WORKER_METRIC_NAMES.stepDuration}_count`, {
      activity_type: 'discoverCluster',
      result: 'ok',
    });
    assert.equal(count, 1, text);
    const sum = sample(text, `${WORKER_METRIC_NAMES.stepDuration}_sum`, {
      activity_type: 'discoverCluster',
      result: 'ok',
    });
    assert.ok(sum !== undefined && sum > 0, 'a real duration');
  });

  it('counts a failed activity by its failure type', async () => {
    const plan = await postJson(`${base}/v1/clusters/mbad/plan`, { units: ['tomcat'] });
    assert.equal(plan.status, 502, JSON.stringify(plan.json));
    assert.equal(plan.json.failureType, 'CliError.auth');
    const text = await metrics.registry.metrics();
    assert.equal(
      sample(text, WORKER_METRIC_NAMES.activityFailures, {
        activity_type: 'discoverCluster',
        failure_type: 'CliError.auth',
      }),
      1,
      text,
    );
    assert.equal(
      sample(text, `${WORKER_METRIC_NAMES.stepDuration}_count`, { activity_type: 'discoverCluster', result: 'failed' }),
      1,
    );
  });

  it("answers GET /metrics with the API's metrics and the worker's, as one valid exposition", async () => {
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, new RegExp(`^${METRIC_NAMES.workerMetricsUp} 1$`, 'm'));
    assert.match(text, new RegExp(`^# TYPE ${METRIC_NAMES.runs} gauge$`, 'm'), "the API's own metrics");
    assert.match(text, new RegExp(`^# TYPE ${METRIC_NAMES.gatesPending} gauge$`, 'm'));
    assert.match(text, new RegExp(`^# TYPE ${WORKER_METRIC_NAMES.stepDuration} histogram$`, 'm'));
    assert.equal(
      sample(text, WORKER_METRIC_NAMES.activityFailures, {
        activity_type: 'discoverCluster',
        failure_type: 'CliError.auth',
      }),
      1,
    );
    assert.match(text, /^cucm_regen_worker_process_cpu_seconds_total /m, "the worker's process metrics, prefixed");
    // Prometheus refuses an exposition that declares a metric twice.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    assert.equal(new Set(types.map((l) => l.split(' ')[2])).size, types.length, 'each metric declared once');
  });

  it("still answers with the API's own metrics when the worker is unreachable, and says so", async () => {
    const lonely = await buildApp(
      { temporal: (await sharedDevServer()).client, namespace: 'default', taskQueue: 'none', inventory: lab.inventory },
      { workerMetricsUrl: `http://127.0.0.1:${await freePort()}/metrics` },
    );
    try {
      const response = await lonely.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 200);
      assert.match(response.body, new RegExp(`^${METRIC_NAMES.workerMetricsUp} 0$`, 'm'));
      assert.match(response.body, new RegExp(`^# TYPE ${METRIC_NAMES.runs} gauge$`, 'm'));
      assert.doesNotMatch(response.body, new RegExp(WORKER_METRIC_NAMES.stepDuration));
    } finally {
      await lonely.close();
    }
  });
});
