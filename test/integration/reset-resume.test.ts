/**
 * A bulk reset of 40,000 phones survives a worker crash: the worker process is killed half way (SIGKILL, no
 * goodbye), another one starts, and the activity resumes from its heartbeat cursor. The simulator's event log
 * shows every phone reset exactly once. Real processes, real Temporal, real AXL and RisPort.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bulkResetPhones } from '../../workflows/reset-phones';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../../simulator/inventory';
import { waitFor } from '../support/net';
import { secretsOfThisRun } from '../support/simulator';
import { sharedDevServer, uniqueTaskQueue } from '../support/temporal';

const PHONES = Number(process.env.RESET_TEST_PHONES ?? 40_000);
const root = join(__dirname, '..', '..');

describe(`bulk phone reset across a worker crash (${PHONES} phones)`, function () {
  this.timeout(240_000);
  let sim: RunningSimulator;
  const dir = mkdtempSync(join(tmpdir(), 'ccr-resume-'));
  const workers: ChildProcess[] = [];

  before(async () => {
    sim = await startSimulator(
      [
        {
          id: 'big',
          version: '14.0.1.13900-155',
          nodes: [
            { name: 'pub', role: 'publisher' },
            { name: 'sub1', role: 'subscriber' },
          ],
          phones: { count: PHONES, registerDelayMs: [20_000, 60_000] },
        },
      ],
      { timeScale: 0.01 },
    );
  });
  after(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'worker', 'main.ts')], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: [
        'ignore',
        process.env.DEBUG_WORKERS ? 'inherit' : 'ignore',
        process.env.DEBUG_WORKERS ? 'inherit' : 'ignore',
      ],
    });
    workers.push(child);
    return child;
  }

  it('resumes from the cursor after the worker is killed, and resets no phone twice', async () => {
    const temporal = await sharedDevServer();
    const { inventory, secrets } = inventoryFromEndpoints(
      sim.endpoints.clusters,
      (id, user) => `file:${join(dir, `${id}-${user}`)}`,
    );
    for (const [ref, value] of secrets) {
      writeFileSync(ref.slice('file:'.length), value, { mode: 0o600 });
      secretsOfThisRun.add(value);
    }
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    const taskQueue = uniqueTaskQueue('resume');
    const env = {
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      CUCM_INVENTORY: join(dir, 'inventory.json'),
      DATA_DIR: dir,
    };

    const first = startWorker(env);
    const started = Date.now();
    const handle = await temporal.client.workflow.start(bulkResetPhones, {
      workflowId: `bulk-reset-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'big', batchSize: 200, heartbeatTimeout: '10 seconds' }],
    });
    const cluster = sim.cluster('big');
    const resetSoFar = () => cluster.phones.list.reduce((n, p) => n + (p.resets > 0 ? 1 : 0), 0);
    await waitFor('half the phones reset', async () => (resetSoFar() >= PHONES / 2 ? true : undefined), 180_000, 20);
    first.kill('SIGKILL');
    const atKill = resetSoFar();
    startWorker(env);
    const result = await handle.result();
    const seconds = (Date.now() - started) / 1000;

    const twice = cluster.phones.list.filter((p) => p.resets > 1).map((p) => p.name);
    const never = cluster.phones.list.filter((p) => p.resets === 0).map((p) => p.name);
    assert.deepEqual(twice, [], 'no phone reset twice');
    assert.deepEqual(never, [], 'no phone left out');
    assert.equal(
      cluster.events.list({ kind: 'phone-reset' }).length,
      PHONES,
      'the event log holds one reset per phone',
    );
    assert.ok(result.resumedFrom !== undefined && result.resumedFrom > 0, 'the retry resumed from a heartbeat cursor');
    assert.equal((result.resumedFrom ?? 0) + result.skippedAlreadyReset + result.reset, PHONES);
    console.log(
      `      [figures] ${PHONES} phones in ${seconds.toFixed(1)} s; worker killed after ${atKill} resets; resumed from cursor ${result.resumedFrom}, ` +
        `${result.skippedAlreadyReset} found already reset in RisPort, ${result.reset} reset by the second worker`,
    );
  });
});
