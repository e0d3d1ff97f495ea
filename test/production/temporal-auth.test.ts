/**
 * The product against a Temporal cluster that demands a token: the real Temporal server (test/support/
 * temporal-cluster.ts) with its JWT authorizer on (default claim mapper and authorizer, keys from a JWKS this test
 * serves over HTTP, test/support/jwt-issuer.ts), tokens signed by the test given to the processes as
 * TEMPORAL_API_KEY, Temporal's standard variable (config/temporal.ts).
 *
 * - Without a token, or with one signed by a key the JWKS does not hold, the worker, the API and the operators'
 *   namespace setup stop at start: exit code 1, a message saying what they sent and which variable to set, the
 *   token never printed.
 * - With a token granting `default:write` (no admin, no system role), the worker polls and the API serves: a tomcat
 *   regeneration started over REST completes, regenerated once on the simulated node (its event log), and the token
 *   is nowhere in the run's history.
 */
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import { startApiProcess, stopApiProcess, type ApiProcess } from '../support/api-process';
import { startControl, type Control } from '../support/control';
import { regenerationsIn } from '../support/event-log';
import { startJwtIssuer, type JwtIssuer } from '../support/jwt-issuer';
import { waitFor } from '../support/net';
import { runToExit } from '../support/run-to-exit';
import { getJson, postJson } from '../support/system';
import { uniqueTaskQueue } from '../support/temporal';
import { startRealTemporal, type RealTemporal } from '../support/temporal-cluster';
import { workerProcesses, type WorkerProcesses } from '../support/worker-process';

const CLUSTER = 'authlab';

describe('production: a Temporal that demands a token (the real server, JWT authorizer)', function () {
  // The first run on a machine builds the server from its Go module (about 7 minutes on 2 cores) before anything.
  this.timeout(30 * 60_000);
  let issuer: JwtIssuer;
  let temporal: RealTemporal;
  let sim: RunningSimulator;
  let control: Control;
  let workers: WorkerProcesses;
  let api: ApiProcess | undefined;

  before(async () => {
    issuer = await startJwtIssuer();
    temporal = await startRealTemporal({
      processes: 1,
      authorization: {
        jwksUrl: issuer.jwksUrl,
        adminApiKey: issuer.token('cucm-cert-regen-setup', ['temporal-system:admin']),
      },
    });
    sim = await startSimulator(
      [{ id: CLUSTER, version: '14.0.1.13900-155', nodes: [{ name: 'pub', role: 'publisher' }] }],
      { timeScale: 0.02 },
    );
    control = await startControl(sim);
    workers = workerProcesses(sim, { temporalAddress: temporal.address, taskQueue: uniqueTaskQueue('auth') });
    // The test cluster's frontend has no TLS; an API key would otherwise turn TLS on.
    workers.env.TEMPORAL_TLS = 'false';
  });
  after(async () => {
    await stopApiProcess(api);
    await workers?.stopAll();
    await control?.close();
    await sim?.stop();
    await temporal?.stop();
    await issuer?.close();
  });

  const refusals = [
    { what: 'no token', key: undefined, sent: 'which sent no API key' },
    {
      what: 'a token signed by a key the JWKS does not hold',
      key: () => issuer.foreignToken('intruder', ['default:admin']),
      sent: "which sent an API key \\(TEMPORAL_API_KEY or the profile's api_key\\)",
    },
  ];
  const entries = [
    { name: 'worker', entry: 'worker/main.ts', args: [] },
    { name: 'API', entry: 'api/main.ts', args: [] },
    { name: 'namespace setup', entry: 'scripts/temporal-setup.ts', args: ['namespace'] },
  ];
  for (const { what, key, sent } of refusals)
    for (const { name, entry, args } of entries)
      it(`the ${name} with ${what} stops at start, saying what to set`, async () => {
        const token = key?.();
        const { code, output } = await runToExit(
          entry,
          { ...workers.env, API_AUTH_DISABLED: 'true', API_TOKENS: '', TEMPORAL_API_KEY: token ?? '' },
          { args, timeoutMs: 60_000 },
        );
        assert.equal(code, 1, `the ${name} did not exit 1; its output:\n${output}`);
        assert.match(output, new RegExp(`Temporal at ${temporal.address} \\(namespace default`), output);
        assert.match(output, new RegExp(`${sent}: .*(Request unauthorized|permission)`), output);
        assert.match(output, /Set TEMPORAL_API_KEY to a key or token that grants this namespace/, output);
        if (token) assert.ok(!output.includes(token), `the ${name} printed the token:\n${output}`);
        console.log(`      ${output.trim().split('\n').at(-1)?.slice(0, 240)} ...`);
      });

  it('the worker and the API with a default:write token: a regeneration started over REST completes', async () => {
    const token = issuer.token('cucm-cert-regen', ['default:write']);
    workers.env.TEMPORAL_API_KEY = token;
    await workers.start(); // resolves once it polls; rejects with its output if it exits
    api = await startApiProcess(workers.env);
    const since = await control.lastSeq(CLUSTER);
    const started = await postJson(`${api.baseUrl}/v1/clusters/${CLUSTER}/regenerations`, {
      units: ['tomcat'],
      approvals: [],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = started.json.id as string;
    const done = await waitFor(
      `regeneration ${id} to end`,
      async () => {
        const { json } = await getJson(`${api!.baseUrl}/v1/regenerations/${id}`);
        return ['completed', 'failed', 'aborted', 'cancelled'].includes(json.status as string) ? json : undefined;
      },
      180_000,
      500,
    );
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.deepEqual(regenerationsIn(await control.events(CLUSTER, { since })), ['pub:tomcat']);
    const history = JSON.stringify(await temporal.client.workflow.getHandle(id).fetchHistory());
    assert.ok(!history.includes(token), 'the token is in the workflow history');
  });
});
