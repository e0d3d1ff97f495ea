/**
 * Adapter figures:
 *   - worker cold start: bundle the workflows, create the worker, and build the SOAP clients from Cisco's WSDLs
 *   - one full RisPort70 registration sweep of a 40,000-phone cluster at CUCM's default rate limit (15 requests per
 *     60 s window, enforced by the simulator too): requests, wall time (target: no more than one window over the
 *     ideal, (ceil(requests / 15) - 1) windows), over-limit faults (target: zero)
 * Results in bench/results/adapters.json.
 */
import { performance } from 'node:perf_hooks';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities';
import { ActivityContext } from '../activities/context';
import { ensureTemporalBinary } from '../scripts/temporal-cli';
import { startSimulator } from '../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../simulator/inventory';
import { createWorker } from '../worker/create-worker';
import { BenchResults } from './results';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const print = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);

async function main(): Promise<void> {
  const results = new BenchResults('adapters', { phones: 40_000, risportRequestsPerMinute: 15, windowMs: 60_000 });
  const sim = await startSimulator(
    [
      {
        id: 'big',
        version: '14.0.1.13900-155',
        nodes: [
          { name: 'pub', role: 'publisher' },
          { name: 'sub1', role: 'subscriber' },
          { name: 'sub2', role: 'subscriber' },
        ],
        phones: { count: 40_000 },
        risport: { requestsPerMinute: 15, windowMs: 60_000 },
      },
    ],
    { timeScale: 0.01 },
  );
  const { inventory, secrets } = inventoryFromEndpoints(sim.endpoints.clusters, (id, user) => `env:${id}_${user}`);
  const deps = { inventory, resolveSecret: (ref: string) => secrets.get(ref) ?? '' };
  const binary = await ensureTemporalBinary('cli', () => undefined);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: binary.path } },
  });

  let t0 = performance.now();
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue: 'bench',
    activities: createActivities(deps),
  });
  const ctx = new ActivityContext(deps);
  // The worker runs only until the first SOAP call has answered: that is the cold start.
  await worker.runUntil(ctx.controlCenter({ clusterId: 'big', nodeId: 'pub' }).status(['Cisco Tftp']));
  const cold = performance.now() - t0;
  print('worker cold start (bundle, worker, SOAP clients, first call)', `${cold.toFixed(0)} ms`);
  results.figure('worker cold start (bundle, worker, SOAP clients, first call)', Math.round(cold), 'ms');

  t0 = performance.now();
  const risport = ctx.risport('big');
  const devices = await risport.snapshot();
  const seconds = (performance.now() - t0) / 1000;
  print(
    'RisPort sweep of 40,000 phones at 15 requests/min',
    `${devices.size} devices, ${risport.stats.requests} requests, ${seconds.toFixed(1)} s`,
  );
  print('RisPort over-limit faults during the sweep', String(risport.stats.overLimitFaults));
  const ideal = (Math.ceil(risport.stats.requests / 15) - 1) * 60;
  results.figure('RisPort sweep: devices', devices.size, 'devices', { op: '==', value: 40_000 });
  results.figure('RisPort sweep: requests', risport.stats.requests, 'requests');
  results.figure(
    'RisPort sweep: wall time',
    Math.round(seconds * 10) / 10,
    's',
    { op: '<=', value: ideal + 60 },
    `ideal ${ideal} s (the windows the requests need) plus at most one window`,
  );
  results.figure('RisPort sweep: over-limit faults', risport.stats.overLimitFaults, 'faults', { op: '==', value: 0 });
  results.write();
  await env.teardown();
  await sim.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
