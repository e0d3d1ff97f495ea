/**
 * `npm run bench redundancy`: the CallManager unit on a simulated 8-node CUCM 14.0 cluster (publisher and TFTP node
 * without call processing, three CallManager pairs without TFTP, each pair two CallManager groups with its members
 * in either order, one device pool per group), once with restartStrategy serial and once with redundancy-groups, on the same
 * cluster, a real Temporal dev server and the worker in this process, no gates. Figures, never assertions:
 *   - the restart phase of each run: from the start of its first restart to the end of its last restart or of the
 *     phone wait after its last CallManager batch (the run's own step times), and their ratio (target ≤ 0.6);
 *   - the phones the simulator saw without any reachable CallManager during each run (its own witness; target 0);
 *   - each run's wall time.
 * Writes bench/results/redundancy.json (commit, date, machine, each figure with its target and met/missed).
 *
 * Tunable (environment): BENCH_TIME_SCALE (0.1), BENCH_PHONES (2000), BENCH_POLL_SECONDS (1).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities';
import { startSimulator } from '../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../simulator/inventory';
import type { ClusterConfig } from '../simulator/model';
import { createWorker } from '../worker/create-worker';
import { stateQuery } from '../domain/messages';
import type { RestartStrategy } from '../domain/plan';
import { regenerateCertificate } from '../workflows/regenerate-certificate';
import type { StepState } from '../domain/types';
import { startBenchDevServer } from './dev-server';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const print = (name: string, value: string) => console.log(`${name.padEnd(62)} ${value}`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.1);
const PHONES = Number(process.env.BENCH_PHONES ?? 2000);
const POLL_SECONDS = Number(process.env.BENCH_POLL_SECONDS ?? 1);
const PAIRS = 3;

function clusterConfig(windowMs: number): ClusterConfig {
  const members = Array.from({ length: PAIRS }, (_, i) => [`cm${i + 1}a`, `cm${i + 1}b`] as const);
  return {
    id: 'pairs',
    version: '14.0.1.13900-155',
    nodes: [
      { name: 'pub', role: 'publisher', callProcessing: false },
      {
        name: 'tftp',
        role: 'subscriber',
        callProcessing: false,
        services: { 'Cisco Tftp': 'STARTED', 'Cisco Trust Verification Service': 'STARTED' },
      },
      // Dedicated TFTP (the TFTP node serves the phones' files): the CallManager pairs do not run TFTP.
      ...members.flat().map((name) => ({
        name,
        role: 'subscriber' as const,
        services: { 'Cisco Tftp': 'STOPPED' as const },
      })),
    ],
    callManagerGroups: members.flatMap(([a, b], i) => [
      { name: `CMG${i + 1}-${a}`, members: [a, b] },
      { name: `CMG${i + 1}-${b}`, members: [b, a] },
    ]),
    phones: { count: PHONES, registerDelayMs: [5000, 40000] },
    risport: { requestsPerMinute: 15, windowMs },
  };
}

/** The restart phase from the run's steps: first restart start → end of the last restart or of a batch's phone wait. */
function restartPhase(steps: readonly StepState[]): { startMs: number; endMs: number; restarts: number } {
  const first = steps.findIndex((st) => st.kind === 'restart-service');
  const verify = steps.findIndex((st, i) => i > first && st.kind === 'verify');
  const phase = steps.slice(first, verify < 0 ? undefined : verify);
  const startMs = Date.parse(phase[0]?.startedAt ?? '');
  const endMs = Math.max(...phase.map((st) => Date.parse(st.finishedAt ?? st.startedAt ?? '')));
  return { startMs, endMs, restarts: phase.filter((st) => st.kind === 'restart-service').length };
}

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: string;
  met?: boolean;
}

async function main(): Promise<void> {
  const server = await startBenchDevServer('redundancy');
  const windowMs = Math.max(1000, Math.round(60_000 * TIME_SCALE));
  const sim = await startSimulator([clusterConfig(windowMs)], { timeScale: TIME_SCALE });
  const cluster = sim.cluster('pairs');
  const { inventory, secrets } = inventoryFromEndpoints(sim.endpoints.clusters, (id, user) => `env:${id}_${user}`);
  const connection = await NativeConnection.connect({ address: server.address });
  const client = new Client({ connection: await Connection.connect({ address: server.address }) });
  const taskQueue = 'bench-redundancy';
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    activities: createActivities({
      inventory,
      resolveSecret: (ref) => secrets.get(ref) ?? '',
      risportWindowMs: windowMs,
    }),
  });
  const running = worker.run();
  console.log(
    `8-node 14.0 (publisher, TFTP, ${PAIRS} CallManager pairs), ${PHONES} phones, time scale ${TIME_SCALE}, registrationPollSeconds ${POLL_SECONDS}`,
  );

  const runs = new Map<RestartStrategy, { wallMs: number; phaseMs: number; restarts: number; stranded: number }>();
  for (const strategy of ['serial', 'redundancy-groups'] as const) {
    const strandedBefore = cluster.callManagerGroups.stranded.size;
    const since = cluster.events.list().length;
    const workflowId = `bench-redundancy-${strategy}-${Date.now()}`;
    const t0 = performance.now();
    const handle = await client.workflow.start(regenerateCertificate, {
      workflowId,
      taskQueue,
      args: [
        {
          clusterId: 'pairs',
          units: ['CallManager'],
          approvals: [],
          restartStrategy: strategy,
          registrationPollSeconds: POLL_SECONDS,
        },
      ],
    });
    const result = await handle.result();
    const wallMs = performance.now() - t0;
    const state = await handle.query(stateQuery);
    const phase = restartPhase(state.steps);
    if (process.env.BENCH_VERBOSE)
      for (const st of state.steps.filter((x) => x.kind === 'restart-service' || x.kind === 'await-registration'))
        print(`  ${st.description.slice(0, 60)}`, s(Date.parse(st.finishedAt ?? '') - Date.parse(st.startedAt ?? '')));
    const strandedEvents = cluster.events.list({ since, kind: 'phones-without-callmanager' });
    const stranded = cluster.callManagerGroups.stranded.size - strandedBefore;
    runs.set(strategy, { wallMs, phaseMs: phase.endMs - phase.startMs, restarts: phase.restarts, stranded });
    print(`${strategy}: unit run wall time`, s(wallMs));
    print(
      `${strategy}: restart phase (restarts + phone waits)`,
      `${s(phase.endMs - phase.startMs)} in ${phase.restarts} restart steps`,
    );
    print(
      `${strategy}: phones without a CallManager (simulator)`,
      `${stranded} (${strandedEvents.length} events); all back: ${String(result.phones?.allBack)}`,
    );
  }
  const serial = runs.get('serial');
  const groups = runs.get('redundancy-groups');
  if (!serial || !groups) throw new Error('both runs must finish');
  const ratio = groups.phaseMs / serial.phaseMs;
  print('restart phase ratio redundancy-groups / serial (target ≤ 0.6)', ratio.toFixed(3));

  const figures: Figure[] = [
    { name: 'serial restart phase', value: serial.phaseMs / 1000, unit: 's' },
    { name: 'redundancy-groups restart phase', value: groups.phaseMs / 1000, unit: 's' },
    {
      name: 'restart phase ratio redundancy-groups / serial',
      value: Number(ratio.toFixed(3)),
      unit: 'ratio',
      target: '<= 0.6',
      met: ratio <= 0.6,
    },
    {
      name: 'phones without any CallManager, redundancy-groups',
      value: groups.stranded,
      unit: 'phones',
      target: '0',
      met: groups.stranded === 0,
    },
    { name: 'phones without any CallManager, serial', value: serial.stranded, unit: 'phones' },
    { name: 'serial unit run wall time', value: serial.wallMs / 1000, unit: 's' },
    { name: 'redundancy-groups unit run wall time', value: groups.wallMs / 1000, unit: 's' },
  ];
  const commit = (() => {
    try {
      return execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const results = join(__dirname, 'results');
  mkdirSync(results, { recursive: true });
  const file = join(results, 'redundancy.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        bench: 'redundancy',
        commit,
        date: new Date().toISOString(),
        machine: {
          cpus: cpus().length,
          cpu: cpus()[0]?.model ?? 'unknown',
          memoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
          node: process.version,
          platform: `${process.platform}-${process.arch}`,
        },
        settings: { timeScale: TIME_SCALE, phones: PHONES, pollSeconds: POLL_SECONDS, nodes: 2 + 2 * PAIRS },
        figures,
      },
      null,
      2,
    )}\n`,
  );
  print('written', file);

  worker.shutdown();
  await running;
  await client.connection.close();
  await connection.close();
  await sim.stop();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
