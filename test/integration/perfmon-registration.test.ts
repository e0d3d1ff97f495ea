/**
 * Issue 20, item 3: a registration wait watches PerfMon's per-node registered-phone counts (the Cisco CallManager
 * object, RTMT's Device Summary) and spends RisPort70 only to confirm identities. On a 3,000-phone cluster, every
 * phone reset at once, the simulator's event log counts each wait's RisPort70 and PerfMon requests:
 *   - with the counts, far fewer RisPort70 requests than the same wait paced by RisPort70 alone (PerfMon switched
 *     off through the control API, the run saying why), and neither wait ends before every phone was seen leaving
 *     and coming back (a phone that has not left yet after its reset is not counted back);
 *   - PerfMon answering 404: the baseline says so, the wait completes on RisPort70 and its result says it fell back.
 */
import assert from 'node:assert/strict';
import type { ClusterConfig } from '../../simulator/model';
import type { AwaitRegistrationResult, RegistrationBaseline } from '../../domain/phones';
import { activityRunner } from '../support/activity-runner';
import type { SimEvent } from '../support/control';
import { waitFor } from '../support/net';
import { startSystem, type System } from '../support/system';

const PHONES = 3000;
const CLUSTER: ClusterConfig = {
  id: 'perfmon3k',
  version: '14.0.1.13900-155',
  nodes: [
    { name: 'pub', role: 'publisher' },
    { name: 'sub1', role: 'subscriber' },
    { name: 'sub2', role: 'subscriber' },
  ],
  phones: { count: PHONES, logStatusChanges: true },
  risport: { windowMs: 2000 },
  perfmon: { windowMs: 2000 },
};

describe('registration watched by PerfMon counts: RisPort70 only confirms', function () {
  this.timeout(600_000);
  let system: System;
  const run = activityRunner();

  // Scale 0.1: a reset phone drops 0.1–0.5 s after its reset and registers 0.5–4 s later.
  before(async () => {
    system = await startSystem('perfmon-registration', [CLUSTER], 0.1);
  });
  after(() => system?.stop());

  const settled = () =>
    waitFor(
      'every phone settled',
      async () => ((await system.lab.control.phones(CLUSTER.id)).pending === 0 ? true : undefined),
      60_000,
    );

  /** Takes a baseline, resets every phone (CM Administration's bulk Reset), waits; counts requests and drops. */
  async function resetAndWait(): Promise<{
    baseline: RegistrationBaseline;
    result: AwaitRegistrationResult;
    risport: number;
    perfmon: number;
    early: string[];
  }> {
    const { control, activities } = system.lab;
    await settled();
    const baseline = await run(activities.registrationSnapshot, { clusterId: CLUSTER.id });
    const changedSince = Math.floor(Date.now() / 1000);
    const since = await control.lastSeq(CLUSTER.id);
    await fetch(`${control.url}/clusters/${CLUSTER.id}/phones/reset`, { method: 'POST' });
    const result = await run(activities.awaitRegistration, {
      clusterId: CLUSTER.id,
      baseline,
      deadline: new Date(Date.now() + 120_000).toISOString(),
      pollIntervalMs: 100,
      changedSince,
    });
    const ended = Date.now();
    const events = await control.events(CLUSTER.id, { since });
    const during = (e: SimEvent) => Date.parse(e.at) <= ended;
    const back = new Set(
      events
        .filter((e) => e.kind === 'phone-status' && e.detail.status === 'Registered' && during(e))
        .map((e) => e.detail.phone),
    );
    const names = (await control.phoneList(CLUSTER.id)).map((p) => p.name);
    return {
      baseline,
      result,
      risport: events.filter((e) => e.kind === 'risport' && during(e)).length,
      perfmon: events.filter((e) => e.kind === 'perfmon' && during(e)).length,
      // Phones the wait called back before the simulator logged their registration after the reset.
      early: names.filter((n) => !back.has(n)),
    };
  }

  it('a reset-and-wait of 3,000 phones costs far fewer RisPort70 requests with the counts, and never ends early', async () => {
    // Before: PerfMon answering faults, the wait paced by RisPort70 alone (today's pacing).
    await system.lab.control.fault(CLUSTER.id, { kind: 'perfmon-unavailable', mode: 'fault' });
    const before = await resetAndWait();
    await system.lab.control.fault(CLUSTER.id, { kind: 'perfmon-unavailable', mode: 'off' });
    assert.equal(
      before.result.allBack,
      true,
      `RisPort70 alone: every phone back: ${JSON.stringify(before.result.missing)}`,
    );
    assert.equal(before.result.source, 'risport');
    assert.match(before.result.perfmonNotUsed ?? '', /fault|PerfMon/i, 'the run says why PerfMon was not used');
    assert.deepEqual(before.early, [], 'RisPort70 alone: no phone counted back before it registered again');

    const after = await resetAndWait();
    assert.equal(
      Object.values(after.baseline.counters?.byNode ?? {}).reduce((a, b) => a + b, 0),
      PHONES,
      `the baseline's PerfMon counts add up to the fleet: ${JSON.stringify(after.baseline.counters)}`,
    );
    assert.equal(
      after.result.allBack,
      true,
      `with the counts: every phone back: ${JSON.stringify(after.result.missing)}`,
    );
    assert.equal(after.result.source, 'perfmon', `the counts paced the wait: ${String(after.result.perfmonNotUsed)}`);
    assert.deepEqual(after.early, [], 'with the counts: no phone counted back before it registered again');
    console.log(
      `      RisPort70 requests: ${before.risport} alone, ${after.risport} with the counts; PerfMon requests: ${before.perfmon}, ${after.perfmon}`,
    );
    assert.ok(after.perfmon > 0, 'the counts were read over PerfMon');
    assert.ok(
      after.risport * 2 <= before.risport,
      `far fewer RisPort70 requests with the counts: ${after.risport} against ${before.risport} alone`,
    );
  });

  it('PerfMon answering 404: the wait completes on RisPort70 and says it fell back', async () => {
    await system.lab.control.fault(CLUSTER.id, { kind: 'perfmon-unavailable', mode: 'not-found' });
    try {
      const { baseline, result, perfmon, early } = await resetAndWait();
      assert.equal(baseline.counters, undefined, 'no counts in the baseline');
      assert.match(
        baseline.countersUnavailable ?? '',
        /404/,
        `the baseline says why: ${String(baseline.countersUnavailable)}`,
      );
      assert.equal(result.allBack, true, `every phone back: ${JSON.stringify(result.missing)}`);
      assert.equal(result.source, 'risport');
      assert.match(
        result.perfmonNotUsed ?? '',
        /404/,
        `the run says it fell back and why: ${String(result.perfmonNotUsed)}`,
      );
      assert.equal(perfmon, 0, 'a 404 never reaches the PerfMon service');
      assert.deepEqual(early, [], 'no phone counted back before it registered again');
    } finally {
      await system.lab.control.fault(CLUSTER.id, { kind: 'perfmon-unavailable', mode: 'off' });
    }
  });
});
