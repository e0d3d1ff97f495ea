/**
 * `npm run record-histories`: runs a handful of representative workflows on the simulator and saves their event
 * histories as JSON in test/fixtures/histories/<name>.json, for test/integration/replay.test.ts to replay against
 * the current workflow code (a non-determinism check for every change to workflows/).
 *
 * Re-record after an intentional, incompatible workflow change (one that must not meet running histories, i.e. no
 * run of the old code is left in flight, or a patch() was deliberately not used): `npm run record-histories`, then
 * commit the changed fixtures with the change. Takes about half a minute: its own Temporal dev server (in memory),
 * a simulated 14.0 mixed-mode cluster at time scale 0.01, the worker in process.
 *
 * Recorded (each a completed or deliberately failed run; a run that fails unexpectedly fails the script):
 *   regenerate-gates-approved  regenerateCertificate CallManager, all three optional gates, each approved by update
 *   rotation                   rotateCluster tomcat + CallManager without gates (the parent and its two children)
 *   rejected                   regenerateCertificate tomcat rejected at its before-start gate
 *   cleanup-expired-trust      cleanupExpiredTrust
 *   discover                   discoverClusterWorkflow
 *
 * `--only name[,name]` records a subset; `--out dir` writes elsewhere.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { format, resolveConfig } from 'prettier';
import { createActivities } from '../activities';
import { startSimulator } from '../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../simulator/inventory';
import { createWorker } from '../worker/create-worker';
import { cleanupExpiredTrust } from '../workflows/cleanup-expired-trust';
import { discoverClusterWorkflow } from '../workflows/discover';
import { decideGateUpdate, stateQuery } from '../workflows/messages';
import { regenerateCertificate } from '../workflows/regenerate-certificate';
import { rotateCluster } from '../workflows/rotate-cluster';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import type { GateKind } from '../workflows/types';
import { historyToJsonValue } from '../test/support/history-json';
import { ensureTemporalBinary } from './temporal-cli';

export const HISTORIES_DIR = join(__dirname, '..', 'test', 'fixtures', 'histories');
const CLUSTER = 'rec';
const log = (message: string) => process.stderr.write(`[record-histories] ${message}\n`);

interface Recording {
  name: string;
  /** Starts the run, drives its gates, waits for its end; returns the workflow ids to save (the first is `name`). */
  run(client: Client, taskQueue: string, id: string): Promise<string[]>;
}

/** Approves (or rejects) each gate of `kinds`, in order, as soon as it is pending. */
async function decideGates(
  handle: WorkflowHandle,
  kinds: GateKind[],
  decision: 'approve' | 'reject',
  timeoutMs = 60_000,
): Promise<void> {
  for (const kind of kinds) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const gate = (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === kind);
      if (gate) {
        await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision, by: 'recorder' }] });
        break;
      }
      if (Date.now() > deadline) throw new Error(`${handle.workflowId}: gate ${kind} never became pending`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const RECORDINGS: Recording[] = [
  {
    name: 'regenerate-gates-approved',
    async run(client, taskQueue, id) {
      const gates: GateKind[] = ['before-start', 'before-restarts', 'before-phone-reset'];
      const handle = await client.workflow.start(regenerateCertificate, {
        workflowId: id,
        taskQueue,
        args: [
          {
            clusterId: CLUSTER,
            units: ['CallManager'],
            approvals: gates,
            registrationPollSeconds: 1,
            requestedBy: 'rec',
          },
        ],
      });
      await decideGates(handle, gates, 'approve');
      await handle.result();
      return [id];
    },
  },
  {
    name: 'rotation',
    async run(client, taskQueue, id) {
      const handle = await client.workflow.start(rotateCluster, {
        workflowId: id,
        taskQueue,
        args: [{ clusterId: CLUSTER, units: ['tomcat', 'CallManager'], approvals: [], registrationPollSeconds: 1 }],
      });
      await handle.result();
      // The children's ids, from the parent's history (robust to a change of the child id scheme).
      const history = await handle.fetchHistory();
      const children = (history.events ?? [])
        .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
        .filter((w): w is string => !!w);
      return [id, ...children];
    },
  },
  {
    name: 'rejected',
    async run(client, taskQueue, id) {
      const handle = await client.workflow.start(regenerateCertificate, {
        workflowId: id,
        taskQueue,
        args: [{ clusterId: CLUSTER, units: ['tomcat'], approvals: ['before-start'] }],
      });
      await decideGates(handle, ['before-start'], 'reject');
      const failed = await handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
      if (!(failed instanceof WorkflowFailedError)) throw new Error(`${id}: expected the rejected run to fail`);
      return [id];
    },
  },
  {
    name: 'cleanup-expired-trust',
    async run(client, taskQueue, id) {
      await client.workflow.execute(cleanupExpiredTrust, { workflowId: id, taskQueue, args: [{ clusterId: CLUSTER }] });
      return [id];
    },
  },
  {
    name: 'discover',
    async run(client, taskQueue, id) {
      await client.workflow.execute(discoverClusterWorkflow, { workflowId: id, taskQueue, args: [CLUSTER] });
      return [id];
    },
  },
];

function parseArgs(argv: string[]): { only?: Set<string>; out: string } {
  let only: Set<string> | undefined;
  let out = HISTORIES_DIR;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only = new Set((argv[++i] ?? '').split(',').filter(Boolean));
    else if (argv[i] === '--out') out = argv[++i] ?? out;
    else throw new Error(`unknown argument ${argv[i]} (use --only name[,name] or --out dir)`);
  }
  const unknown = [...(only ?? [])].filter((n) => !RECORDINGS.some((r) => r.name === n));
  if (unknown.length) throw new Error(`unknown recording(s) ${unknown.join(', ')}`);
  return { only, out };
}

async function main(): Promise<void> {
  const { only, out } = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const binary = await ensureTemporalBinary('cli', log);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: binary.path },
      extraArgs: SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.cliType}`]),
    },
  });
  const sim = await startSimulator(
    [
      {
        id: CLUSTER,
        version: '14.0.1.13900-155',
        securityMode: 1,
        nodes: [
          { name: 'pub', role: 'publisher' },
          { name: 'sub1', role: 'subscriber' },
        ],
        phones: { count: 60, secureShare: 0.5, registerDelayMs: [1000, 3000] },
        expiredTrustPerStore: 1,
      },
    ],
    { timeScale: 0.01 },
  );
  try {
    const { inventory, secrets } = inventoryFromEndpoints(sim.endpoints.clusters, (id, user) => `mem:${id}/${user}`);
    const taskQueue = `record-histories-${process.pid}`;
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities({
        inventory,
        resolveSecret: (ref) => {
          const value = secrets.get(ref);
          if (value === undefined) throw new Error(`unknown secret ${ref}`);
          return value;
        },
      }),
    });
    const histories = new Map<string, unknown[]>();
    await worker.runUntil(async () => {
      for (const recording of RECORDINGS.filter((r) => !only || only.has(r.name))) {
        const t1 = performance.now();
        const ids = await recording.run(env.client, taskQueue, `${recording.name}-${Date.now()}`);
        const saved: unknown[] = [];
        for (const id of ids) {
          const history = await env.client.workflow.getHandle(id).fetchHistory();
          saved.push({ workflowId: id, history: historyToJsonValue(history) });
        }
        histories.set(recording.name, saved);
        log(`${recording.name}: ${ids.length} workflow(s) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      }
    });
    mkdirSync(out, { recursive: true });
    // A full re-recording replaces the folder's contents, so a renamed or dropped recording leaves no stale file.
    if (!only) for (const f of readdirSync(out)) if (f.endsWith('.json')) rmSync(join(out, f));
    for (const [name, saved] of histories) {
      const file = join(out, `${name}.json`);
      // Formatted as Prettier would, so `npm run lint` (prettier --check .) passes on the fixtures as written.
      const json = JSON.stringify({ recordedAt: new Date().toISOString(), workflows: saved });
      writeFileSync(file, await format(json, { ...(await resolveConfig(file)), filepath: file }));
      log(`wrote ${file}`);
    }
    log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await sim.stop();
    await env.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
