/**
 * The change report is evidence, not reconstruction: a real CallManager regeneration on the simulator (two nodes,
 * phones reset and awaited), started over the API, then its report read over HTTP and set against the simulator's
 * own event log, the independent witness. For every node, the CLI commands the report's steps list (with their
 * counts) are exactly the commands the simulator logged from that node's SSH sessions during the run, and the AXL,
 * RisPort70, PerfMon and Control Center operations likewise; no password the simulator handed out appears in the
 * report or in the run's history.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../../api/report';
import { clusterEntityId, clusterStateQuery } from '../../domain/contract/cluster-entity';
import type { SimEvent } from '../support/control';
import { secretsOfThisRun } from '../support/simulator';
import { waitFor } from '../support/net';
import { getJson, postJson, startSystem, type System } from '../support/system';
import { strings } from '../support/history-strings';

const CLUSTER = 'evd';
const NODES = ['evd-pub', 'evd-sub1'];

/** `command → count`, sorted, so two tallies compare as one value and a difference reads as one. */
function tally(entries: Array<[string, number]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of entries) out[key] = (out[key] ?? 0) + n;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

describe('change report evidence against the simulator', function () {
  this.timeout(180_000);
  let system: System;
  let id: string;
  let report: Report;
  let events: SimEvent[];

  before(async () => {
    system = await startSystem('evidence', [
      {
        id: CLUSTER,
        version: '14.0.1.13900-155',
        nodes: [
          { name: NODES[0]!, role: 'publisher' },
          { name: NODES[1]!, role: 'subscriber' },
        ],
        phones: { count: 6, registerDelayMs: [50, 200], seed: 5 },
        risport: { requestsPerMinute: 18, windowMs: 1000 },
        expiredTrustPerStore: 0,
      },
    ]);
    const since = await system.lab.control.lastSeq(CLUSTER);
    const started = await postJson(`${system.baseUrl}/v1/clusters/${CLUSTER}/regenerations`, {
      units: ['CallManager'],
      approvals: [],
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    id = started.json.id as string;
    await system.env.client.workflow.getHandle(id).result();
    const doc = (await getJson(`${system.baseUrl}/v1/regenerations/${id}`)).json;
    assert.equal(doc.status, 'completed', String(doc.error));
    events = await system.lab.control.events(CLUSTER, { since });
    const res = await fetch(`${system.baseUrl}/v1/regenerations/${id}/report?format=json`);
    assert.equal(res.status, 200);
    report = (await res.json()) as Report;
  });
  after(() => system?.stop());

  /** What the report's steps say they sent through `via` to `node`, as `request → count`. */
  const listed = (via: string, node: string, key: (request: string) => string = (r) => r) =>
    tally(
      report.steps.flatMap((s) =>
        s.sent.requests
          .filter((q) => q.via === via && q.target === node)
          .map((q): [string, number] => [key(q.request), q.count]),
      ),
    );
  /** What the simulator logged of `kind` on `node`, as `field → count`. */
  const logged = (kind: string, node: string, field: string) =>
    tally(
      events
        .filter((e) => e.kind === kind && e.node === node)
        .map((e): [string, number] => [e.detail[field] ?? '?', 1]),
    );

  it('lists for every step what it sent, and nothing inferred', () => {
    assert.ok(report.steps.length > 5, `the run took its steps (${report.steps.length})`);
    const unrecorded = report.steps.filter((s) => !s.sent.recorded || s.sent.inferred);
    assert.deepEqual(
      unrecorded.map((s) => s.description),
      [],
      'a step of a run started now records what it sent',
    );
    const regen = report.steps.filter((s) => s.kind === 'regenerate');
    assert.equal(regen.length, 2, 'one regeneration per node');
    for (const s of regen)
      assert.ok(
        s.sent.requests.some(
          (q) => q.via === 'ssh' && q.target === s.nodeId && q.request === 'set cert regen CallManager',
        ),
        `${s.description} lists the set cert regen it sent: ${JSON.stringify(s.sent)}`,
      );
    const reset = report.steps.find((s) => s.kind === 'reset-phones');
    assert.equal(
      reset?.sent.requests.find((q) => q.via === 'axl' && q.request === 'doDeviceReset')?.count,
      6,
      `the phone reset lists doDeviceReset once per phone: ${JSON.stringify(reset?.sent)}`,
    );
    assert.deepEqual(
      report.steps.flatMap((s) => (s.sent.unlistedAttempts ? [s.description] : [])),
      [],
      'no retry',
    );
  });

  for (const node of NODES)
    it(`lists exactly the CLI commands the simulator logged on ${node}`, () => {
      const commands = Object.values(listed('ssh', node)).reduce((n, c) => n + c, 0);
      assert.ok(commands > 5, `the run sent commands to ${node} (${commands})`);
      console.log(
        `      [figures] ${node}: ${commands} CLI commands, ${Object.keys(listed('ssh', node)).length} distinct`,
      );
      assert.deepEqual(
        listed('ssh', node),
        logged('cli-command', node, 'command'),
        `the report's commands for ${node} (left) differ from the simulator's log (right)`,
      );
    });

  it('lists exactly the AXL, RisPort70, PerfMon and Control Center operations the simulator logged', () => {
    const pub = NODES[0]!;
    assert.deepEqual(listed('axl', pub), logged('axl', pub, 'op'), 'AXL operations: report (left), simulator (right)');
    assert.ok(Object.keys(listed('axl', pub)).length > 0, 'the run used AXL');
    assert.deepEqual(listed('risport', pub), logged('risport', pub, 'op'), 'RisPort70 requests');
    assert.ok(Object.keys(listed('risport', pub)).length > 0, 'the run asked RisPort70');
    assert.deepEqual(listed('perfmon', pub), logged('perfmon', pub, 'op'), 'PerfMon requests');
    console.log(
      `      [figures] AXL ${JSON.stringify(listed('axl', pub))}; RisPort70 ${JSON.stringify(listed('risport', pub))}; PerfMon ${JSON.stringify(listed('perfmon', pub))}`,
    );
    for (const node of NODES)
      assert.deepEqual(
        listed('control-center', node, (r) => r.split(' ')[0]!),
        logged('control-center', node, 'op'),
        `Control Center requests on ${node}`,
      );
  });

  it('lists what a failed step sent too: its activity failed for good, the failure carried the evidence', async () => {
    // The first run's lease released (the cluster's entity saw it close), then a run that stops at pre-flight.
    const entity = system.env.client.workflow.getHandle(clusterEntityId(CLUSTER, system.taskQueue));
    await waitFor('the lease released', async () =>
      (await entity.query(clusterStateQuery)).holder ? undefined : true,
    );
    await system.lab.control.fault(CLUSTER, { kind: 'replication-broken', node: NODES[1]!, broken: true });
    try {
      const since = await system.lab.control.lastSeq(CLUSTER);
      const started = await postJson(`${system.baseUrl}/v1/clusters/${CLUSTER}/regenerations`, {
        units: ['tomcat'],
        approvals: [],
      });
      assert.equal(started.status, 202, JSON.stringify(started.json));
      const failedId = started.json.id as string;
      await assert.rejects(system.env.client.workflow.getHandle(failedId).result(), 'the run stops at its pre-flight');
      const after = await system.lab.control.events(CLUSTER, { since });
      const failed = (await (
        await fetch(`${system.baseUrl}/v1/regenerations/${failedId}/report?format=json`)
      ).json()) as Report;
      const preflight = failed.steps.find((s) => s.status === 'failed');
      assert.match(preflight?.description ?? '', /^Pre-flight/, 'the pre-flight step failed');
      assert.ok(
        preflight?.sent.requests.some((q) => q.request === 'utils dbreplication runtimestate'),
        `the failed step lists the command that showed the broken replication: ${JSON.stringify(preflight?.sent)}`,
      );
      for (const node of NODES)
        assert.deepEqual(
          tally(
            failed.steps.flatMap((s) =>
              s.sent.requests
                .filter((q) => q.via === 'ssh' && q.target === node)
                .map((q): [string, number] => [q.request, q.count]),
            ),
          ),
          tally(
            after
              .filter((e) => e.kind === 'cli-command' && e.node === node)
              .map((e): [string, number] => [e.detail.command ?? '?', 1]),
          ),
          `the failed run's commands for ${node}: report (left), simulator (right)`,
        );
    } finally {
      await system.lab.control.fault(CLUSTER, { kind: 'replication-broken', node: NODES[1]!, broken: false });
    }
  });

  it('shows the same evidence in Markdown and HTML, and no secret anywhere', async () => {
    const md = await (await fetch(`${system.baseUrl}/v1/regenerations/${id}/report?format=md`)).text();
    const html = await (await fetch(`${system.baseUrl}/v1/regenerations/${id}/report?format=html`)).text();
    for (const line of ['set cert regen CallManager', 'AXL doDeviceReset × 6'])
      for (const [name, body] of [
        ['Markdown', md],
        ['HTML', html],
      ] as const)
        assert.ok(body.includes(line), `${line} in the ${name} report`);
    // Kept for a look (git-ignored), beside the other report artifacts.
    mkdirSync(join(__dirname, '..', 'artifacts'), { recursive: true });
    writeFileSync(join(__dirname, '..', 'artifacts', 'report-evidence.md'), md);
    const history = await system.env.client.workflow.getHandle(id).fetchHistory();
    const secrets = [...secretsOfThisRun].filter((s) => s.length >= 8);
    assert.ok(secrets.length > 0, 'the run used secrets to look for');
    const texts = { report: JSON.stringify(report) + md + html, history: strings(history).join('\n') };
    for (const [where, text] of Object.entries(texts))
      for (const secret of secrets)
        assert.ok(!text.includes(secret), `a password the simulator handed out is in the ${where}`);
  });
});
