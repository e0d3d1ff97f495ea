/**
 * Temporal's standard client settings, end to end on the CLI's dev server (no authorizer there: the JWT case runs on
 * the real server, test/production/temporal-auth.test.ts): the worker reaches Temporal through a profile of the
 * TOML config file alone, and a namespace that does not exist, or an API key sent over TLS to a server without TLS,
 * stop the worker and the API at start with exit code 1 and what to set.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import { runToExit } from '../support/run-to-exit';
import { sharedDevServer, uniqueTaskQueue } from '../support/temporal';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';

describe('Temporal connection settings against a running Temporal (dev server)', function () {
  this.timeout(120_000);
  let sim: RunningSimulator;
  let workers: WorkerProcesses;
  let address: string;

  before(async () => {
    address = (await sharedDevServer()).address;
    sim = await startSimulator(
      [{ id: 'conn', version: '14.0.1.13900-155', nodes: [{ name: 'pub', role: 'publisher' }] }],
      { timeScale: 0.02 },
    );
    workers = workerProcesses(sim, { temporalAddress: address, taskQueue: uniqueTaskQueue('connection') });
  });
  after(async () => {
    await workers?.stopAll();
    await sim?.stop();
  });

  it('the worker polls with its address and namespace from TEMPORAL_PROFILE of TEMPORAL_CONFIG_FILE alone', async () => {
    const file = join(workers.dir, 'temporal.toml');
    writeFileSync(file, `[profile.lab]\naddress = "${address}"\nnamespace = "default"\n`);
    // TEMPORAL_ADDRESS="" counts as unset: the address must come from the profile (the fallback, the dev server's
    // 127.0.0.1:TEMPORAL_PORT, points where nothing listens).
    Object.assign(workers.env, {
      TEMPORAL_ADDRESS: '',
      TEMPORAL_PORT: '9',
      TEMPORAL_CONFIG_FILE: file,
      TEMPORAL_PROFILE: 'lab',
    });
    try {
      await workers.start(); // resolves on "polling task queue ... on <address>", rejects if it exits
    } finally {
      Object.assign(workers.env, {
        TEMPORAL_ADDRESS: address,
        TEMPORAL_PORT: '',
        TEMPORAL_CONFIG_FILE: '',
        TEMPORAL_PROFILE: '',
      });
    }
  });

  for (const entry of ['worker/main.ts', 'api/main.ts'])
    describe(entry, () => {
      const start = (env: NodeJS.ProcessEnv) =>
        runToExit(entry, { ...workers.env, API_AUTH_DISABLED: 'true', API_TOKENS: '', ...env });

      it('stops at start on a namespace that does not exist, naming it and what to set', async () => {
        const { code, output } = await start({ TEMPORAL_NAMESPACE: 'no-such-namespace' });
        assert.equal(code, 1, `it did not exit 1; its output:\n${output}`);
        assert.match(
          output,
          new RegExp(`namespace "no-such-namespace" does not exist on Temporal at ${address}`),
          output,
        );
        assert.match(
          output,
          /Create it with `npx tsx scripts\/temporal-setup\.ts namespace` \(in the release: `node dist\/scripts\/temporal-setup\.js namespace`.*set TEMPORAL_NAMESPACE/,
          output,
        );
      });

      it('stops at start when an API key turns TLS on against a server without TLS, naming TEMPORAL_TLS=false', async () => {
        const { code, output } = await start({ TEMPORAL_API_KEY: 'some-key' });
        assert.equal(code, 1, `it did not exit 1; its output:\n${output}`);
        assert.match(output, /did not answer over TLS, which the API key turns on \(TEMPORAL_TLS=false/, output);
        assert.ok(!output.includes('some-key'), `the key was printed:\n${output}`);
      });
    });
});
