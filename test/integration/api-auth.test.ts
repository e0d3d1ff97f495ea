/**
 * Authentication and roles over HTTP, the open operational endpoints (/healthz, /readyz, /metrics, /docs), and the
 * API process's own rule: no token configured, no start, unless API_AUTH_DISABLED=true (said loudly).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { METRIC_NAMES } from '../../api/metrics';
import type { ClusterConfig } from '../../simulator/model';
import { freePort, waitFor } from '../support/net';
import { startSystem, type System } from '../support/system';

const root = join(__dirname, '..', '..');
const CLUSTER: ClusterConfig = {
  id: 'auth1',
  version: '14.0.1.13900-155',
  nodes: [{ name: 'auth-pub', role: 'publisher' }],
};

const tokens = {
  vera: randomBytes(24).toString('hex'),
  olivia: randomBytes(24).toString('hex'),
  arthur: randomBytes(24).toString('hex'),
};

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

async function call(
  url: string,
  init: { method?: string; token?: string; authorization?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.authorization) headers.authorization = init.authorization;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text },
  };
}

describe('API: authentication, roles and the open operational endpoints', function () {
  this.timeout(120_000);
  let system: System;
  let app: FastifyInstance;
  let base = '';

  before(async () => {
    system = await startSystem('api-auth', [CLUSTER]);
    app = await buildApp(
      {
        temporal: system.env.client,
        namespace: 'default',
        taskQueue: system.taskQueue,
        inventory: system.lab.inventory,
      },
      {
        auth: {
          tokens: [
            { name: 'vera', role: 'viewer', token: tokens.vera },
            { name: 'olivia', role: 'operator', token: tokens.olivia },
            { name: 'arthur', role: 'approver', token: tokens.arthur },
          ],
        },
      },
    );
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    await system?.stop();
  });

  async function workflowsStarted(): Promise<number> {
    let count = 0;
    for await (const _ of system.env.client.workflow.list({ query: `TaskQueue = '${system.taskQueue}'` })) count += 1;
    return count;
  }

  it('answers 401 with WWW-Authenticate: Bearer without a token, with a wrong one, or another scheme', async () => {
    const none = await call(`${base}/v1/clusters`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="cucm-cert-regen"');
    assert.equal(none.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.match(String(none.json.detail), /Authorization: Bearer <token>/);

    const wrong = await call(`${base}/v1/clusters`, { token: randomBytes(24).toString('hex') });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="cucm-cert-regen", error="invalid_token"');
    // A prefix of a real token is not a token.
    assert.equal((await call(`${base}/v1/clusters`, { token: tokens.vera.slice(0, -1) })).status, 401);
    const basic = await call(`${base}/v1/clusters`, {
      authorization: `Basic ${Buffer.from('vera:x').toString('base64')}`,
    });
    assert.equal(basic.status, 401);

    const post = await call(`${base}/v1/clusters/auth1/regenerations`, { method: 'POST', body: { units: ['tomcat'] } });
    assert.equal(post.status, 401);
    assert.equal(await workflowsStarted(), 0);
  });

  it('lets every role read', async () => {
    for (const token of Object.values(tokens)) {
      assert.equal((await call(`${base}/v1/clusters`, { token })).status, 200);
      assert.equal((await call(`${base}/v1/clusters/auth1`, { token })).status, 200);
      assert.equal((await call(`${base}/v1/regenerations`, { token })).status, 200);
    }
  });

  it('answers 403 to a viewer or an approver starting a run, and starts nothing', async () => {
    for (const [who, token] of [
      ['vera', tokens.vera],
      ['arthur', tokens.arthur],
    ] as const) {
      const denied = await call(`${base}/v1/clusters/auth1/regenerations`, {
        method: 'POST',
        token,
        body: { units: ['tomcat'], approvals: [] },
      });
      assert.equal(denied.status, 403, who);
      assert.equal(denied.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.match(
        String(denied.json.detail),
        new RegExp(`Token "${who}" has the (viewer|approver) role; .* needs an operator token`),
      );
    }
    assert.equal(await workflowsStarted(), 0);
  });

  it('lets an operator start a run, recorded as requested by the token’s name', async () => {
    const started = await call(`${base}/v1/clusters/auth1/regenerations`, {
      method: 'POST',
      token: tokens.olivia,
      body: { units: ['tomcat'], approvals: [] },
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    assert.equal(started.json.requestedBy, 'olivia');
    const id = started.json.id as string;
    const done = await waitFor('the run to complete', async () => {
      const { json } = await call(`${base}/v1/regenerations/${id}`, { token: tokens.vera });
      return json.status === 'completed' || json.status === 'failed' ? json : undefined;
    });
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.requestedBy, 'olivia', 'the workflow input carries the identity');
  });

  it('lets any role ask for a dry run (it changes nothing)', async () => {
    const plan = await call(`${base}/v1/clusters/auth1/plan`, {
      method: 'POST',
      token: tokens.vera,
      body: { units: ['tomcat'] },
    });
    assert.equal(plan.status, 200, JSON.stringify(plan.json));
  });

  it('keeps /healthz, /readyz, /metrics and /docs open', async () => {
    assert.equal((await call(`${base}/healthz`)).status, 200);
    const ready = await call(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.json.status, 'ready');
    assert.equal((await call(`${base}/docs`)).status, 200);
    const spec = await call(`${base}/docs/json`);
    assert.equal(spec.status, 200);
    const paths = spec.json.paths as Record<string, unknown>;
    for (const path of [
      '/v1/clusters',
      '/v1/clusters/{clusterId}',
      '/v1/clusters/{clusterId}/certificates',
      '/v1/clusters/{clusterId}/plan',
      '/v1/clusters/{clusterId}/regenerations',
      '/v1/regenerations',
      '/v1/regenerations/{id}',
      '/readyz',
      '/metrics',
    ])
      assert.ok(paths[path], `OpenAPI documents ${path}`);
    assert.ok((spec.json.components as { securitySchemes: Record<string, unknown> }).securitySchemes.bearerAuth);
  });

  it('serves Prometheus metrics: runs by status, pending gates, request durations, process metrics', async () => {
    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(text, new RegExp(`^${METRIC_NAMES.runs}\\{status="completed"\\} [1-9]`, 'm'), 'the completed run');
    for (const status of ['running', 'failed', 'cancelled', 'aborted'])
      assert.match(text, new RegExp(`^${METRIC_NAMES.runs}\\{status="${status}"\\} \\d+`, 'm'));
    assert.match(text, new RegExp(`^${METRIC_NAMES.gatesPending} 0$`, 'm'));
    assert.match(text, new RegExp(`^${METRIC_NAMES.visibilityUp} 1$`, 'm'));
    assert.match(
      text,
      new RegExp(
        `^${METRIC_NAMES.httpDuration}_count\\{method="POST",route="/v1/clusters/:clusterId/regenerations",status_code="403"\\} 2$`,
        'm',
      ),
    );
    assert.match(text, new RegExp(`^${METRIC_NAMES.discoveryDuration}_count\\{result="ok"\\} [1-9]`, 'm'));
    assert.match(text, /^process_cpu_seconds_total \d/m);
    assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
    assert.ok(!Object.values(tokens).some((t) => text.includes(t)));
  });

  it('answers /readyz 503 (and metrics with visibility down) when Temporal does not answer', async () => {
    const port = await freePort();
    const temporal = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${port}` }) });
    const offline = await buildApp({
      temporal,
      namespace: 'default',
      taskQueue: 'none',
      inventory: system.lab.inventory,
    });
    const url = await offline.listen({ host: '127.0.0.1', port: 0 });
    try {
      const ready = await call(`${url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(String(ready.json.problem), /Temporal does not answer/);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, new RegExp(`^${METRIC_NAMES.visibilityUp} 0$`, 'm'));
      const list = await call(`${url}/v1/regenerations`);
      assert.equal(list.status, 503);
      assert.equal(list.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    } finally {
      await offline.close();
    }
  });

  describe('the API process (api/main.ts)', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ccr-api-'));
      writeFileSync(join(dir, 'inventory.json'), JSON.stringify(system.lab.inventory));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    function runApi(env: NodeJS.ProcessEnv) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'api', 'main.ts')], {
        cwd: root,
        env: {
          ...process.env,
          API_TOKENS: '',
          API_AUTH_DISABLED: '',
          CUCM_INVENTORY: join(dir, 'inventory.json'),
          TEMPORAL_ADDRESS: system.env.address,
          TEMPORAL_TASK_QUEUE: system.taskQueue,
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
      child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, output, exit };
    }

    it('refuses to start without a token and without the development switch', async () => {
      const api = runApi({ API_PORT: String(await freePort()) });
      assert.equal(await api.exit, 1);
      const text = api.output.join('');
      assert.match(text, /No API token is configured/);
      assert.match(text, /API_TOKENS/);
      assert.match(text, /API_AUTH_DISABLED=true/);
    });

    it('refuses a token reference it cannot resolve, naming the entry', async () => {
      const api = runApi({
        API_PORT: String(await freePort()),
        API_TOKENS: JSON.stringify([{ name: 'ops', role: 'operator', tokenRef: 'env:NOT_SET_ANYWHERE' }]),
      });
      assert.equal(await api.exit, 1);
      assert.match(api.output.join(''), /API_TOKENS\[0\] \("ops"\): .*NOT_SET_ANYWHERE is not set/);
    });

    it('runs with tokens from secret references, and never logs them', async () => {
      const port = await freePort();
      const token = randomBytes(24).toString('hex');
      const api = runApi({
        API_PORT: String(port),
        LOG_LEVEL: 'debug',
        OPS_TOKEN: token,
        API_TOKENS: JSON.stringify([{ name: 'ops', role: 'viewer', tokenRef: 'env:OPS_TOKEN' }]),
      });
      try {
        await waitFor('the API to listen', async () =>
          (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined,
        );
        assert.equal((await call(`http://127.0.0.1:${port}/v1/clusters`)).status, 401);
        assert.equal((await call(`http://127.0.0.1:${port}/v1/clusters`, { token })).status, 200);
        const text = api.output.join('');
        assert.match(text, /authentication on: 1 token\(s\) \(ops:viewer\)/);
        assert.match(text, /"url":"\/v1\/clusters"/, 'requests are logged');
        assert.ok(!text.includes(token), 'the token is not in the log');
      } finally {
        api.child.kill('SIGTERM');
        await api.exit;
      }
    });

    it('runs without authentication with API_AUTH_DISABLED=true, and says so loudly', async () => {
      const port = await freePort();
      const api = runApi({ API_PORT: String(port), API_AUTH_DISABLED: 'true' });
      try {
        await waitFor('the API to listen', async () =>
          (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined,
        );
        assert.equal((await call(`http://127.0.0.1:${port}/v1/clusters`)).status, 200);
        assert.match(api.output.join(''), /AUTHENTICATION IS DISABLED \(API_AUTH_DISABLED=true\)/);
      } finally {
        api.child.kill('SIGTERM');
        await api.exit;
      }
    });
  });
});
