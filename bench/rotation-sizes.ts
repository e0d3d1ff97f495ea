/**
 * `npm run bench rotation-sizes`: how a rotation's Temporal histories grow with the cluster (issue 20). For each
 * size, a full rotation of every unit on the time-scaled simulator with canaries on, one gate kind approved as it
 * opens and one step-failed gate answered with retry (test/support/gated-rotation.ts), on a fresh Temporal dev
 * server whose log is read for "history size exceeds warn limit". Records per workflow its history bytes and
 * events, the largest event and signal payloads; the peak RSS of the worker process; the RisPort (and PerfMon, when
 * the simulator serves it) requests; the wall time; and the growth of the bytes from 8 to 16 nodes.
 *
 * Sizes (BENCH_SIZES, default "8,16,largest"): 8 is simulator/configs/pairs-14-8node.json, 16 pairs-14-16node.json,
 * both with 40 phones per node (BENCH_PHONES_PER_NODE) as in issue 20's table; largest is largest-14-26node.json with
 * its 40,000 phones (docs/simulator.md says where its layout comes from). BENCH_TIME_SCALE (0.01). Writes
 * bench/results/rotation-size-<size>[-<BENCH_TAG>].json.
 *
 * Targets (issue 20): no workflow's history over 5 MB, no size warning from the server, and the bytes of the
 * rotation with its unit runs from 8 to 16 nodes at most 2.2 times (recorded on the 16-node file, from the 8-node
 * file of the same tag).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { clusterFromConfigFile, runGatedRotation } from '../test/support/gated-rotation';
import { historySizesOnQueue } from '../test/support/history-sizes';
import { startBenchDevServer } from './dev-server';
import { BenchResults } from './results';

const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.01);
const PHONES_PER_NODE = Number(process.env.BENCH_PHONES_PER_NODE ?? 40);
const SIZES = (process.env.BENCH_SIZES ?? '8,16,largest').split(',').filter(Boolean);
const TAG = process.env.BENCH_TAG ? `-${process.env.BENCH_TAG}` : '';
const MB = 1e6;
const LIMIT_BYTES = 5 * MB;
const CONFIGS: Record<string, string> = {
  '8': 'simulator/configs/pairs-14-8node.json',
  '16': 'simulator/configs/pairs-14-16node.json',
  largest: 'simulator/configs/largest-14-26node.json',
};
const root = join(__dirname, '..');
const resultsDir = process.env.BENCH_RESULTS_DIR ?? join(__dirname, 'results');
const print = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);
const mb = (bytes: number) => `${(bytes / MB).toFixed(2)} MB`;

/** The rotation's bytes with its unit runs, from a size's results file of the same tag (for the growth figure). */
function rotationBytesOnFile(size: string): number | undefined {
  const file = join(resultsDir, `rotation-size-${size}${TAG}.json`);
  if (!existsSync(file)) return undefined;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { figures: Array<{ name: string; value: number }> };
  return doc.figures.find((f) => f.name === 'history bytes: rotation and its unit runs')?.value;
}

async function benchSize(size: string): Promise<void> {
  const configFile = CONFIGS[size];
  if (!configFile) throw new Error(`BENCH_SIZES: unknown size ${size} (8, 16 or largest)`);
  const base = clusterFromConfigFile(join(root, configFile));
  const cluster =
    size === 'largest' ? base : { ...base, phones: { ...base.phones, count: base.nodes.length * PHONES_PER_NODE } };
  const server = await startBenchDevServer('sizes');
  // The server's own word on history sizes (it logs at warn level; startDevServer echoes its lines too).
  const warnings = { size: 0, count: 0 };
  for (const stream of [server.child.process.stdout, server.child.process.stderr])
    if (stream)
      createInterface({ input: stream }).on('line', (line) => {
        if (/history size exceeds warn limit/i.test(line)) warnings.size += 1;
        if (/history count exceeds warn limit/i.test(line)) warnings.count += 1;
      });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const taskQueue = `bench-sizes-${size}-${Date.now()}`;
  const figures = new BenchResults(`rotation-size-${size}${TAG}`, {
    config: configFile,
    nodes: cluster.nodes.length,
    imp: cluster.nodes.filter((n) => n.product === 'cups').length,
    phones: cluster.phones?.count ?? 0,
    timeScale: TIME_SCALE,
    units: 'all 8',
    canaries: 'on (default)',
    gates: 'before-phone-reset approved each time; one step-failed gate (a refused doDeviceReset) retried',
    registrationPollSeconds: 1,
  });
  console.log(
    `\n== ${size}: ${cluster.nodes.length} nodes, ${cluster.phones?.count ?? 0} phones, time scale ${TIME_SCALE}`,
  );
  const run = await runGatedRotation({
    client,
    temporalAddress: server.address,
    cluster,
    timeScale: TIME_SCALE,
    taskQueue,
    log: (line) => console.log(`  ${line}`),
  });
  try {
    print('rotation status', run.status);
    print('rotation wall time', `${(run.wallMs / 1000).toFixed(1)} s`);
    figures.figure('rotation completed', run.status === 'completed' ? 1 : 0, '', { op: '==', value: 1 });
    figures.figure('rotation wall time', Math.round(run.wallMs / 100) / 10, 's');
    const retries = run.decisions.filter((d) => d.kind === 'step-failed' && d.status === 200).length;
    const approvals = run.decisions.filter((d) => d.kind !== 'step-failed' && d.status === 200).length;
    print(
      'gates decided',
      `${approvals} approvals, ${retries} step-failed retries, unexpected: ${run.unexpectedGates.join(', ') || 'none'}`,
    );
    figures.figure('step-failed retries', retries, 'decisions', { op: '==', value: 1 });
    figures.figure('gate approvals', approvals, 'decisions');
    figures.figure(
      'unexpected gates',
      run.unexpectedGates.length,
      'gates',
      { op: '==', value: 0 },
      run.unexpectedGates.join(', ') || undefined,
    );

    const histories = await historySizesOnQueue(client, taskQueue);
    // The rotation's workflows by their place in it; the others (the cluster's entity, its expiry watch) by type.
    const name = (id: string, type = '') =>
      id.startsWith(run.rotationId) ? id.replace(run.rotationId, 'rotation') : type;
    let rotationBytes = 0;
    // A workflow continued as new has several runs: each is its own history (Temporal's limits are per run).
    const runsSeen = new Map<string, number>();
    for (const h of histories) {
      const nth = (runsSeen.get(h.workflowId) ?? 0) + 1;
      runsSeen.set(h.workflowId, nth);
      const label = `${name(h.workflowId, h.type)}${nth > 1 ? ` (run ${nth})` : ''}`;
      const ofRotation = h.workflowId.startsWith(run.rotationId);
      if (ofRotation) rotationBytes += h.bytes;
      print(
        `history: ${label} (${h.type})`,
        `${h.events} events, ${mb(h.bytes)}; largest event ${h.largestEvent.type} ${h.largestEvent.bytes} B; signals ${h.signals.count} (largest ${h.signals.largestBytes} B)`,
      );
      figures.figure(`history bytes: ${label}`, h.bytes, 'bytes', { op: '<=', value: LIMIT_BYTES });
      figures.figure(`history events: ${label}`, h.events, 'events');
      figures.figure(`largest event: ${label}`, h.largestEvent.bytes, 'bytes', undefined, h.largestEvent.type);
      if (h.signals.count > 0) {
        figures.figure(`signals into ${label}`, h.signals.count, 'signals');
        figures.figure(`largest signal payload into ${label}`, h.signals.largestBytes, 'bytes');
        figures.figure(`signals' share of ${label}`, Math.round((100 * h.signals.totalBytes) / h.bytes), '%');
      }
      // What grows: the three event types that weigh most in the largest histories.
      if (h.bytes > 0.5 * MB)
        for (const t of h.byEventType.slice(0, 3)) {
          print(`  ${t.type}`, `${t.count} events, ${mb(t.bytes)}`);
          figures.figure(`bytes in ${t.type}: ${label}`, t.bytes, 'bytes', undefined, `${t.count} events`);
        }
    }
    const largest = histories[0];
    figures.figure(
      'largest workflow history',
      largest?.bytes ?? 0,
      'bytes',
      { op: '<=', value: LIMIT_BYTES },
      largest && name(largest.workflowId, largest.type),
    );
    figures.figure(
      'largest signal payload (any workflow)',
      Math.max(0, ...histories.map((h) => h.signals.largestBytes)),
      'bytes',
    );
    print('history bytes: rotation and its unit runs', mb(rotationBytes));
    figures.figure('history bytes: rotation and its unit runs', rotationBytes, 'bytes');
    print('history bytes: every workflow on the queue', mb(histories.reduce((t, h) => t + h.bytes, 0)));
    figures.figure(
      'history bytes: every workflow on the queue',
      histories.reduce((t, h) => t + h.bytes, 0),
      'bytes',
    );
    if (size === '16') {
      const eight = rotationBytesOnFile('8');
      if (eight) {
        const growth = Math.round((100 * rotationBytes) / eight) / 100;
        print('growth of the bytes from 8 to 16 nodes', `${growth}x`);
        figures.figure('growth of the rotation bytes from 8 to 16 nodes', growth, 'x', { op: '<=', value: 2.2 });
      }
    }
    print('server warnings: history size exceeds warn limit', String(warnings.size));
    figures.figure('server log: "history size exceeds warn limit"', warnings.size, 'lines', { op: '==', value: 0 });
    figures.figure('server log: "history count exceeds warn limit"', warnings.count, 'lines', { op: '==', value: 0 });
    print('peak RSS of the worker process', `${(run.workerPeakRssBytes / 1048576).toFixed(0)} MiB`);
    figures.figure('peak RSS of the worker process', Math.round(run.workerPeakRssBytes / 1048576), 'MiB');
    print(
      'RisPort requests / over-limit / PerfMon requests',
      `${run.risportRequests} / ${run.risportOverLimit} / ${run.perfmonRequests}`,
    );
    figures.figure('RisPort requests served', run.risportRequests, 'requests');
    figures.figure('RisPort over-limit faults', run.risportOverLimit, 'faults', { op: '==', value: 0 });
    figures.figure('PerfMon requests served', run.perfmonRequests, 'requests');
    figures.figure('PerfMon over-limit faults', run.perfmonOverLimit, 'faults', { op: '==', value: 0 });
    figures.write();
  } finally {
    await run.stop();
    await client.connection.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  for (const size of SIZES) await benchSize(size);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
