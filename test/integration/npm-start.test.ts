/**
 * `npm start` as a newcomer runs it: the whole process tree on embedded defaults (dev server with SQLite, simulator,
 * worker, API). A regeneration completes through the API; the demo cluster's first expiry watch runs at start, so
 * /metrics and its expiry-watch document have data on day one; Ctrl-C stops everything; a second start still shows
 * the earlier run (SQLite persistence).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../support/net';
import { getJson, postJson } from '../support/system';

const root = join(__dirname, '..', '..');

interface Launched {
  child: ChildProcess;
  output: string[];
  exit: Promise<number | null>;
}

function launch(env: NodeJS.ProcessEnv): Launched {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exit };
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start (the whole system on embedded defaults)', function () {
  this.timeout(180_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'ccr-start-'));
  let ports: { api: number; temporal: number; ui: number };
  let env: NodeJS.ProcessEnv;
  let running: Launched | undefined;
  let launchedAt = 0;

  before(async () => {
    ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
    env = {
      DATA_DIR: dataDir,
      API_PORT: String(ports.api),
      TEMPORAL_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      SIMULATOR_TIME_SCALE: '0.02',
      CUCM_INVENTORY: '',
      TEMPORAL_ADDRESS: '',
    };
  });
  after(async () => {
    if (running?.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exit;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = () => `http://127.0.0.1:${ports.api}`;
  async function startAndWait(): Promise<Launched> {
    const launched = launch(env);
    running = launched;
    launchedAt = Date.now();
    await waitFor(
      'GET /healthz = 200',
      async () => ((await fetch(`${api()}/healthz`)).status === 200 ? true : undefined),
      120_000,
      500,
    );
    await waitFor(
      'the ready banner',
      () => Promise.resolve(launched.output.join('').includes('Stop: Ctrl-C') ? true : undefined),
      10_000,
    );
    return launched;
  }
  async function stop(launched: Launched): Promise<void> {
    launched.child.kill('SIGINT');
    assert.equal(await launched.exit, 0, launched.output.join('').slice(-2000));
  }

  let runId = '';

  it('starts everything, prints the URLs, and runs the skeleton regeneration to completion', async () => {
    const launched = await startAndWait();
    const banner = launched.output.join('');
    assert.match(banner, new RegExp(`API docs\\s+http://127\\.0\\.0\\.1:${ports.api}/docs`));
    assert.match(banner, new RegExp(`Temporal UI\\s+http://127\\.0\\.0\\.1:${ports.ui}`));
    assert.equal((await fetch(`http://127.0.0.1:${ports.ui}/`)).status, 200, 'the Temporal Web UI answers');

    const started = await postJson(`${api()}/v1/clusters/demo/regenerations`, { units: ['tomcat'], approvals: [] });
    assert.equal(started.status, 202);
    runId = started.json.id as string;
    const done = await waitFor(
      'completion',
      async () => {
        const { json } = await getJson(`${api()}/v1/regenerations/${runId}`);
        return json.status === 'completed' || json.status === 'failed' ? json : undefined;
      },
      60_000,
      500,
    );
    assert.equal(done.status, 'completed', JSON.stringify(done));

    // The console is for a person: the API's lines are readable, not pino JSON, and the /healthz polls above
    // (every 500 ms) are not logged.
    const apiLines = launched.output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('[api]'));
    assert.ok(
      apiLines.some((l) => l.includes('/v1/clusters/demo/regenerations')),
      `the API logged no line for the POST:\n${apiLines.slice(-20).join('\n')}`,
    );
    const json = apiLines.filter((l) => l.includes('"level":'));
    assert.deepEqual(json, [], 'the API printed raw JSON log lines under npm start');
    const polls = apiLines.filter((l) => l.includes('/healthz'));
    assert.deepEqual(polls, [], 'the API logged the /healthz polls');
  });

  it("runs the demo cluster's first expiry watch at start: /metrics and GET .../expiry-watch show its readings", async () => {
    // A fresh data folder: the worker creates the Schedule, which takes its first action at once (no 06:00 wait).
    const lines = await waitFor(
      "cucm_certificate_expiry_days of the demo cluster on the API's GET /metrics",
      async () => {
        const text = await (await fetch(`${api()}/metrics`)).text();
        const found = text.split('\n').filter((l) => l.startsWith('cucm_certificate_expiry_days{cluster="demo",'));
        return found.length ? found : undefined;
      },
      150_000,
      1_000,
    );
    console.log(
      `      [expiry] ${lines.length} series on /metrics ${((Date.now() - launchedAt) / 1000).toFixed(0)} s after npm start, e.g. ${lines[0]}`,
    );
    assert.ok(
      lines.some((l) => /unit="tomcat"} \d+$/.test(l)),
      `no days-left reading of tomcat among:\n${lines.join('\n')}`,
    );
    // The gauges are set during the run; the document shows it once the run has completed.
    const watch = await waitFor('the first watch, completed, in GET /v1/clusters/demo/expiry-watch', async () => {
      const { status, json } = await getJson(`${api()}/v1/clusters/demo/expiry-watch`);
      assert.equal(status, 200, JSON.stringify(json));
      return (json.lastRun as { status?: string } | null)?.status === 'COMPLETED' ? json : undefined;
    });
    const last = watch.lastRun as { result?: { certificates: unknown[] } };
    assert.ok((last.result?.certificates.length ?? 0) > 0, `the watch read no certificate: ${JSON.stringify(last)}`);
    assert.equal(watch.state, 'active');
  });

  it('stops every process on Ctrl-C', async () => {
    assert.ok(running);
    await stop(running);
    for (const port of [ports.api, ports.temporal, ports.ui])
      assert.equal(await portOpen(port), false, `port ${port} still open`);
    assert.match(running.output.join(''), /\[start\] stopped/);
  });

  it('shows the earlier run after a restart (SQLite persistence)', async () => {
    const launched = await startAndWait();
    const again = await getJson(`${api()}/v1/regenerations/${runId}`);
    assert.equal(again.status, 200);
    assert.equal(again.json.status, 'completed');
    await stop(launched);
  });
});
