/**
 * Bad input gets a clear 4xx problem document and starts nothing.
 */
import assert from 'node:assert/strict';
import { getJson, postJson, startSystem, type System } from '../support/system';

describe('API input validation', function () {
  this.timeout(60_000);
  let system: System;

  before(async () => {
    system = await startSystem('validation');
  });
  after(() => system?.stop());

  async function runsStarted(): Promise<number> {
    let count = 0;
    for await (const _ of system.env.client.workflow.list({ query: `TaskQueue = '${system.taskQueue}'` })) count += 1;
    return count;
  }

  const cases: Array<[string, string, unknown, RegExp]> = [
    ['an unknown field', 'lab1', { units: ['tomcat'], approval: 'none' }, /unknown field "approval"/],
    [
      'a unit CUCM does not have',
      'lab1',
      { units: ['tomcatt'] },
      /body\.units\.0 must be one of: tomcat, tomcat-ECDSA/,
    ],
    ['the same unit twice', 'lab1', { units: ['tomcat', 'tomcat'] }, /body\.units must NOT have duplicate items/],
    ['no units', 'lab1', { units: [] }, /body\.units must NOT have fewer than 1 items/],
    [
      'a malformed maintenance window',
      'lab1',
      { units: ['tomcat'], notBefore: 'tonight' },
      /body\.notBefore must match format "date-time"/,
    ],
    [
      'a canary stage over its size',
      'lab1',
      { units: ['CallManager'], canaryPhones: { perNodeModel: 50 } },
      /body\.canaryPhones\.perNodeModel must be <= 20/,
    ],
    [
      'a canary option that is neither false nor an object',
      'lab1',
      { units: ['CallManager'], canaryPhones: 3 },
      /body\.canaryPhones is not valid: expected Reset a few phones first .* false turns it off/,
    ],
    [
      'an unknown canary field',
      'lab1',
      { units: ['CallManager'], canaryPhones: { perNodeModel: 1, perModel: 2 } },
      /body\.canaryPhones has an unknown field "perModel"/,
    ],
    ['a body that is not JSON', 'lab1', '{"units":', /JSON/i],
    ['an unknown cluster', 'nope', { units: ['tomcat'] }, /Cluster "nope" is not in the inventory/],
  ];

  for (const [what, cluster, body, message] of cases) {
    it(`refuses ${what} with a problem document`, async () => {
      const response = await postJson(`${system.baseUrl}/v1/clusters/${cluster}/regenerations`, body);
      assert.ok(response.status === 400 || response.status === 404, `status ${response.status}`);
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.match(String(response.json.detail), message);
    });
  }

  // The other endpoints: bad input is a 4xx problem document and starts nothing (no run, no discovery).
  const requests: Array<[string, string, string, unknown, Record<string, string>, number, RegExp]> = [
    [
      'a page size over 100',
      'GET',
      '/v1/regenerations?pageSize=1000',
      undefined,
      {},
      400,
      /querystring\.pageSize is not valid: expected a whole number from 1 to 100/,
    ],
    [
      'an unknown status',
      'GET',
      '/v1/regenerations?status=done',
      undefined,
      {},
      400,
      /querystring\.status must be one of: running, completed, failed, cancelled, aborted/,
    ],
    [
      'an unknown list filter',
      'GET',
      '/v1/regenerations?colour=blue',
      undefined,
      {},
      400,
      /querystring has an unknown field "colour"/,
    ],
    [
      'a forged page token',
      'GET',
      '/v1/regenerations?nextPageToken=abc.def',
      undefined,
      {},
      400,
      /nextPageToken is not a token this API issued/,
    ],
    [
      // Refused at the edge, before the API asks Temporal anything (the run need not even exist).
      'a private key pasted into a signed chain',
      'POST',
      '/v1/regenerations/regen-lab1-x/chains',
      {
        nodeId: 'cucm-pub',
        chainPem:
          '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n',
      },
      {},
      400,
      /^body\.chainPem contains a private key: send certificates only/,
    ],
    [
      'a private key in a gate comment',
      'POST',
      '/v1/regenerations/regen-lab1-x/gates/before-start-1',
      { decision: 'approve', comment: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----' },
      {},
      400,
      /^body\.comment contains a private key/,
    ],
    [
      'a negative discovery age',
      'GET',
      '/v1/clusters/lab1/certificates?maxAgeSeconds=-1',
      undefined,
      {},
      400,
      /querystring\.maxAgeSeconds is not valid/,
    ],
    [
      'an unknown unit in a plan',
      'POST',
      '/v1/clusters/lab1/plan',
      { units: ['tomcatt'] },
      {},
      400,
      /body\.units\.0 must be one of/,
    ],
    [
      'a plan for an unknown cluster',
      'POST',
      '/v1/clusters/nope/plan',
      { units: ['tomcat'] },
      {},
      404,
      /Cluster "nope" is not in the inventory/,
    ],
    [
      'approvals that are not a list',
      'POST',
      '/v1/clusters/lab1/regenerations',
      { units: ['tomcat'], approvals: 'none' },
      {},
      400,
      /body\.approvals must be array/,
    ],
    [
      'an unknown phone reset mode',
      'POST',
      '/v1/clusters/lab1/regenerations',
      { units: ['tomcat'], phoneReset: 'some' },
      {},
      400,
      /body\.phoneReset must be one of: all, secure-only, none/,
    ],
    [
      'a registration deadline of 0 minutes',
      'POST',
      '/v1/clusters/lab1/regenerations',
      { units: ['tomcat'], registrationDeadlineMinutes: 0 },
      {},
      400,
      /body\.registrationDeadlineMinutes must be >= 1/,
    ],
    [
      'an idempotency key of 300 characters',
      'POST',
      '/v1/clusters/lab1/regenerations',
      { units: ['tomcat'] },
      { 'idempotency-key': 'k'.repeat(300) },
      400,
      /headers\.idempotency-key is not valid/,
    ],
    [
      'a body over 64 KiB',
      'POST',
      '/v1/clusters/lab1/regenerations',
      { units: ['tomcat'], notBefore: 'x'.repeat(70_000) },
      {},
      413,
      /body/i,
    ],
    [
      'a form instead of JSON',
      'POST',
      '/v1/clusters/lab1/regenerations',
      'units=tomcat',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      /content-type/i,
    ],
  ];
  for (const [what, method, path, body, headers, status, message] of requests) {
    it(`refuses ${what} with a ${status} problem document`, async () => {
      const response = await fetch(`${system.baseUrl}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      assert.equal(response.status, status);
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const problem = (await response.json()) as { status: number; detail: string };
      assert.equal(problem.status, status);
      assert.match(problem.detail, message);
    });
  }

  it('started no workflow for any of them', async () => {
    assert.equal(await runsStarted(), 0);
    assert.equal((await system.lab.control.events('lab1')).length, 0, 'the simulator saw nothing');
  });

  it('answers 404 for an unknown run', async () => {
    const response = await getJson(`${system.baseUrl}/v1/regenerations/regen-lab1-nope`);
    assert.equal(response.status, 404);
    assert.match(String(response.json.detail), /No regeneration run "regen-lab1-nope"/);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const spec = await getJson(`${system.baseUrl}/docs/json`);
    assert.equal(spec.status, 200);
    assert.ok((spec.json.paths as Record<string, unknown>)['/v1/clusters/{clusterId}/regenerations']);
    const page = await fetch(`${system.baseUrl}/docs`);
    assert.equal(page.status, 200);
  });

  it('GET /healthz answers 200 with a worker polling', async () => {
    const health = await getJson(`${system.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.json.status, 'ok');
  });
});
