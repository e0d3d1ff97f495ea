/**
 * A bulk reset of 40,000 phones survives a worker crash: the worker process is killed half way (SIGKILL, no
 * goodbye), another one starts, and the activity resumes from its heartbeat cursor. The simulator's event log
 * shows every phone reset exactly once. Real processes, real Temporal, real AXL and RisPort.
 */
import assert from 'node:assert/strict';
import { bulkResetPhones } from '../../workflows/reset-phones';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import { startControl, type Control } from '../support/control';
import { waitFor } from '../support/net';
import { sharedDevServer, uniqueTaskQueue } from '../support/temporal';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';

const PHONES = Number(process.env.RESET_TEST_PHONES ?? 40_000);

describe(`bulk phone reset across a worker crash (${PHONES} phones)`, function () {
  this.timeout(240_000);
  let sim: RunningSimulator;
  let control: Control;
  let workers: WorkerProcesses | undefined;

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
    control = await startControl(sim);
  });
  after(async () => {
    await workers?.stopAll();
    await control?.close();
    await sim?.stop();
  });

  it('resumes from the cursor after the worker is killed, and resets no phone twice', async () => {
    const temporal = await sharedDevServer();
    const taskQueue = uniqueTaskQueue('resume');
    workers = workerProcesses(sim, { temporalAddress: temporal.address, taskQueue });
    const first = await workers.start();
    const started = Date.now();
    const handle = await temporal.client.workflow.start(bulkResetPhones, {
      workflowId: `bulk-reset-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'big', batchSize: 200, heartbeatTimeout: '10 seconds' }],
    });
    // The phones reset so far, from the simulator's event log (read incrementally over its control API).
    const resetPhones = new Set<string>();
    let seen = 0;
    const resetSoFar = async () => {
      for (const e of await control.events('big', { kind: 'phone-reset', since: seen })) {
        resetPhones.add(e.detail.phone ?? '');
        seen = e.seq;
      }
      return resetPhones.size;
    };
    await waitFor(
      'half the phones reset',
      async () => ((await resetSoFar()) >= PHONES / 2 ? true : undefined),
      180_000,
      20,
    );
    await workers.kill(first);
    const atKill = await resetSoFar();
    await workers.start();
    const result = await handle.result();
    const seconds = (Date.now() - started) / 1000;

    const resets = (await control.events('big', { kind: 'phone-reset' })).map((e) => e.detail.phone);
    const names = new Set(resets);
    assert.equal(names.size, PHONES, 'no phone left out');
    assert.equal(resets.length, PHONES, 'no phone reset twice: the event log holds one reset per phone');
    assert.ok(result.resumedFrom !== undefined && result.resumedFrom > 0, 'the retry resumed from a heartbeat cursor');
    assert.equal((result.resumedFrom ?? 0) + result.skippedAlreadyReset + result.reset, PHONES);
    console.log(
      `      [figures] ${PHONES} phones in ${seconds.toFixed(1)} s; worker killed after ${atKill} resets; resumed from cursor ${result.resumedFrom}, ` +
        `${result.skippedAlreadyReset} found already reset in RisPort, ${result.reset} reset by the second worker`,
    );
  });
});
