/**
 * The pure parts of watching registration with PerfMon's counts: reading counter names and values, when the counts
 * are "back", and when a wait spends a RisPort70 read (registration-counts.ts). Also the product's counter names and
 * budget against the simulator's cited facts (neither imports the other).
 */
import assert from 'node:assert/strict';
import {
  CALLMANAGER_OBJECT,
  PERFMON_REQUESTS_PER_MINUTE,
  PerfmonClient,
  REGISTERED_PHONE_COUNTERS,
  counterHost,
  counterNames,
  registeredPerHost,
} from '../../activities/cucm/perfmon';
import { QUIET_POLLS, ReadPacer, countsBack } from '../../activities/registration-counts';
import { SlidingWindowLimiter } from '../../activities/cucm/rate-limiter';
import * as sim from '../../simulator/facts';

const counts = (o: Record<string, number>) => new Map(Object.entries(o));

describe('PerfMon counter names and values', () => {
  it('names the Cisco CallManager registered-phone counters of a host, and reads the host back', () => {
    const names = counterNames('cucm-sub1');
    assert.deepEqual(names, [
      '\\\\cucm-sub1\\Cisco CallManager\\RegisteredHardwarePhones',
      '\\\\cucm-sub1\\Cisco CallManager\\RegisteredOtherStationDevices',
    ]);
    assert.deepEqual(names.map(counterHost), ['cucm-sub1', 'cucm-sub1']);
    assert.equal(counterHost('no host'), undefined);
  });

  it('sums the values per host asked for, whatever the case of the host, ignoring others', () => {
    const per = registeredPerHost(
      [
        { name: '\\\\PUB\\Cisco CallManager\\RegisteredHardwarePhones', value: 10 },
        { name: '\\\\pub\\Cisco CallManager\\RegisteredOtherStationDevices', value: 2 },
        { name: '\\\\other\\Cisco CallManager\\RegisteredHardwarePhones', value: 99 },
        { name: '\\\\sub1\\Cisco CallManager\\RegisteredHardwarePhones', value: Number.NaN },
      ],
      ['pub', 'sub1'],
    );
    assert.deepEqual(Object.fromEntries(per), { pub: 12, sub1: 0 });
  });

  it("agrees with the simulator's facts: object, counters, and a budget within a node's", () => {
    assert.equal(CALLMANAGER_OBJECT, sim.CALLMANAGER_OBJECT);
    assert.deepEqual([...REGISTERED_PHONE_COUNTERS], [...sim.REGISTERED_PHONE_COUNTERS]);
    assert.ok(PERFMON_REQUESTS_PER_MINUTE <= sim.PERFMON_REQUESTS_PER_MINUTE / 2, 'half the node budget at most');
    for (const f of sim.PERFMON_FACTS) assert.ok(f.source.length > 0, `a source for: ${f.fact}`);
  });
});

describe('when the counts say "back"', () => {
  const baseline = { pub: 100, sub1: 50 };
  it('in total, unless phones must be back with their own primary (then per node)', () => {
    assert.equal(countsBack(counts({ pub: 120, sub1: 30 }), baseline, false), true);
    assert.equal(countsBack(counts({ pub: 120, sub1: 30 }), baseline, true), false);
    assert.equal(countsBack(counts({ pub: 100, sub1: 50 }), baseline, true), true);
    assert.equal(countsBack(counts({ pub: 149 }), baseline, false), false);
  });
});

describe('ReadPacer: when a wait spends a RisPort70 read', () => {
  const baseline = { pub: 10 };

  it('after a reset, not while the counts still show the phones that have not left; once they dipped and returned', () => {
    const pacer = new ReadPacer(baseline, false, true);
    assert.equal(pacer.observe(counts({ pub: 10 }), false), false, 'nobody left yet: no read');
    assert.equal(pacer.observe(counts({ pub: 4 }), false), false, 'phones left: no read');
    assert.equal(pacer.observe(counts({ pub: 8 }), false), false, 'coming back: no read');
    assert.equal(pacer.observe(counts({ pub: 10 }), false), true, 'back to the baseline after moving: read');
    pacer.read();
    assert.equal(pacer.observe(counts({ pub: 10 }), false), false, 'unchanged since the read: no second read');
  });

  it('without a reset, at once when the counts are back', () => {
    assert.equal(new ReadPacer(baseline, false, false).observe(counts({ pub: 10 }), false), true);
  });

  it('after QUIET_POLLS polls without movement (a drop and return between samples, or a phone that never returns)', () => {
    const pacer = new ReadPacer(baseline, false, true);
    const reads: boolean[] = [];
    for (let i = 0; i < QUIET_POLLS; i++) reads.push(pacer.observe(counts({ pub: 9 }), false));
    assert.deepEqual(reads, [...Array<boolean>(QUIET_POLLS - 1).fill(false), true]);
    pacer.read();
    assert.equal(pacer.observe(counts({ pub: 9 }), false), false, 'the quiet count starts again after a read');
  });

  it('always at the deadline', () => {
    assert.equal(new ReadPacer(baseline, false, true).observe(counts({ pub: 0 }), true), true);
  });
});

describe('the counts are polled evenly within the PerfMon budget', () => {
  it('at three quarters of the worker share: 2 s for 40 a minute, 4 s with two workers sharing it', () => {
    const target = { label: 'x', baseUrl: 'https://x', username: 'u', password: 'p', agent: async () => undefined };
    assert.equal(new PerfmonClient(target as never, new SlidingWindowLimiter(40, 60_000)).evenIntervalMs, 2_000);
    assert.equal(new PerfmonClient(target as never, new SlidingWindowLimiter(20, 60_000)).evenIntervalMs, 4_000);
  });
});
