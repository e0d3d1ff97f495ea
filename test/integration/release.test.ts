/**
 * The release as production runs it: `npm run build` output, with production dependencies only (`npm ci
 * --omit=dev` beside it, outside the repository, so nothing resolves from the development tree), run with plain
 * `node` (no tsx): the compiled worker loads the workflow bundle built at build time, and the compiled API and worker
 * regenerate tomcat on a simulated node. The same bundle file replays every recorded history.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApiProcess, stopApiProcess, type ApiProcess } from '../support/api-process';
import { waitFor } from '../support/net';
import { recordedFiles, replayFixture } from '../support/recorded-histories';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { getJson, postJson } from '../support/system';
import { sharedDevServer, uniqueTaskQueue } from '../support/temporal';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';

const root = join(__dirname, '..', '..');

describe('the release (npm run build, production dependencies only, plain node)', function () {
  this.timeout(600_000);
  let dir: string;
  let dist: string;
  let env: TestWorkflowEnvironment;
  let lab: SimulatedCluster;
  let workers: WorkerProcesses | undefined;
  let api: ApiProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccr-release-'));
    dist = join(dir, 'dist');
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build.ts'), '--out', dist], {
      cwd: root,
      stdio: 'pipe',
    });
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(root, 'package-lock.json'), join(dir, 'package-lock.json'));
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: dir,
      stdio: 'pipe',
    });
    env = await sharedDevServer();
    lab = await startSimulatedCluster(
      [{ id: 'rel1', version: '15.0.1.10000-1', securityMode: 0, nodes: [{ name: 'cucm-pub', role: 'publisher' }] }],
      0.05,
    );
  });
  after(async () => {
    await stopApiProcess(api);
    await workers?.stopAll();
    await lab?.sim.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs no development package: no tsx, no test framework, no Temporal test server', () => {
    const installed = readdirSync(join(dir, 'node_modules'));
    for (const dev of ['tsx', 'mocha', 'typescript', 'eslint', 'smtp-server', 'playwright-core'])
      assert.ok(!installed.includes(dev), `${dev} is installed by npm ci --omit=dev: move it to devDependencies`);
    assert.ok(
      !existsSync(join(dir, 'node_modules', '@temporalio', 'testing')),
      '@temporalio/testing is installed by npm ci --omit=dev: move it to devDependencies',
    );
    assert.ok(existsSync(join(dist, 'workflow-bundle.js')), 'npm run build wrote no dist/workflow-bundle.js');
    // The setup script compose runs loads with production dependencies only (it answers a wrong step with its usage).
    const setup = spawnSync(process.execPath, [join(dist, 'scripts', 'temporal-setup.js'), 'wrong-step'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.match(setup.stderr, /usage: .*temporal-setup\.ts schema\|namespace\|all/, setup.stderr);
  });

  it('replays every recorded history with the bundle built at build time', async () => {
    const files = recordedFiles();
    assert.ok(files.length > 0, 'no recorded histories in test/fixtures/histories');
    const failures: string[] = [];
    for (const file of files)
      failures.push(...(await replayFixture(file, { codePath: join(dist, 'workflow-bundle.js') })));
    assert.deepEqual(failures, [], 'a recorded history does not replay on the bundle npm run build wrote');
  });

  it('regenerates tomcat with the compiled worker and API, the worker loading the built bundle', async () => {
    workers = workerProcesses(lab.sim, { temporalAddress: env.address, taskQueue: uniqueTaskQueue('release') });
    workers.env.NODE_ENV = 'production';
    // Run from the release folder, so nothing resolves from this checkout's node_modules.
    const compiled = (entry: string) => ({ args: [join(dist, entry, 'main.js')], cwd: dir });
    const worker = await workers.start(compiled('worker'));
    assert.match(
      workers.output(worker),
      /workflow bundle .*workflow-bundle\.js \(built at build time\)/,
      `the compiled worker did not load the built bundle; its output:\n${workers.output(worker)}`,
    );
    api = await startApiProcess(workers.env, compiled('api'));
    const baseUrl = api.baseUrl;

    const serialBefore = await lab.control.serial('rel1', 'cucm-pub', 'tomcat');
    const started = await postJson(`${baseUrl}/v1/clusters/rel1/regenerations`, { units: ['tomcat'], approvals: [] });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    const done = await waitFor(`${id} to end`, async () => {
      const { json } = await getJson(`${baseUrl}/v1/regenerations/${id}`);
      return !['running', 'awaiting-approval'].includes(json.status as string) ? json : undefined;
    });
    assert.equal(done.status, 'completed', `the run ended ${String(done.status)}: ${JSON.stringify(done.error)}`);
    assert.notEqual(
      await lab.control.serial('rel1', 'cucm-pub', 'tomcat'),
      serialBefore,
      'the tomcat serial did not change',
    );
  });
});
