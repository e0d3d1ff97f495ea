/**
 * Clusters over HTTP, every layer real: the inventory without secrets, the live certificate inventory (discovery as
 * a workflow on the worker, SSH to the simulator), and the dry-run plan, which changes nothing on the cluster.
 */
import assert from 'node:assert/strict';
import type { ClusterConfig } from '../../simulator/model';
import { secretsOfThisRun } from '../support/simulator';
import { runOn } from '../support/cli';
import { waitFor } from '../support/net';
import { getJson, postJson, startSystem, type System } from '../support/system';

const TWO_NODES: ClusterConfig = {
  id: 'inv2',
  version: '14.0.1.13900-155',
  nodes: [
    { name: 'inv2-pub', role: 'publisher' },
    { name: 'inv2-sub', role: 'subscriber' },
  ],
};
/** A cluster whose inventory user the simulator does not know: discovery fails on authentication. */
const LOCKED: ClusterConfig = {
  id: 'locked',
  version: '12.5.1.16900-48',
  nodes: [{ name: 'locked-pub', role: 'publisher' }],
};

/** What a read-only discovery may send: logins and these commands (the pager setting is the session's), nothing else. */
const READ_COMMAND =
  /^(show |utils service list$|run sql select |utils dbreplication runtimestate|set cli pagination off$)/;
const WRITE_EVENTS = ['cert-regenerated', 'service-state', 'phone-reset', 'ctl-updated', 'trust-deleted', 'itl-reset'];

interface CertRow {
  node: string;
  unit: string;
  serial: string;
  issuer: string;
  selfSigned: boolean;
  keyType: string;
  notAfter: string;
  daysLeft: number | null;
}

describe('API: clusters, certificates and the dry-run plan', function () {
  this.timeout(120_000);
  let system: System;

  before(async () => {
    system = await startSystem('api-clusters', [TWO_NODES, LOCKED]);
    const locked = system.lab.inventory.clusters.find((c) => c.id === 'locked');
    assert.ok(locked);
    locked.credentials.osAdmin.username = 'intruder';
  });
  after(() => system?.stop());

  const url = (path: string) => `${system.baseUrl}${path}`;

  async function workflowsOfThisTest(): Promise<string[]> {
    const ids: string[] = [];
    for await (const wf of system.env.client.workflow.list({ query: `TaskQueue = '${system.taskQueue}'` }))
      ids.push(wf.workflowId);
    return ids;
  }

  it('lists the inventory without secrets or secret references, user names only', async () => {
    const response = await fetch(url('/v1/clusters'));
    assert.equal(response.status, 200);
    const text = await response.text();
    for (const forbidden of ['passwordRef', 'env:', 'file:', 'TEST_', 'password'])
      assert.ok(!text.includes(forbidden), `the body mentions ${forbidden}`);
    for (const secret of secretsOfThisRun) assert.ok(!text.includes(secret), 'a simulated password leaked');
    const body = JSON.parse(text) as { clusters: Array<Record<string, unknown>> };
    assert.deepEqual(
      body.clusters.map((c) => c.id),
      ['inv2', 'locked'],
    );
    const inv2 = body.clusters[0] as {
      nodes: Array<{ id: string; role: string }>;
      users: Record<string, string>;
      lastDiscovery: unknown;
    };
    assert.deepEqual(
      inv2.nodes.map((n) => `${n.id}:${n.role}`),
      ['inv2-pub:publisher', 'inv2-sub:subscriber'],
    );
    assert.equal(typeof inv2.users.osAdmin, 'string');
    assert.equal(inv2.lastDiscovery, null, 'nothing discovered yet');
  });

  it('answers one cluster, and 404 problems for unknown or malformed ids without starting anything', async () => {
    const one = await getJson(url('/v1/clusters/inv2'));
    assert.equal(one.status, 200);
    assert.equal(one.json.id, 'inv2');
    assert.ok(!JSON.stringify(one.json).includes('passwordRef'));

    for (const path of ['/v1/clusters/nope', '/v1/clusters/nope/certificates']) {
      const missing = await getJson(url(path));
      assert.equal(missing.status, 404, path);
      assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      assert.match(String(missing.json.detail), /Cluster "nope" is not in the inventory; GET \/v1\/clusters/);
    }
    const plan = await postJson(url('/v1/clusters/nope/plan'), { units: ['tomcat'] });
    assert.equal(plan.status, 404);
    const bad = await getJson(url('/v1/clusters/has%20space'));
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.detail), /params\.clusterId is not valid: expected a cluster id/);
    assert.deepEqual(await workflowsOfThisTest(), [], 'no discovery was started');
  });

  it('reads every node’s certificates live, soonest expiry first, with days left', async () => {
    const { control } = system.lab;
    // Make the publisher's tomcat the youngest 5-year certificate: it must sort after every other one of them
    // (though the publisher's units are listed first), before the 20-year ITLRecovery. An engineer's own CLI session.
    await new Promise((r) => setTimeout(r, 1100));
    await runOn(system.lab.sim, 'inv2', 'inv2-pub', { command: 'set cert regen tomcat', confirm: true });

    const response = await getJson(url('/v1/clusters/inv2/certificates'));
    assert.equal(response.status, 200, JSON.stringify(response.json));
    assert.match(String(response.json.discoveryWorkflowId), /^discover-inv2-/);
    const rows = response.json.certificates as CertRow[];
    const expected: string[] = [];
    for (const node of ['inv2-pub', 'inv2-sub'])
      for (const unit of Object.keys((await control.node('inv2', node)).certificates)) expected.push(`${node}/${unit}`);
    assert.deepEqual(rows.map((r) => `${r.node}/${r.unit}`).sort(), expected.sort(), 'every certificate of every node');
    for (let i = 1; i < rows.length; i++)
      assert.ok(Date.parse(rows[i - 1]!.notAfter) <= Date.parse(rows[i]!.notAfter), `row ${i} is out of order`);
    const firstItl = rows.findIndex((r) => r.unit === 'ITLRecovery');
    assert.ok(firstItl > 0);
    assert.ok(
      rows.slice(firstItl).every((r) => r.unit === 'ITLRecovery'),
      'ITLRecovery (20 years) last',
    );
    assert.equal(`${rows[firstItl - 1]!.node}/${rows[firstItl - 1]!.unit}`, 'inv2-pub/tomcat');

    const tomcat = rows[firstItl - 1]!;
    assert.equal(tomcat.serial.toLowerCase(), await control.serial('inv2', 'inv2-pub', 'tomcat'));
    assert.equal(tomcat.selfSigned, true);
    assert.equal(tomcat.keyType, 'RSA');
    assert.ok(tomcat.issuer.length > 0);
    const days = (Date.parse(tomcat.notAfter) - Date.now()) / 86_400_000;
    assert.equal(tomcat.daysLeft, Math.floor(days));
    assert.ok(tomcat.daysLeft > 1800 && tomcat.daysLeft < 1830, `${tomcat.daysLeft} days left`);
    assert.ok(
      rows.some((r) => r.keyType === 'EC'),
      'the ECDSA units say so',
    );

    // The cluster document now carries this discovery.
    const doc = await getJson(url('/v1/clusters/inv2'));
    const last = doc.json.lastDiscovery as { workflowId: string; version: string; nodes: unknown[] };
    assert.equal(last.workflowId, response.json.discoveryWorkflowId);
    assert.equal(last.version, '14.0.1.13900-155');
    assert.equal(last.nodes.length, 2);
  });

  it('plans a dry run in the safe order, and the cluster sees only logins and read commands', async () => {
    const { control } = system.lab;
    const since = await control.lastSeq('inv2');
    const tvsSerials = () => Promise.all(['inv2-pub', 'inv2-sub'].map((n) => control.serial('inv2', n, 'TVS')));
    const serials = await tvsSerials();

    const response = await postJson(url('/v1/clusters/inv2/plan'), { units: ['TVS', 'tomcat'] });
    assert.equal(response.status, 200, JSON.stringify(response.json));
    const plan = response.json as {
      clusterId: string;
      version: string;
      units: Array<{ unit: string; steps: Array<{ kind: string; nodeId?: string; reason: string }> }>;
      refusals: unknown[];
      warnings: string[];
      discoveryWorkflowId: string;
    };
    assert.equal(plan.clusterId, 'inv2');
    assert.equal(plan.version, '14.0.1.13900-155');
    assert.deepEqual(
      plan.units.map((u) => u.unit),
      ['tomcat', 'TVS'],
      'TVS last',
    );
    const tomcatSteps = plan.units[0]!.steps;
    assert.deepEqual(
      tomcatSteps.filter((s) => s.kind === 'regenerate').map((s) => s.nodeId),
      ['inv2-pub', 'inv2-sub'],
      'publisher first',
    );
    assert.ok(tomcatSteps.every((s) => typeof s.reason === 'string' && s.reason.length > 0));
    assert.ok(Array.isArray(plan.refusals) && Array.isArray(plan.warnings));
    assert.match(plan.discoveryWorkflowId, /^discover-inv2-/);

    const events = await control.events('inv2', { since });
    // The worker's CLI session pool may reuse the sessions the previous read opened: commands, not logins, show it.
    assert.ok(
      events.some((e) => e.kind === 'cli-command'),
      'the discovery read the cluster over SSH',
    );
    const writes = events.filter((e) => WRITE_EVENTS.includes(e.kind));
    assert.deepEqual(writes, [], 'the dry run changed nothing');
    const others = events.filter((e) => e.kind !== 'ssh-login' && e.kind !== 'cli-command');
    assert.deepEqual(others, [], 'only logins and CLI commands');
    const commands = events.filter((e) => e.kind === 'cli-command').map((e) => e.detail.command ?? '');
    assert.ok(commands.length > 0);
    for (const command of commands) assert.match(command, READ_COMMAND, `"${command}" is not a read command`);
    assert.deepEqual(await tvsSerials(), serials, 'same serials after the plan');
  });

  it('validates the plan request like a start', async () => {
    const unknown = await postJson(url('/v1/clusters/inv2/plan'), { units: ['tomcat'], gates: [] });
    assert.equal(unknown.status, 400);
    assert.match(String(unknown.json.detail), /body has an unknown field "gates"/);
    const noUnits = await postJson(url('/v1/clusters/inv2/plan'), { units: [] });
    assert.equal(noUnits.status, 400);
    const badMode = await postJson(url('/v1/clusters/inv2/plan'), { units: ['CAPF'], phoneReset: 'some' });
    assert.match(String(badMode.json.detail), /body\.phoneReset must be one of: all, secure-only, none/);
  });

  it('answers 502 with what to fix when the cluster refuses the worker’s credentials, without retrying', async () => {
    const response = await getJson(url('/v1/clusters/locked/certificates'));
    assert.equal(response.status, 502, JSON.stringify(response.json));
    assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.match(String(response.json.detail), /Discovery of cluster "locked" failed/);
    assert.match(String(response.json.detail), /credentials/);
    assert.equal(response.json.failureType, 'CliError.auth');

    // Not retried: the discovery's history holds one attempt of its activity, and the node saw one login refused.
    const discovery = await waitFor('the discovery of locked in visibility', async () => {
      const ids = (await workflowsOfThisTest()).filter((id) => id.startsWith('discover-locked-'));
      return ids.length ? ids : undefined;
    });
    assert.equal(discovery.length, 1, 'one discovery of locked');
    const events = (await system.env.client.workflow.getHandle(discovery[0]!).fetchHistory()).events ?? [];
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes);
    const attempts = events.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
    assert.equal(scheduled.length, 1, 'one activity scheduled');
    assert.deepEqual(attempts, [1], 'the activity ran once: an authentication failure is not retried');
    assert.ok(
      events.some((e) => e.activityTaskFailedEventAttributes),
      'the activity failed (and was not retried)',
    );
    const refused = await system.lab.control.events('locked', { kind: 'ssh-login-failed' });
    assert.equal(refused.length, 1, 'one login refused by the node');
  });
});
