/**
 * `npm run record-histories`: runs representative workflows on the simulator and saves their event histories as
 * JSON in test/fixtures/histories/<name>.json, for test/integration/replay.test.ts to replay against the current
 * workflow code (a non-determinism check for every change to workflows/). Histories in
 * test/fixtures/histories/kept/ were recorded from older code and are never re-recorded: they are the runs "in
 * flight across an upgrade" that every later version must still replay.
 *
 * Re-record after an intentional, incompatible workflow change (one that must not meet running histories, i.e. no
 * run of the old code is left in flight, or a patch() was deliberately not used): `npm run record-histories`, then
 * commit the changed fixtures with the change. Takes about two minutes (the window recording waits for the next
 * minute): its own Temporal dev server (in memory), simulated 14.0 clusters at time scale 0.01, the worker in
 * process. Every recording names the branches it covers (see RECORDINGS); a run that ends otherwise than expected
 * fails the script.
 *
 * To add one: append a Recording to RECORDINGS (a name, what it covers, optional injected activity faults, and a
 * `run` that starts the workflow by its type name and drives it). Workflows are started and driven by name
 * (types, queries, signals, updates), so the script also drives older workflow code:
 *
 *   npm run record-histories -- --only step-failed-retry \
 *     --workflows /tmp/pre4d11/workflows/index.ts --out test/fixtures/histories/kept --prefix pre-4d11bde-
 *
 * records from a `git worktree add /tmp/pre4d11 4d11bde^` (node_modules symlinked), with today's activities.
 * Options: `--only name[,name]`, `--out dir`, `--workflows path` (a workflows module to bundle instead of the
 * product's), `--prefix p` (file names p<name>.json).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { format, resolveConfig } from 'prettier';
import { createActivities, type Activities } from '../activities';
import { startSimulator, type RunningSimulator } from '../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../simulator/inventory';
import { workflowsPath as productWorkflows } from '../worker/bundle';
import { createWorker } from '../worker/create-worker';
import type { RotationState } from '../domain/contract/rotation';
import { clusterEntityId } from '../domain/contract/cluster-entity';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import type { GateKind, PendingGate, RegenerationRequest, RegenerationState } from '../domain/types';
import { historyToJsonValue } from '../test/support/history-json';
import { signCsr } from '../test/support/pki';
import { ensureTemporalBinary } from './temporal-cli';

const HISTORIES_DIR = join(__dirname, '..', 'test', 'fixtures', 'histories');
/** The repository's root, as recorded stack traces name it (scrubbed from the fixtures). */
const repoRoot = join(__dirname, '..');
const CLUSTER = 'rec';
const CA_CLUSTER = 'rec-ca';
/** The skip recording leaves a node serving an old certificate (the run's manual actions say so): its own cluster. */
const SKIP_CLUSTER = 'rec-skip';
const log = (message: string) => process.stderr.write(`[record-histories] ${message}\n`);

/** An activity that fails (non-retryable, so at once) on its first `times` calls that `when` matches. */
interface Fault {
  activity: keyof Activities;
  times: number;
  when?: (input: Record<string, unknown>) => boolean;
}

interface Drive {
  client: Client;
  taskQueue: string;
  id: string;
  sim: RunningSimulator;
}

interface Recording {
  name: string;
  /** The branches of the workflow code this history covers (for the reader; the replay test names the file). */
  covers: string;
  faults?: Fault[];
  /** Starts the run, drives its gates, waits for its end; returns the workflow ids to save (the first is `name`). */
  run(d: Drive): Promise<string[]>;
}

// By name, so the script drives older workflow code too (see the header).
const STATE = 'state';
const ROTATION_STATE = 'rotationState';
const DECIDE = 'decideGate';

function start(
  d: Drive,
  type: string,
  request: RegenerationRequest | Record<string, unknown>,
): Promise<WorkflowHandle> {
  return d.client.workflow.start(type, { workflowId: d.id, taskQueue: d.taskQueue, args: [request] });
}

/** Waits until a gate of `kind` is pending in the run's state (a rotation: its current unit's), and returns it. */
async function pendingGate(handle: WorkflowHandle, kind: GateKind, timeoutMs = 90_000): Promise<PendingGate> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const desc = await handle.describe();
    const pending =
      desc.type === 'rotateCluster'
        ? ((await handle.query<RotationState>(ROTATION_STATE)).current?.summary?.pendingGates ?? [])
        : (await handle.query<RegenerationState>(STATE)).pendingGates;
    const gate = pending.find((g) => g.kind === kind);
    if (gate) return gate;
    if (desc.status.name !== 'RUNNING') {
      const why = await handle.result().then(
        () => 'completed',
        (err: unknown) => (err instanceof WorkflowFailedError ? String(err.cause?.message) : String(err)),
      );
      throw new Error(`${handle.workflowId} ended (${desc.status.name}) before ${kind}: ${why}`);
    }
    if (Date.now() > deadline) throw new Error(`${handle.workflowId}: gate ${kind} never became pending`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Decides each gate of `kinds`, in order, by update as soon as it is pending. */
async function decideGates(handle: WorkflowHandle, kinds: GateKind[], decision: string): Promise<void> {
  for (const kind of kinds) {
    const gate = await pendingGate(handle, kind);
    await handle.executeUpdate(DECIDE, { args: [{ gateId: gate.id, decision, by: 'recorder' }] });
  }
}

async function expectFailure(handle: WorkflowHandle, type: RegExp): Promise<void> {
  const failed = await handle.result().then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(failed instanceof WorkflowFailedError)) throw new Error(`${handle.workflowId}: expected the run to fail`);
  const text = `${failed.cause?.name} ${(failed.cause as { type?: string } | undefined)?.type} ${failed.cause?.message}`;
  if (!type.test(text)) throw new Error(`${handle.workflowId}: failed otherwise than expected: ${text}`);
}

/** The children a run started, from its history (robust to a change of the child id scheme). */
async function childrenOf(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
    .filter((w): w is string => !!w);
}

const onNode = (nodeId: string) => (input: Record<string, unknown>) => input.nodeId === nodeId;

/** The maintenance window opening at the next full minute (UTC), for an hour. */
function windowFromNextMinute(): { start: string; end: string; timeZone: string } {
  const next = new Date(Math.ceil((Date.now() + 1_000) / 60_000) * 60_000);
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  return { start: hhmm(next), end: hhmm(new Date(next.getTime() + 3_600_000)), timeZone: 'UTC' };
}

const RECORDINGS: Recording[] = [
  {
    name: 'step-failed-retry',
    covers: 'a regeneration that fails for good, its step-failed gate, retry by update (the 4d11bde serial read)',
    faults: [{ activity: 'regenerateCertificate', times: 1, when: onNode('pub') }],
    async run(d) {
      const handle = await start(d, 'regenerateCertificate', { clusterId: CLUSTER, units: ['tomcat'], approvals: [] });
      await decideGates(handle, ['step-failed'], 'retry');
      await handle.result();
      return [d.id];
    },
  },
  {
    name: 'step-failed-skip',
    covers:
      'a restart that fails for good, skipped at its step-failed gate by the decideGate-signal; the verification that then fails, skipped by update',
    faults: [{ activity: 'restartService', times: 1 }],
    async run(d) {
      const handle = await start(d, 'regenerateCertificate', {
        clusterId: SKIP_CLUSTER,
        units: ['tomcat'],
        approvals: [],
      });
      const gate = await pendingGate(handle, 'step-failed');
      await handle.signal('decideGate-signal', { gateId: gate.id, decision: 'skip', by: 'recorder' });
      // A node left unrestarted still serves the old certificate: its verification fails too, skipped by update.
      for (;;) {
        const next = await pendingGate(handle, 'step-failed');
        if (next.id === gate.id) continue;
        await handle.executeUpdate(DECIDE, { args: [{ gateId: next.id, decision: 'skip', by: 'recorder' }] });
        break;
      }
      await handle.result();
      return [d.id];
    },
  },
  {
    name: 'step-failed-abort',
    covers: 'a regeneration that fails for good, aborted at its step-failed gate by the plain abort signal',
    faults: [{ activity: 'regenerateCertificate', times: 1, when: onNode('sub1') }],
    async run(d) {
      const handle = await start(d, 'regenerateCertificate', { clusterId: CLUSTER, units: ['tomcat'], approvals: [] });
      await pendingGate(handle, 'step-failed');
      await handle.signal('abort', { approver: 'recorder', comment: 'recorded abort' });
      await expectFailure(handle, /AbortedAtGate/);
      return [d.id];
    },
  },
  {
    name: 'gates-signals-and-updates',
    covers:
      'CallManager with its three optional gates: approve signal, an ignored stale signal, decideGate update, decideGate-signal; phones reset and awaited',
    async run(d) {
      const handle = await start(d, 'regenerateCertificate', {
        clusterId: CLUSTER,
        units: ['CallManager'],
        approvals: ['before-start', 'before-restarts', 'before-phone-reset'],
        registrationPollSeconds: 1,
        requestedBy: 'rec',
      });
      const first = await pendingGate(handle, 'before-start');
      await handle.signal('approve', { approver: 'recorder', comment: 'CHG1' });
      // The same approval again, late: recorded as ignored, changes nothing.
      const restarts = await pendingGate(handle, 'before-restarts');
      await handle.signal('approve', { gateId: first.id, approver: 'recorder', comment: 'stale' });
      await handle.executeUpdate(DECIDE, { args: [{ gateId: restarts.id, decision: 'approve', by: 'recorder' }] });
      const reset = await pendingGate(handle, 'before-phone-reset');
      await handle.signal('decideGate-signal', { gateId: reset.id, decision: 'approve', by: 'recorder' });
      await handle.result();
      return [d.id];
    },
  },
  {
    name: 'rejected',
    covers: 'tomcat rejected at its before-start gate by the plain reject signal',
    async run(d) {
      const handle = await start(d, 'regenerateCertificate', {
        clusterId: CLUSTER,
        units: ['tomcat'],
        approvals: ['before-start'],
      });
      await pendingGate(handle, 'before-start');
      await handle.signal('reject', { approver: 'recorder', comment: 'not tonight' });
      await expectFailure(handle, /RejectedAtGate/);
      return [d.id];
    },
  },
  {
    name: 'cancelled',
    covers: 'a run cancelled while it waits at its before-start gate',
    async run(d) {
      const handle = await start(d, 'regenerateCertificate', {
        clusterId: CLUSTER,
        units: ['tomcat'],
        approvals: ['before-start'],
      });
      await pendingGate(handle, 'before-start');
      await handle.cancel();
      await expectFailure(handle, /Cancel/);
      return [d.id];
    },
  },
  {
    name: 'ca-signed',
    covers: 'a CA-signed tomcat: CSRs, the signed-certificate gate, submitSignedChain updates (one refused), uploads',
    async run(d) {
      const handle = await start(d, 'regenerateCertificate', {
        clusterId: CA_CLUSTER,
        units: ['tomcat'],
        approvals: [],
      });
      await pendingGate(handle, 'signed-certificate');
      const { csrs = [] } = await handle.query<RegenerationState>(STATE);
      const ca = d.sim.cluster(CA_CLUSTER).ca;
      if (!ca) throw new Error('the simulated CA');
      for (const { nodeId, csrPem } of csrs)
        await handle.executeUpdate('submitSignedChain', {
          args: [{ nodeId, chainPem: `${signCsr(csrPem, ca)}${ca.pem}`, by: 'recorder' }],
        });
      await handle.result();
      return [d.id];
    },
  },
  {
    name: 'window-wait',
    covers: 'a maintenance window that opens at the next minute: the local activity, the timer, the re-check',
    async run(d) {
      const handle = await start(d, 'regenerateCertificate', {
        clusterId: CLUSTER,
        units: ['tomcat'],
        approvals: [],
        maintenanceWindow: windowFromNextMinute(),
      });
      await handle.result();
      return [d.id];
    },
  },
  {
    name: 'rotation',
    covers:
      'rotateCluster tomcat + CallManager with before-start gates decided through the rotation (update, then approve signal), a stale approval ignored; the parent and its two children',
    async run(d) {
      const handle = await start(d, 'rotateCluster', {
        clusterId: CLUSTER,
        units: ['tomcat', 'CallManager'],
        approvals: ['before-start'],
        registrationPollSeconds: 1,
      });
      const first = await pendingGate(handle, 'before-start');
      await handle.executeUpdate(DECIDE, { args: [{ gateId: first.id, decision: 'approve', by: 'recorder' }] });
      for (;;) {
        const gate = await pendingGate(handle, 'before-start');
        if (gate.id === first.id) {
          // The rotation has not heard from the next unit run yet.
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        await handle.signal('approve', { gateId: first.id, approver: 'recorder', comment: 'stale' });
        await handle.signal('approve', { gateId: gate.id, approver: 'recorder' });
        break;
      }
      await handle.result();
      return [d.id, ...(await childrenOf(handle))];
    },
  },
  {
    name: 'cleanup-expired-trust',
    covers: 'cleanupExpiredTrust: expired trust deleted per node, services restarted',
    async run(d) {
      await (await start(d, 'cleanupExpiredTrust', { clusterId: CLUSTER })).result();
      return [d.id];
    },
  },
  {
    name: 'cluster-entity',
    covers:
      'clusterEntity: the lease asked for by two directly started runs one after the other (acquireLease), each watched until it closed and released; the two runs with their lease activity',
    async run(d) {
      await (await start(d, 'cleanupExpiredTrust', { clusterId: CLUSTER })).result();
      await (await start({ ...d, id: `${d.id}-2` }, 'cleanupExpiredTrust', { clusterId: CLUSTER })).result();
      return [clusterEntityId(CLUSTER, d.taskQueue), d.id, `${d.id}-2`];
    },
  },
  {
    name: 'discover',
    covers: 'discoverClusterWorkflow',
    async run(d) {
      const handle = await d.client.workflow.start('discoverClusterWorkflow', {
        workflowId: d.id,
        taskQueue: d.taskQueue,
        args: [CLUSTER],
      });
      await handle.result();
      return [d.id];
    },
  },
  {
    name: 'trust-recovery',
    covers:
      'recoverTrust in mixed mode, started directly (the lease activity): utils ctl reset localkey, show ctl, TFTP restarts, two phone rounds around utils ctl update CTLFile; before-start by update, the first before-phone-reset by the approve signal, the second by decideGate-signal',
    async run(d) {
      const handle = await start(d, 'recoverTrust', {
        clusterId: CLUSTER,
        requestedBy: 'rec',
        reason: 'recording',
        registrationPollSeconds: 1,
      });
      await decideGates(handle, ['before-start'], 'approve');
      await pendingGate(handle, 'before-phone-reset');
      await handle.signal('approve', { approver: 'recorder', comment: 'round 1' });
      // The second round's gate: wait until the first one is decided and the next is pending.
      for (;;) {
        const gate = await pendingGate(handle, 'before-phone-reset');
        if (!gate.id.endsWith('-2')) {
          await handle.signal('decideGate-signal', { gateId: gate.id, decision: 'approve', by: 'recorder' });
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      await handle.result();
      return [d.id];
    },
  },
];

/** The activities with `faults` injected: each fails non-retryably (so at once) on its first matching calls. */
function withFaults(activities: Activities, faults: Fault[] = []): Activities {
  const wrapped: Record<string, unknown> = { ...activities };
  for (const fault of faults) {
    let left = fault.times;
    const real = (activities as unknown as Record<string, unknown>)[fault.activity] as (
      input: Record<string, unknown>,
    ) => Promise<unknown>;
    wrapped[fault.activity] = async (input: Record<string, unknown>) => {
      if (left > 0 && (!fault.when || fault.when(input))) {
        left -= 1;
        throw ApplicationFailure.nonRetryable(
          `injected by record-histories: ${fault.activity} failed`,
          'InjectedFault',
        );
      }
      return real(input);
    };
  }
  return wrapped as Activities;
}

function parseArgs(argv: string[]): { only?: Set<string>; out: string; workflows: string; prefix: string } {
  let only: Set<string> | undefined;
  let out = HISTORIES_DIR;
  let workflows = productWorkflows;
  let prefix = '';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only = new Set((argv[++i] ?? '').split(',').filter(Boolean));
    else if (argv[i] === '--out') out = resolve(argv[++i] ?? out);
    else if (argv[i] === '--workflows') workflows = resolve(argv[++i] ?? workflows);
    else if (argv[i] === '--prefix') prefix = argv[++i] ?? '';
    else throw new Error(`unknown argument ${argv[i]} (use --only, --out, --workflows, --prefix)`);
  }
  const unknown = [...(only ?? [])].filter((n) => !RECORDINGS.some((r) => r.name === n));
  if (unknown.length) throw new Error(`unknown recording(s) ${unknown.join(', ')}`);
  return { only, out, workflows, prefix };
}

async function main(): Promise<void> {
  const { only, out, workflows, prefix } = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const binary = await ensureTemporalBinary('cli', log);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: binary.path },
      extraArgs: SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.cliType}`]),
    },
  });
  const node = (name: string, role: 'publisher' | 'subscriber') => ({ name, role });
  const sim = await startSimulator(
    [
      {
        id: CLUSTER,
        version: '14.0.1.13900-155',
        securityMode: 1,
        nodes: [node('pub', 'publisher'), node('sub1', 'subscriber')],
        phones: { count: 60, secureShare: 0.5, registerDelayMs: [1000, 3000] },
        expiredTrustPerStore: 1,
      },
      {
        id: SKIP_CLUSTER,
        version: '14.0.1.13900-155',
        nodes: [node('pub', 'publisher'), node('sub1', 'subscriber')],
        phones: { count: 10 },
      },
      {
        id: CA_CLUSTER,
        version: '14.0.1.13900-155',
        caSignedUnits: ['tomcat'],
        nodes: [node('pub', 'publisher'), node('sub1', 'subscriber')],
        phones: { count: 10 },
      },
    ],
    { timeScale: 0.01 },
  );
  try {
    const { inventory, secrets } = inventoryFromEndpoints(sim.endpoints.clusters, (id, user) => `mem:${id}/${user}`);
    const activities = createActivities({
      inventory,
      resolveSecret: (ref) => {
        const value = secrets.get(ref);
        if (value === undefined) throw new Error(`unknown secret ${ref}`);
        return value;
      },
    });
    log(`bundling ${workflows}`);
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: workflows, logger: new DefaultLogger('ERROR') });
    const histories = new Map<string, unknown[]>();
    for (const recording of RECORDINGS.filter((r) => !only || only.has(r.name))) {
      const t1 = performance.now();
      // A worker per recording: its own task queue and its own injected faults.
      const taskQueue = `record-${recording.name}-${process.pid}`;
      const worker = await createWorker({
        connection: env.nativeConnection,
        namespace: 'default',
        taskQueue,
        activities: withFaults(activities, recording.faults),
        workflowBundle,
      });
      const ids = await worker.runUntil(
        recording.run({ client: env.client, taskQueue, id: `${recording.name}-${Date.now()}`, sim }),
      );
      const saved: unknown[] = [];
      for (const id of ids) {
        const history = await env.client.workflow.getHandle(id).fetchHistory();
        saved.push({ workflowId: id, history: historyToJsonValue(history) });
      }
      histories.set(recording.name, saved);
      log(`${recording.name}: ${ids.length} workflow(s) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }
    mkdirSync(out, { recursive: true });
    // A full re-recording replaces the folder's own files (not kept/), so a dropped recording leaves no stale file.
    if (!only) for (const f of readdirSync(out)) if (f.endsWith('.json')) rmSync(join(out, f));
    for (const [name, saved] of histories) {
      const file = join(out, `${prefix}${name}.json`);
      const recording = RECORDINGS.find((r) => r.name === name);
      // Formatted as Prettier would, so `npm run lint` (prettier --check .) passes on the fixtures as written.
      // Stack traces in recorded failures name the recording machine's paths: the repository's root becomes
      // `<repo>` so a fixture holds no path of a build machine (replay never reads a stack trace).
      const json = JSON.stringify({
        recordedAt: new Date().toISOString(),
        covers: recording?.covers,
        workflowsPath: workflows === productWorkflows ? undefined : workflows,
        workflows: saved,
      }).replaceAll(JSON.stringify(repoRoot).slice(1, -1), '<repo>');
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
