/**
 * Regeneration runs over HTTP, every layer real: one run per cluster (409 to the loser of a concurrent start), the
 * Idempotency-Key, the maintenance window, and the list from Temporal visibility with its filters and pages.
 */
import assert from 'node:assert/strict';
import type { ClusterConfig } from '../../simulator/model';
import { waitFor } from '../support/net';
import { getJson, postJson, startSystem, type System } from '../support/system';

const A: ClusterConfig = { id: 'runs-a', version: '14.0.1.13900-155', nodes: [{ name: 'a-pub', role: 'publisher' }] };
const B: ClusterConfig = { id: 'runs-b', version: '14.0.1.13900-155', nodes: [{ name: 'b-pub', role: 'publisher' }] };
const C: ClusterConfig = { id: 'runs-c', version: '14.0.1.13900-155', nodes: [{ name: 'c-pub', role: 'publisher' }] };

interface Item {
  id: string;
  type: string;
  clusterId: string;
  units: string[];
  status: string;
  startedAt: string;
  closedAt?: string;
}

describe('API: regeneration runs (one per cluster, idempotency, listing)', function () {
  this.timeout(120_000);
  let system: System;
  let gated = ''; // a run of A stopped at its before-start gate
  let gatedUnits: string[] = []; // the units of the request that won the race
  const completedOfB: string[] = [];

  before(async () => {
    system = await startSystem('api-runs', [A, B, C]);
  });
  after(async () => {
    // Leave no run holding a cluster for the test files that follow.
    for await (const wf of system.env.client.workflow.list({
      query: `TaskQueue = '${system.taskQueue}' AND ExecutionStatus = 'Running'`,
    }))
      await system.env.client.workflow.getHandle(wf.workflowId).terminate('test cleanup');
    await system?.stop();
  });

  const url = (path: string) => `${system.baseUrl}${path}`;
  const start = (cluster: string, body: unknown, headers: Record<string, string> = {}) =>
    postJson(url(`/v1/clusters/${cluster}/regenerations`), body, headers);

  async function until(id: string, statuses: string[]): Promise<Record<string, unknown>> {
    return waitFor(`${id} to be ${statuses.join('|')}`, async () => {
      const { json } = await getJson(url(`/v1/regenerations/${id}`));
      return statuses.includes(json.status as string) ? json : undefined;
    });
  }

  async function list(
    query: string,
  ): Promise<{ status: number; items: Item[]; nextPageToken?: string; json: Record<string, unknown> }> {
    const response = await getJson(url(`/v1/regenerations?${query}`));
    return {
      status: response.status,
      items: (response.json.items as Item[] | undefined) ?? [],
      nextPageToken: response.json.nextPageToken as string | undefined,
      json: response.json,
    };
  }

  /** Visibility is eventually consistent: wait until the listing shows what the test expects. */
  async function listed(query: string, ids: string[]): Promise<Item[]> {
    return waitFor(`GET /v1/regenerations?${query} to list ${ids.join(', ') || 'nothing'}`, async () => {
      const { items } = await list(query);
      const got = items.map((i) => i.id).sort();
      return JSON.stringify(got) === JSON.stringify([...ids].sort()) ? items : undefined;
    });
  }

  it('starts one of two concurrent requests on a cluster and answers 409 to the other', async () => {
    const [first, second] = await Promise.all([
      start('runs-a', { units: ['tomcat'] }),
      start('runs-a', { units: ['tomcat-ECDSA'] }),
    ]);
    const statuses = [first.status, second.status].sort();
    assert.deepEqual(statuses, [202, 409]);
    const won = first.status === 202 ? first : second;
    const lost = first.status === 202 ? second : first;
    gated = won.json.id as string;
    gatedUnits = won === first ? ['tomcat'] : ['tomcat-ECDSA'];
    assert.equal(won.json.requestedBy, 'anonymous', 'auth disabled in this test: the caller is anonymous');
    assert.equal(lost.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.match(String(lost.json.detail), new RegExp(`Cluster "runs-a" is held by run ${gated}`));
    assert.deepEqual(lost.json.runs, [gated]);

    // While it waits at its gate, it still holds the cluster; another cluster is free.
    const doc = await until(gated, ['awaiting-approval']);
    assert.equal(doc.requestedBy, 'anonymous');
    const again = await start('runs-a', { units: ['ipsec'], approvals: [] });
    assert.equal(again.status, 409);
  });

  it('returns the same run for a repeated Idempotency-Key, and 422 for the same key with another body', async () => {
    const key = `test-${Date.now()}`;
    const body = { units: ['tomcat'], approvals: [] };
    const [one, two] = await Promise.all([
      start('runs-b', body, { 'idempotency-key': key }),
      start('runs-b', body, { 'idempotency-key': key }),
    ]);
    assert.equal(one.status, 202, JSON.stringify(one.json));
    assert.equal(two.status, 202, JSON.stringify(two.json));
    const id = one.json.id as string;
    assert.equal(two.json.id, id, 'the same run');
    assert.equal([one.json.replayed, two.json.replayed].filter(Boolean).length, 1, 'one started, one replayed');
    assert.equal(two.headers.get('location'), `/v1/regenerations/${id}`);

    // The same body with its fields in another order is the same request.
    const reordered = await start('runs-b', { approvals: [], units: ['tomcat'] }, { 'idempotency-key': key });
    assert.equal(reordered.status, 202);
    assert.equal(reordered.json.id, id);

    const other = await start('runs-b', { units: ['tomcat-ECDSA'], approvals: [] }, { 'idempotency-key': key });
    assert.equal(other.status, 422);
    assert.match(String(other.json.detail), /Idempotency-Key was already used for a different request/);
    const otherCluster = await start('runs-a', body, { 'idempotency-key': key });
    assert.equal(otherCluster.status, 422, 'the same key on another cluster is another request');

    const done = await until(id, ['completed', 'failed']);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    completedOfB.push(id);
    // After the run has closed, the key still names it (no second run).
    const later = await start('runs-b', body, { 'idempotency-key': key });
    assert.equal(later.status, 202);
    assert.equal(later.json.id, id);
    assert.equal(later.json.status, 'completed');

    const malformed = await start('runs-b', body, { 'idempotency-key': 'with space' });
    assert.equal(malformed.status, 400);
    assert.match(String(malformed.json.detail), /headers\.idempotency-key is not valid/);
  });

  it('accepts the approval policy, phone reset mode and registration deadline, and validates them', async () => {
    const bad = await start('runs-b', { units: ['tomcat'], approvals: ['before-lunch'] });
    assert.equal(bad.status, 400);
    assert.match(
      String(bad.json.detail),
      /body\.approvals\.0 must be one of: before-start, before-restarts, before-phone-reset, accept-missing-phones/,
    );
    const deadline = await start('runs-b', { units: ['tomcat'], registrationDeadlineMinutes: 'PT30M' });
    assert.equal(deadline.status, 400);
    assert.match(String(deadline.json.detail), /body\.registrationDeadlineMinutes must be integer/);

    const ok = await start('runs-b', {
      units: ['tomcat'],
      approvals: [],
      phoneReset: 'secure-only',
      registrationDeadlineMinutes: 45,
    });
    assert.equal(ok.status, 202, JSON.stringify(ok.json));
    const id = ok.json.id as string;
    const handle = system.env.client.workflow.getHandle(id);
    const history = await handle.fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    assert.ok(input);
    const request = JSON.parse(Buffer.from(input).toString()) as Record<string, unknown>;
    assert.deepEqual(request, {
      clusterId: 'runs-b',
      units: ['tomcat'],
      requestedBy: 'anonymous',
      approvals: [],
      phoneReset: 'secure-only',
      registrationDeadlineMinutes: 45,
    });
    const done = await until(id, ['completed', 'failed']);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    completedOfB.push(id);
  });

  it('lists runs from visibility, filtered by cluster, status and awaiting approval', async () => {
    const ofA = await listed('clusterId=runs-a', [gated]);
    assert.deepEqual(
      { ...ofA[0], startedAt: undefined },
      {
        id: gated,
        type: 'regenerateCertificate',
        clusterId: 'runs-a',
        units: gatedUnits,
        status: 'awaiting-approval',
        phase: 'awaiting-approval',
        startedAt: undefined,
        location: `/v1/regenerations/${gated}`,
      },
    );
    await listed('clusterId=runs-b&status=completed', completedOfB);
    const completed = await list('clusterId=runs-b&status=completed');
    assert.ok(completed.items.every((i) => i.status === 'completed' && i.closedAt && i.startedAt < i.closedAt));
    await listed('clusterId=runs-b&status=running', []);
    await listed('awaitingApproval=true&clusterId=runs-a', [gated]);
    await listed('awaitingApproval=false&clusterId=runs-a', []);
    await listed('awaitingApproval=true&clusterId=runs-b', []);
    await listed('awaitingApproval=false&clusterId=runs-b', completedOfB);
    // Discovery workflows run on the same task queue but are not regeneration runs.
    const all = await list('pageSize=100');
    assert.ok(all.items.every((i) => ['regenerateCertificate', 'rotateCluster'].includes(i.type)));
  });

  it('pages through the list with an opaque token bound to its filters', async () => {
    await listed('clusterId=runs-b', completedOfB);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await list(`clusterId=runs-b&pageSize=1${token ? `&nextPageToken=${token}` : ''}`);
      assert.equal(page.status, 200, JSON.stringify(page.json));
      assert.ok(page.items.length <= 1);
      seen.push(...page.items.map((i) => i.id));
      token = page.nextPageToken;
      pages += 1;
    } while (token && pages < 10);
    assert.deepEqual(seen.sort(), [...completedOfB].sort(), 'every run once');
    assert.ok(pages >= 2);

    const first = await list('clusterId=runs-b&pageSize=1');
    assert.ok(first.nextPageToken);
    const foreign = await list(`clusterId=runs-a&pageSize=1&nextPageToken=${first.nextPageToken}`);
    assert.equal(foreign.status, 400);
    assert.match(String(foreign.json.detail), /nextPageToken is not a token this API issued for these filters/);
    const forged = await list('clusterId=runs-b&nextPageToken=eyJmb28iOjF9.AAAAAAAAAAAAAAAAAAAAAA');
    assert.equal(forged.status, 400);
    for (const query of [
      'pageSize=0',
      'pageSize=101',
      'pageSize=ten',
      'status=done',
      'colour=blue',
      'clusterId=a%27b',
    ]) {
      const response = await list(query);
      assert.equal(response.status, 400, query);
      assert.equal(typeof response.json.detail, 'string');
    }
  });

  it('frees the cluster once its run is aborted, and lists it as aborted', async () => {
    await system.env.client.workflow.getHandle(gated).terminate('aborted by the test');
    const doc = await until(gated, ['aborted']);
    assert.equal(doc.status, 'aborted');
    await listed('clusterId=runs-a&status=aborted', [gated]);
    // Visibility may still call it running for a moment; the API asks Temporal itself before answering 409.
    const next = await start('runs-a', { units: ['tomcat'], approvals: [] });
    assert.equal(next.status, 202, JSON.stringify(next.json));
    const done = await until(next.json.id as string, ['completed', 'failed']);
    assert.equal(done.status, 'completed');
  });

  it('accepts a maintenance window and refuses a bad one with a 400 naming the field, starting nothing', async () => {
    const window = { start: '22:00', end: '05:00', timeZone: 'Europe/Paris', days: ['sat', 'sun'] };
    const cases: Array<[unknown, RegExp]> = [
      [{ ...window, start: '25:00' }, /body\.maintenanceWindow\.start is not valid: expected local opening time/],
      [{ ...window, end: '5am' }, /body\.maintenanceWindow\.end is not valid/],
      [{ start: '22:00', end: '05:00' }, /body\.maintenanceWindow must have the field "timeZone"/],
      [{ ...window, days: ['saturday'] }, /body\.maintenanceWindow\.days\.0 must be one of: mon, tue/],
      [{ ...window, colour: 'blue' }, /body\.maintenanceWindow has an unknown field "colour"/],
      [
        { ...window, timeZone: 'Mars/Olympus_Mons' },
        /^body\.maintenanceWindow\.timeZone "Mars\/Olympus_Mons" is not an IANA time zone/,
      ],
      [{ ...window, end: '22:00' }, /^body\.maintenanceWindow\.start and end are both "22:00"/],
      ['22:00-05:00', /body\.maintenanceWindow must be object/],
    ];
    for (const [maintenanceWindow, detail] of cases) {
      const response = await start('runs-c', { units: ['tomcat'], maintenanceWindow });
      assert.equal(response.status, 400, JSON.stringify(maintenanceWindow));
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.match(String(response.json.detail), detail);
    }
    // Nothing was started: the cluster is free, and the good window reaches the run as sent.
    const ok = await start('runs-c', { units: ['tomcat'], maintenanceWindow: window });
    assert.equal(ok.status, 202, JSON.stringify(ok.json));
    const id = ok.json.id as string;
    const history = await system.env.client.workflow.getHandle(id).fetchHistory();
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
    assert.ok(input);
    assert.deepEqual((JSON.parse(Buffer.from(input).toString()) as Record<string, unknown>).maintenanceWindow, window);
    await system.env.client.workflow.getHandle(id).terminate('test: the window was checked');
  });
});
