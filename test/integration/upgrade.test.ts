/**
 * An upgrade with a run in flight, as an operator does it (docs/operations.md, "Upgrading"): the last release's
 * worker (test/fixtures/last-release.json, its source taken from git) starts a tomcat run, which waits at its
 * before-start gate; that worker is stopped and this code's worker started in its place; the gate is approved and
 * the run completes, its certificate regenerated exactly once (the simulator's event log). A run started after the
 * upgrade is carried by the new worker alone (the worker identity of every workflow task in its history).
 */
import assert from 'node:assert/strict';
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApiProcess, stopApiProcess, type ApiProcess } from '../support/api-process';
import { waitFor } from '../support/net';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { getJson, postJson } from '../support/system';
import { sharedDevServer, uniqueTaskQueue } from '../support/temporal';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';

const root = join(__dirname, '..', '..');
const release = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'last-release.json'), 'utf8')) as {
  tag: string;
  commit: string;
};

/** The release's source tree in `dir`, with dependencies: this checkout's when its lockfile is the same. */
function checkOutRelease(dir: string): void {
  // The tag when the clone has it, else the commit the file records (a clone without tags).
  const commit = [release.tag, release.commit]
    .filter(Boolean)
    .map((ref) =>
      spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root, encoding: 'utf8' }),
    )
    .find((r) => r.status === 0)
    ?.stdout.trim();
  if (!commit)
    throw new Error(
      `the last release ${release.tag} (${release.commit || 'no commit recorded'}) is not in this clone: fetch the full history (git fetch --unshallow --tags)`,
    );
  mkdirSync(dir, { recursive: true });
  execSync(`git archive ${commit} | tar -x -C ${JSON.stringify(dir)}`, { cwd: root, stdio: 'pipe' });
  const sameLock =
    readFileSync(join(dir, 'package-lock.json'), 'utf8') === readFileSync(join(root, 'package-lock.json'), 'utf8');
  if (sameLock) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  else execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'pipe' });
}

/** The identities of the workers that completed the run's workflow tasks, in order, without repeats in a row. */
async function taskIdentities(env: TestWorkflowEnvironment, workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const identities: string[] = [];
  for (const event of history.events ?? []) {
    const identity = event.workflowTaskCompletedEventAttributes?.identity;
    if (identity && identities.at(-1) !== identity) identities.push(identity);
  }
  return identities;
}

describe(`an upgrade from the last release (${release.tag}) with a run waiting at a gate`, function () {
  this.timeout(600_000);
  let dir: string;
  let env: TestWorkflowEnvironment;
  let lab: SimulatedCluster;
  let workers: WorkerProcesses | undefined;
  let api: ApiProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccr-upgrade-'));
    checkOutRelease(join(dir, 'release'));
    env = await sharedDevServer();
    lab = await startSimulatedCluster(
      [{ id: 'upg1', version: '15.0.1.10000-1', nodes: [{ name: 'cucm-pub', role: 'publisher' }] }],
      0.05,
    );
    workers = workerProcesses(lab.sim, { temporalAddress: env.address, taskQueue: uniqueTaskQueue('upgrade') });
    api = await startApiProcess(workers.env);
  });
  after(async () => {
    await stopApiProcess(api);
    await workers?.stopAll();
    await lab?.sim.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const doc = async (id: string) => (await getJson(`${api?.baseUrl ?? ''}/v1/regenerations/${id}`)).json;
  const ended = (id: string) =>
    waitFor(`${id} to end`, async () => {
      const d = await doc(id);
      return !['running', 'awaiting-approval'].includes(d.status as string) ? d : undefined;
    });

  it('completes the run the old worker started, once, and runs new starts on the new worker alone', async () => {
    const releaseWorker = join(dir, 'release', 'worker', 'main.ts');
    assert.ok(existsSync(releaseWorker), `the release has no worker/main.ts`);
    const oldWorker = await workers!.start({ args: ['--import', 'tsx', releaseWorker], cwd: join(dir, 'release') });

    const started = await postJson(`${api?.baseUrl ?? ''}/v1/clusters/upg1/regenerations`, { units: ['tomcat'] });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const first = started.json.id as string;
    const gate = await waitFor('the before-start gate', async () => {
      const d = await doc(first);
      const gates = (d.pendingGates ?? []) as Array<{ id: string; kind: string }>;
      return gates.find((g) => g.kind === 'before-start');
    });
    const before = await taskIdentities(env, first);

    // The upgrade: the old worker drains and exits; this code's worker takes the task queue.
    await workers!.stop(oldWorker);
    await workers!.start();

    const approved = await postJson(`${api?.baseUrl ?? ''}/v1/regenerations/${first}/gates/${gate.id}`, {
      decision: 'approve',
      comment: 'after the upgrade',
    });
    assert.equal(approved.status, 200, JSON.stringify(approved.json));
    const done = await ended(first);
    assert.equal(
      done.status,
      'completed',
      `the run in flight ended ${String(done.status)}: ${JSON.stringify(done.error)}`,
    );
    const regenerations = await lab.control.events('upg1', { kind: 'cert-regenerated' });
    assert.equal(regenerations.length, 1, `tomcat was regenerated ${regenerations.length} times across the upgrade`);
    const across = await taskIdentities(env, first);
    assert.ok(
      before.length > 0 && across.length > before.length,
      `the run's tasks were not carried by both workers: ${across.join(' → ')}`,
    );

    // The cluster's lease is released just after the first run ends: start when the entity takes it.
    const second = await waitFor('the second run to start', async () => {
      const r = await postJson(`${api?.baseUrl ?? ''}/v1/clusters/upg1/regenerations`, {
        units: ['tomcat'],
        approvals: [],
      });
      return r.status === 409 ? undefined : r;
    });
    assert.equal(second.status, 202, `the second start was refused: ${JSON.stringify(second.json)}`);
    const secondDone = await ended(second.json.id as string);
    assert.equal(secondDone.status, 'completed', JSON.stringify(secondDone.error));
    const identities = await taskIdentities(env, second.json.id as string);
    assert.equal(identities.length, 1, `a run started after the upgrade was carried by ${identities.join(', ')}`);
    assert.ok(!before.includes(identities[0] ?? ''), 'a run started after the upgrade ran on the old worker');
  });
});
