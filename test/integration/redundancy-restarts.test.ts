/**
 * Redundancy-aware restarts end to end (API dry run → Temporal dev server → worker → AXL and SSH → simulator): on a
 * 6-node CUCM 14 cluster (publisher and TFTP node without call processing, two CallManager pairs, each pair two
 * groups with the members in either order), a CallManager run with restartStrategy redundancy-groups restarts each
 * pair's members in different batches, both pairs at once, and the simulator's own witness (its event log) records
 * no phone left without a CallManager, and no phone dropped twice: after each batch the run waits until the phones
 * are back on their own primary (they fall back some seconds after it runs again), not merely registered anywhere.
 * The witnesses are checked first: restarting a primary and its backup together strands phones, and restarting the
 * backup once the phones are registered anywhere drops them twice.
 */
import assert from 'node:assert/strict';
import type { ClusterConfig, SimEvent } from '../../simulator/model';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { stateQuery } from '../../domain/messages';
import { runOn } from '../support/cli';
import { waitFor } from '../support/net';
import { postJson, startSystem, type System } from '../support/system';

const CM = 'Cisco CallManager';
const pairs: ClusterConfig = {
  id: 'pairs',
  version: '14.0.1.13900-155',
  nodes: [
    { name: 'pub', role: 'publisher', callProcessing: false },
    {
      name: 'tftp',
      role: 'subscriber',
      callProcessing: false,
      services: { 'Cisco Tftp': 'STARTED', 'Cisco Trust Verification Service': 'STARTED' },
    },
    { name: 'a1', role: 'subscriber' },
    { name: 'b1', role: 'subscriber' },
    { name: 'a2', role: 'subscriber' },
    { name: 'b2', role: 'subscriber' },
  ],
  callManagerGroups: [
    { name: 'G1a', members: ['a1', 'b1'] },
    { name: 'G1b', members: ['b1', 'a1'] },
    { name: 'G2a', members: ['a2', 'b2'] },
    { name: 'G2b', members: ['b2', 'a2'] },
  ],
  // Phones fall back to their primary 10–30 s (scaled) after it runs again, as the default says; every status change
  // and fallback is logged, so a phone that drops twice shows in the event log.
  phones: { count: 200, registerDelayMs: [500, 1500], logStatusChanges: true },
};

/** Drops caused by a CallManager stopping (not by a phone reset), per phone, from the event log. */
function restartDrops(events: readonly SimEvent[]): Map<string, number> {
  const drops = new Map<string, number>();
  for (const e of events)
    if (e.kind === 'phone-status' && e.detail.status === 'UnRegistered' && /CallManager/.test(e.detail.reason ?? ''))
      drops.set(e.detail.phone!, (drops.get(e.detail.phone!) ?? 0) + 1);
  return drops;
}
const twice = (drops: Map<string, number>) => [...drops].filter(([, n]) => n > 1).map(([phone]) => phone);

/** Per node, the intervals its Cisco CallManager was not STARTED, from the event log (seq numbers). */
function downIntervals(events: readonly SimEvent[]): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  const open = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== 'service-state' || e.detail.service !== CM) continue;
    if (e.detail.state === 'STOPPING') open.set(e.node, e.seq);
    if (e.detail.state === 'STARTED' && open.has(e.node)) {
      out.set(e.node, [...(out.get(e.node) ?? []), [open.get(e.node) ?? 0, e.seq]]);
      open.delete(e.node);
    }
  }
  return out;
}
const overlap = (a: Array<[number, number]> = [], b: Array<[number, number]> = []) =>
  a.some(([s1, e1]) => b.some(([s2, e2]) => s1 < e2 && s2 < e1));

describe('redundancy-aware restarts on a simulated cluster of CallManager pairs', function () {
  this.timeout(300_000);
  let system: System;
  before(async () => {
    system = await startSystem('redundancy', [pairs]);
  });
  after(async () => system?.stop());

  it('the witness: a primary and its backup restarted together leave their phones without a CallManager', async () => {
    // What the unsafe order does, done the way an engineer would: both members of G1a/G1b restarted at once.
    const control = system.lab.control;
    const since = await control.lastSeq('pairs');
    await Promise.all(['a1', 'b1'].map((n) => runOn(system.lab.sim, 'pairs', n, `utils service restart ${CM}`)));
    const stranded = (await control.events('pairs', { since })).filter((e) => e.kind === 'phones-without-callmanager');
    assert.ok(stranded.length > 0, 'the simulator records the phones of G1a/G1b as stranded');
    // Let them come back before the run starts.
    await waitFor('phones back', async () =>
      (await control.phones('pairs')).counts.Registered === 200 ? true : undefined,
    );
  });

  it('the witness: a backup restarted once the phones are registered anywhere drops its primary’s phones twice', async () => {
    // The old rule between batches, done by hand: a1 restarted, wait until all 200 phones are registered (G1a's on
    // their backup b1, not yet fallen back), then b1 restarted.
    const control = system.lab.control;
    const since = await control.lastSeq('pairs');
    await runOn(system.lab.sim, 'pairs', 'a1', `utils service restart ${CM}`);
    await waitFor(
      'all registered',
      async () => ((await control.phones('pairs')).counts.Registered === 200 ? true : undefined),
      30_000,
      5,
    );
    await runOn(system.lab.sim, 'pairs', 'b1', `utils service restart ${CM}`);
    await waitFor('phones back', async () =>
      (await control.phones('pairs')).counts.Registered === 200 ? true : undefined,
    );
    const dropped = twice(restartDrops(await control.events('pairs', { since })));
    assert.ok(dropped.length > 0, 'phones of G1a (primary a1) were on b1 when it restarted: they dropped twice');
    // Let every phone fall back to its primary before the next test.
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  it('refuses an unknown restart strategy with a 400 naming the field, and starts nothing', async () => {
    const control = system.lab.control;
    const before = await control.lastSeq('pairs');
    const bad = await postJson(`${system.baseUrl}/v1/clusters/pairs/regenerations`, {
      units: ['CallManager'],
      restartStrategy: 'parallel',
    });
    assert.equal(bad.status, 400);
    assert.match(String(bad.json.detail), /restartStrategy/);
    assert.equal(await control.lastSeq('pairs'), before, 'nothing reached the cluster');
  });

  it('the dry run shows the batches; the run restarts the pairs in two CallManager batches and strands no phone', async () => {
    const control = system.lab.control;
    const dry = await postJson(`${system.baseUrl}/v1/clusters/pairs/plan`, {
      units: ['CallManager'],
      restartStrategy: 'redundancy-groups',
    });
    assert.equal(dry.status, 200, JSON.stringify(dry.json));
    const steps = (dry.json.units as Array<{ steps: Array<Record<string, unknown>> }>)[0]?.steps ?? [];
    const cmBatches = steps.filter((s) => s.kind === 'restart-batch' && s.service === CM).map((s) => s.nodeIds);
    assert.deepEqual(cmBatches, [
      ['a1', 'a2'],
      ['b1', 'b2'],
    ]);

    const strandedBefore = (await control.phones('pairs')).noCallManager.count;
    const since = await control.lastSeq('pairs');
    const handle = await system.env.client.workflow.start(regenerateCertificate, {
      workflowId: `redundancy-${Date.now()}`,
      taskQueue: system.taskQueue,
      args: [
        {
          clusterId: 'pairs',
          units: ['CallManager'],
          approvals: [],
          restartStrategy: 'redundancy-groups',
          registrationPollSeconds: 1,
        },
      ],
    });
    const result = await handle.result();
    const events = await control.events('pairs', { since });

    // The plan the run executed is the dry run's.
    const state = await handle.query(stateQuery);
    assert.deepEqual(
      state.plan?.units[0]?.steps
        .filter((s) => s.kind === 'restart-batch' && s.service === CM)
        .map((s) => 'nodeIds' in s && s.nodeIds),
      cmBatches,
    );
    // Restarted together: a1 and a2 were down at the same time; never a pair's two members.
    const down = downIntervals(events);
    assert.ok(overlap(down.get('a1'), down.get('a2')), 'a1 and a2 restart together');
    assert.ok(overlap(down.get('b1'), down.get('b2')), 'b1 and b2 restart together');
    assert.ok(!overlap(down.get('a1'), down.get('b1')) && !overlap(down.get('a2'), down.get('b2')));
    // No phone dropped twice: each batch waited until the phones were back on their own primary.
    const drops = restartDrops(events);
    assert.ok(drops.size > 0, 'the batches did fail phones over');
    assert.deepEqual(twice(drops), [], 'no phone dropped twice (each was home before its backup restarted)');
    // The witness: no phone was ever without a CallManager; every phone is back.
    assert.deepEqual(
      events.filter((e) => e.kind === 'phones-without-callmanager'),
      [],
    );
    assert.equal((await control.phones('pairs')).noCallManager.count, strandedBefore);
    assert.equal(result.phones?.allBack, true);
    assert.deepEqual((await control.phones('pairs')).counts, { Registered: 200, UnRegistered: 0, Rejected: 0 });
    assert.ok(result.restarts.filter((r) => r.service === CM).every((r) => r.restarted));
  });
});
