/**
 * Issue 17: a real phone stays Registered for a while after AXL's doDeviceReset returns (it must receive the reset
 * and reboot), then drops, then registers again. The simulator's phones here drop 2–5 s (scaled) after a reset and
 * log every status change; the product's registration waits are held against that log and Temporal's history:
 *   - the hazard, documented: a wait that counts "registered" as back (the old fleet wave: no changedSince) ends
 *     before a single phone has left; the same wait given the reset's start ends after each phone came back;
 *   - every wave of a CallManager run (the canaries, then the fleet) and both rounds of a trust recovery end only
 *     after each reset phone was seen unregistered or registered again after its reset;
 *   - the trust recovery does not wait for two phones switched off days before it (RisPort70's TimeStamp), and its
 *     state names them;
 *   - RisPort70's StateInfo paging that ends with a NoChange reply repeating the last StateInfo.
 */
import assert from 'node:assert/strict';
import { ActivityContext } from '../../activities/context';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import type { ClusterConfig } from '../../simulator/model';
import { activityRunner } from '../support/activity-runner';
import type { SimEvent } from '../support/control';
import { activitiesOf } from '../support/kills';
import { waitFor } from '../support/net';
import { getJson, postJson, startSystem, type System } from '../support/system';
import type { RegistrationBaseline } from '../../domain/phones';

const PHONES = 24;
const WAVES: ClusterConfig = {
  id: 'waves14',
  version: '14.0.1.13900-155',
  nodes: [
    { name: 'pub', role: 'publisher' },
    { name: 'sub1', role: 'subscriber' },
  ],
  phones: { count: PHONES, dropDelayMs: [2000, 5000], registerDelayMs: [2000, 6000], logStatusChanges: true },
  risport: { windowMs: 2000 },
};
const NO_CHANGE: ClusterConfig = {
  id: 'nochange',
  version: '14.0.1.13900-155',
  nodes: [{ name: 'pub', role: 'publisher' }],
  phones: { count: 1200 },
  risport: { windowMs: 2000, pagingEnd: 'no-change' },
};

const ms = (e: SimEvent) => Date.parse(e.at);

describe('phones that drop some time after their reset: every registration wait outlasts the drop', function () {
  this.timeout(300_000);
  let system: System;
  const run = activityRunner();

  // Scale 0.1: the phones drop 200–500 ms after their reset and come back 200–600 ms later.
  before(async () => {
    system = await startSystem('phone-waves', [WAVES, NO_CHANGE], 0.1);
  });
  after(() => system?.stop());

  const statusEvents = async (clusterId: string, since: number) =>
    system.lab.control.events(clusterId, { kind: 'phone-status', since });
  const settled = (clusterId: string) =>
    waitFor(
      'every phone settled',
      async () => {
        const view = await system.lab.control.phones(clusterId);
        return view.pending === 0 ? view : undefined;
      },
      30_000,
    );

  /**
   * For every registration wait of a workflow (Temporal's history: when each awaitRegistration completed), each
   * phone reset before it (the simulator's log: its last phone-reset before that moment) was seen unregistered or
   * registered again after its reset and before the wait ended. Returns the waits checked.
   */
  async function assertWaitsOutlastDrops(workflowId: string, since: number, ignore: ReadonlySet<string> = new Set()) {
    const activities = await activitiesOf(system.env.client, workflowId);
    const waits = activities.filter((a) => a.type === 'awaitRegistration' && a.endedAt !== undefined);
    assert.ok(waits.length > 0, 'the run waited for registration at least once');
    const resets = await system.lab.control.events(WAVES.id, { kind: 'phone-reset', since });
    const changes = await statusEvents(WAVES.id, since);
    let checkedResets = 0;
    for (const wait of waits) {
      const endedAt = wait.endedAt!;
      const lastReset = new Map<string, SimEvent>();
      for (const r of resets) if (ms(r) < endedAt && !ignore.has(r.detail.phone!)) lastReset.set(r.detail.phone!, r);
      for (const [phone, reset] of lastReset) {
        const seen = changes.find((c) => c.detail.phone === phone && c.seq > reset.seq && ms(c) <= endedAt);
        assert.ok(
          seen,
          `the wait that ended at ${new Date(endedAt).toISOString()} (${JSON.stringify(wait.input.baseline && (wait.input.baseline as RegistrationBaseline).registered)} phones, changedSince ${String(wait.input.changedSince)}) ended before ${phone}, reset at ${reset.at}, was seen leaving or back`,
        );
        checkedResets += 1;
      }
    }
    return { waits: waits.length, checkedResets };
  }

  it('the hazard: a wait without the reset start ends before the phones drop; with it, after each came back', async () => {
    const { control, activities } = system.lab;
    const names = (await control.phoneList(WAVES.id)).map((p) => p.name);
    const baseline: RegistrationBaseline = {
      takenAt: Math.floor(Date.now() / 1000),
      total: names.length,
      registered: names.length,
      registeredNames: names,
    };
    const wait = (changedSince?: number) =>
      run(activities.awaitRegistration, {
        clusterId: WAVES.id,
        baseline,
        deadline: new Date(Date.now() + 60_000).toISOString(),
        pollIntervalMs: 50,
        ...(changedSince !== undefined ? { changedSince } : {}),
      });

    // Every phone reset at once (CM Administration's bulk Reset; the cluster reset 13 phones within 48 ms),
    // then the wait as the old fleet wave called it: registered counts as back.
    // A first wait with every phone registered: the client's SSH session and TLS pin are ready before the reset.
    assert.equal((await wait()).allBack, true);
    let since = await control.lastSeq(WAVES.id);
    await fetch(`${control.url}/clusters/${WAVES.id}/phones/reset`, { method: 'POST' });
    const old = await wait();
    const oldEnded = Date.now();
    await settled(WAVES.id);
    const oldDrops = (await statusEvents(WAVES.id, since)).filter((e) => e.detail.status === 'UnRegistered');
    assert.ok(old.allBack, 'the old wait reported every phone back');
    assert.equal(old.polls, 1, 'the old wait ended at its first RisPort70 read');
    assert.deepEqual(new Set(oldDrops.map((e) => e.detail.phone)), new Set(names), 'every reset phone dropped');
    const early = oldDrops.filter((e) => ms(e) <= oldEnded);
    assert.deepEqual(
      early.map((e) => e.detail.phone),
      [],
      `the old wait ended at ${new Date(oldEnded).toISOString()}, before the phones dropped (${oldDrops.map((e) => e.at).join(', ')})`,
    );

    // The product's reset, and the wait as every wave calls it now: back means registered since the reset began.
    since = await control.lastSeq(WAVES.id);
    const reset = await run(activities.resetPhones, { clusterId: WAVES.id, selection: { names } });
    assert.ok(reset.startedAt !== undefined);
    const now = await wait(reset.startedAt);
    const nowEnded = Date.now();
    assert.ok(now.allBack, `every phone back: ${JSON.stringify(now.missing)}`);
    const changes = await statusEvents(WAVES.id, since);
    for (const name of names) {
      const mine = changes.filter((e) => e.detail.phone === name && ms(e) <= nowEnded);
      assert.deepEqual(
        mine.map((e) => e.detail.status),
        ['UnRegistered', 'Registered'],
        `the wait ended at ${new Date(nowEnded).toISOString()} only after ${name} left and came back`,
      );
    }
    await settled(WAVES.id);
  });

  it('a CallManager run: the canary wave and the fleet wave each end only after their phones left and came back', async () => {
    const since = await system.lab.control.lastSeq(WAVES.id);
    const handle = await system.env.client.workflow.start(regenerateCertificate, {
      workflowId: `phone-waves-cm-${Date.now()}`,
      taskQueue: system.taskQueue,
      args: [
        {
          clusterId: WAVES.id,
          units: ['CallManager'],
          approvals: [],
          registrationPollSeconds: 1,
          canaryPhones: { perNodeModel: 1 },
        },
      ],
    });
    const result = await handle.result();
    assert.equal(result.phones?.allBack, true, `the fleet came back: ${JSON.stringify(result.phones)}`);
    const activities = await activitiesOf(system.env.client, handle.workflowId);
    const resets = activities.filter((a) => a.type === 'resetPhones');
    const waits = activities.filter((a) => a.type === 'awaitRegistration');
    assert.equal(resets.length, 2, 'the canaries, then the fleet');
    for (const w of waits)
      assert.equal(typeof w.input.changedSince, 'number', 'each wave waits for phones registered since their reset');
    const fleetWait = waits[waits.length - 1]!;
    assert.deepEqual(
      (fleetWait.input.earlierResets as Array<{ names: string[] }>)[0]?.names.length,
      (resets[0]!.input.selection as { names: string[] }).names.length,
      'the fleet wave counts the canaries from their own reset',
    );
    const checked = await assertWaitsOutlastDrops(handle.workflowId, since);
    assert.equal(checked.checkedResets >= PHONES, true, `every phone's reset was checked: ${JSON.stringify(checked)}`);
    await settled(WAVES.id);
  });

  it('the trust recovery leaves out two phones off for days (state says so); both rounds outlast the drops', async () => {
    const control = system.lab.control;
    const phones = await control.phoneList(WAVES.id);
    const off = phones.slice(-2).map((p) => p.name);
    const threeDaysAgo = Math.floor(Date.now() / 1000) - 3 * 86_400;
    for (const name of off) await control.power(WAVES.id, name, true, threeDaysAgo);
    const since = await control.lastSeq(WAVES.id);
    const started = await postJson(`${system.baseUrl}/v1/clusters/${WAVES.id}/trust-recovery`, {
      approvals: [],
      registrationDeadlineMinutes: 2,
      registrationPollSeconds: 1,
    });
    assert.equal(started.status, 202, JSON.stringify(started.json));
    const id = String(started.json.id);
    const done = await waitFor(
      'the recovery to end',
      async () => {
        const d = (await getJson(`${system.baseUrl}/v1/regenerations/${id}`)).json;
        const pending = (d.pendingGates as unknown[] | undefined) ?? [];
        return pending.length > 0 || ['completed', 'failed', 'aborted', 'cancelled'].includes(String(d.status))
          ? d
          : undefined;
      },
      240_000,
    );
    assert.deepEqual(done.pendingGates ?? [], [], 'no gate opened: the switched-off phones are not waited for');
    assert.equal(done.status, 'completed', JSON.stringify(done.error));
    const excluded = done.excludedLongUnregistered as { count: number; names: string[]; unregisteredBefore: string };
    assert.equal(excluded?.count, 2, `the state names the phones left out: ${JSON.stringify(excluded)}`);
    assert.deepEqual([...excluded.names].sort(), [...off].sort());
    const checked = await assertWaitsOutlastDrops(id, since, new Set(off));
    assert.equal(checked.waits, 2, 'two rounds, each with its wait');
    for (const name of off) await control.power(WAVES.id, name, false);
    await settled(WAVES.id);
  });

  it('RisPort70 paging that ends with NoChange and the StateInfo repeated: every phone, one extra request', async () => {
    const risport = new ActivityContext(system.lab.activityDeps).risport(NO_CHANGE.id);
    const since = await system.lab.control.lastSeq(NO_CHANGE.id);
    const snapshot = await risport.snapshot();
    assert.equal(snapshot.size, 1200);
    const replies = await system.lab.control.events(NO_CHANGE.id, { kind: 'risport', since });
    assert.deepEqual(
      replies.map((e) => e.detail.returned),
      ['1000', '200', '0'],
      'two pages, then the NoChange reply that ends the loop',
    );
    assert.equal(risport.stats.requests, 3);
  });
});
