/**
 * Change freezes: the inventory's local date-times turned into instants (zones, daylight saving), the freeze that
 * covers an instant and when starting is possible again, the renewals brought forward before a freeze (the margin),
 * and the inventory's checks. Pure: the tests pass the clock.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultServices } from '../../simulator/services';
import { parseCucmVersion, unitsOnNode } from '../../domain/cucm-version';
import { decideRenewal } from '../../domain/expiry/due';
import { activeFreeze, freezesAhead, renewBeforeFreeze, type FreezeInstant } from '../../domain/freeze';
import { freezeInstant, freezesOf } from '../../domain/inventory/freezes';
import { instantOfLocal } from '../../domain/maintenance-window';
import type { PlanCluster, PlanNode } from '../../domain/plan';
import type { CertificateUnit } from '../../domain/units';
import { InventoryError, parseInventory } from '../../inventory/load';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function instantOf(p: { start: string; end: string; timeZone: string; name?: string }): FreezeInstant {
  const r = freezeInstant({ name: 'f', ...p });
  assert.ok('instant' in r, `the freeze ${JSON.stringify(p)} should convert: ${JSON.stringify(r)}`);
  return r.instant;
}

describe('change freezes: local date-times to instants', () => {
  it('converts in the zone of the freeze: Paris is UTC+1 in winter, UTC+2 in summer', () => {
    const winter = instantOf({ start: '2026-12-24T00:00', end: '2027-01-04T00:00', timeZone: 'Europe/Paris' });
    assert.equal(winter.startsAt, '2026-12-23T23:00:00.000Z');
    assert.equal(winter.endsAt, '2027-01-03T23:00:00.000Z');
    const summer = instantOf({ start: '2026-07-01T09:30', end: '2026-07-02T09:30', timeZone: 'Europe/Paris' });
    assert.equal(summer.startsAt, '2026-07-01T07:30:00.000Z');
    const tokyo = instantOf({ start: '2026-12-31T00:00', end: '2027-01-01T00:00', timeZone: 'Asia/Tokyo' });
    assert.equal(tokyo.startsAt, '2026-12-30T15:00:00.000Z', 'Tokyo is UTC+9, no DST');
  });

  it('a local time skipped by spring-forward is the first instant after the gap', () => {
    // Paris, 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 never happens; 03:00 CEST is 01:00Z.
    assert.equal(iso(instantOfLocal('Europe/Paris', '2026-03-29T02:30')), '2026-03-29T01:00:00.000Z');
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00Z).
    assert.equal(iso(instantOfLocal('America/New_York', '2026-03-08T02:15')), '2026-03-08T07:00:00.000Z');
  });

  it('a local time that occurs twice at fall-back is its first occurrence', () => {
    // Paris, 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens at 00:30Z (CEST) and 01:30Z (CET).
    assert.equal(iso(instantOfLocal('Europe/Paris', '2026-10-25T02:30')), '2026-10-25T00:30:00.000Z');
  });

  it('a freeze across a DST change is as long as the wall clock says, plus or minus the shift', () => {
    const f = instantOf({ start: '2026-03-28T00:00', end: '2026-03-30T00:00', timeZone: 'Europe/Paris' });
    assert.equal(Date.parse(f.endsAt) - Date.parse(f.startsAt), 2 * DAY - 3_600_000, 'one hour shorter in spring');
  });

  it('says what is wrong: a date that does not exist, an end not after the start, an unknown zone', () => {
    const problem = (p: { start: string; end: string; timeZone: string }) => {
      const r = freezeInstant({ name: 'f', ...p });
      return 'problem' in r ? r.problem : undefined;
    };
    assert.match(problem({ start: '2026-02-30T00:00', end: '2026-03-02T00:00', timeZone: 'UTC' }) ?? '', /start/);
    assert.match(
      problem({ start: '2026-03-02T00:00', end: '2026-03-01T00:00', timeZone: 'UTC' }) ?? '',
      /end "2026-03-01T00:00" is not after start/,
    );
    assert.match(
      problem({ start: '2026-03-01T00:00', end: '2026-03-02T00:00', timeZone: 'Mars/Olympus' }) ?? '',
      /not an IANA time zone/,
    );
    assert.match(problem({ start: '2026-03-01T00:00', end: '2026-03-02T00:00', timeZone: '+02:00' }) ?? '', /IANA/);
  });
});

describe('change freezes: what is frozen now', () => {
  const quarter: FreezeInstant = {
    name: 'Quarter end',
    startsAt: '2026-12-23T23:00:00.000Z',
    endsAt: '2027-01-03T23:00:00.000Z',
  };
  const after: FreezeInstant = {
    name: 'Migration',
    startsAt: '2027-01-03T12:00:00.000Z',
    endsAt: '2027-01-10T00:00:00.000Z',
  };

  it('is half-open: frozen from the first instant, free again at the end', () => {
    assert.equal(activeFreeze([quarter], Date.parse(quarter.startsAt) - 1), undefined);
    assert.equal(activeFreeze([quarter], Date.parse(quarter.startsAt))?.freeze.name, 'Quarter end');
    assert.equal(activeFreeze([quarter], Date.parse(quarter.endsAt) - 1)?.until, quarter.endsAt);
    assert.equal(activeFreeze([quarter], Date.parse(quarter.endsAt)), undefined);
  });

  it('overlapping freezes chain: starting is possible again only when the last one ends', () => {
    const a = activeFreeze([quarter, after], Date.parse('2026-12-30T00:00:00Z'));
    assert.equal(a?.freeze.name, 'Quarter end');
    assert.equal(a?.until, '2027-01-10T00:00:00.000Z');
  });

  it('the Schedule carries only the freezes not yet ended', () => {
    assert.deepEqual(freezesAhead([quarter, after], Date.parse('2027-01-05T00:00:00Z')), [after]);
  });
});

describe('change freezes: renew before the freeze', () => {
  const NOW = Date.parse('2026-12-01T06:00:00Z');
  // A freeze from tomorrow for ten days.
  const freeze: FreezeInstant = { name: 'Holidays', startsAt: iso(NOW + DAY), endsAt: iso(NOW + 11 * DAY) };

  it('a certificate expiring inside the freeze is brought forward once the freeze is within the margin', () => {
    assert.equal(renewBeforeFreeze(NOW + 5 * DAY, [freeze], 7, NOW)?.name, 'Holidays');
    // Too early: the freeze begins in more than the margin.
    assert.equal(renewBeforeFreeze(NOW + 5 * DAY, [freeze], 7, NOW - 7 * DAY), undefined);
    // Exactly the margin before the freeze begins: due.
    assert.equal(renewBeforeFreeze(NOW + 5 * DAY, [freeze], 7, NOW + DAY - 7 * DAY)?.name, 'Holidays');
  });

  it('a certificate expiring within the margin after the freeze is brought forward; one expiring later is not', () => {
    assert.equal(renewBeforeFreeze(NOW + 11 * DAY + 6 * DAY, [freeze], 7, NOW)?.name, 'Holidays');
    assert.equal(renewBeforeFreeze(NOW + 11 * DAY + 7 * DAY, [freeze], 7, NOW), undefined);
    assert.equal(renewBeforeFreeze(NOW + 11 * DAY + 1, [freeze], 0, NOW), undefined, 'margin 0: only inside');
  });

  it('a freeze already begun brings nothing forward (nothing starts inside it)', () => {
    assert.equal(renewBeforeFreeze(NOW + 5 * DAY, [freeze], 7, NOW + 2 * DAY), undefined);
  });

  it('the watch: a unit not due under renewBeforeDays is due before the freeze, and says which', () => {
    const c = cluster({ pub: { tomcat: iso(NOW + 5 * DAY) } });
    assert.deepEqual(decideRenewal(c, NOW, 3).due, [], 'without freezes tomcat is not due yet (5 days > 3)');
    const d = decideRenewal(c, NOW, 3, { freezes: [freeze], marginDays: 7 });
    assert.deepEqual(d.due, [{ unit: 'tomcat', daysLeft: 5, nodes: ['pub'], caSigned: false, beforeFreeze: freeze }]);
    // A unit due anyway is due for its days left, not the freeze.
    const anyway = decideRenewal(c, NOW, 30, { freezes: [freeze], marginDays: 7 });
    assert.equal(anyway.due[0]?.beforeFreeze, undefined);
  });
});

describe('change freezes and gate reminders in the inventory', () => {
  const base = {
    id: 'lab',
    nodes: [{ id: 'pub', role: 'publisher', host: '127.0.0.1' }],
    credentials: { osAdmin: { username: 'admin', passwordRef: 'env:X' } },
  };
  const load = (extra: Record<string, unknown>) => parseInventory({ clusters: [{ ...base, ...extra }] });

  it('takes freezes with their defaults: a margin of 7 days, reminders after 4 hours and 4 more', () => {
    const c = load({
      freezes: [{ name: 'Quarter end', start: '2026-12-24T00:00', end: '2027-01-04T00:00', timeZone: 'Europe/Paris' }],
    }).clusters[0]!;
    assert.equal(c.freezeMarginDays, 7);
    assert.deepEqual(c.gateReminders, { remindAfterSeconds: 14_400, escalateAfterSeconds: 14_400 });
    assert.deepEqual(freezesOf(c), [
      { name: 'Quarter end', startsAt: '2026-12-23T23:00:00.000Z', endsAt: '2027-01-03T23:00:00.000Z' },
    ]);
  });

  it('refuses a freeze that ends before it starts, naming the cluster and the field', () => {
    assert.throws(
      () => load({ freezes: [{ name: 'x', start: '2027-01-04T00:00', end: '2026-12-24T00:00', timeZone: 'UTC' }] }),
      (err: unknown) =>
        err instanceof InventoryError && /freezes\[0\].*end "2026-12-24T00:00" is not after start/.test(err.message),
    );
    assert.throws(
      () => load({ freezes: [{ name: 'x', start: '2027-01-04 00:00', end: '2027-01-05T00:00', timeZone: 'UTC' }] }),
      (err: unknown) => err instanceof InventoryError && /YYYY-MM-DDTHH:MM/.test(err.message),
    );
  });

  it("docs/configuration.md's complete example loads as written", () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Example: a cluster with freezes, reminders and escalation'));
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(json, 'the example section has a JSON block');
    const c = parseInventory(JSON.parse(json)).clusters[0]!;
    assert.equal(freezesOf(c)[0]?.startsAt, '2026-12-23T23:00:00.000Z');
    assert.deepEqual(
      c.escalation?.map((e) => e.id),
      ['uc-oncall'],
    );
  });

  it('escalation channels: ids unique across both lists, and they take the escalation only', () => {
    const hook = { id: 'hook', kind: 'webhook', urlRef: 'env:U', hmacKeyRef: 'env:K' };
    assert.throws(
      () => load({ notifications: [hook], escalation: [hook] }),
      (err: unknown) =>
        err instanceof InventoryError && /escalation\[0\]\.id.*also a notification channel/.test(err.message),
    );
    assert.throws(
      () => load({ escalation: [{ ...hook, events: ['run-ended'] }] }),
      (err: unknown) => err instanceof InventoryError && /gate-escalated event only/.test(err.message),
    );
    assert.throws(
      () => load({ gateReminders: { remindAfterSeconds: 0 } }),
      (err: unknown) => err instanceof InventoryError && /remindAfterSeconds.*from 1 to 604800/.test(err.message),
    );
  });
});

/** A one-node cluster; every certificate valid for years unless `expiry` says otherwise. */
function cluster(expiry: Record<string, Partial<Record<CertificateUnit, string>>>): PlanCluster {
  const version = '14.0.1.13900-155';
  const v = parseCucmVersion(version);
  const node: PlanNode = {
    id: 'pub',
    role: 'publisher',
    product: 'callmanager',
    services: Object.entries(defaultServices(v, 'publisher', 'callmanager', true)).map(([name, s]) => ({
      name,
      state: s.state,
    })),
    certificates: unitsOnNode(v, 'publisher', 'callmanager').map((unit) => ({
      unit,
      serial: `pub-${unit}`,
      selfSigned: true,
      issuer: 'CN=pub',
      notAfter: expiry.pub?.[unit] ?? iso(Date.parse('2026-12-01T06:00:00Z') + 3000 * DAY),
    })),
  };
  return { clusterId: 'lab', version, securityMode: 0, itlSigner: 'ITLRecovery', nodes: [node] };
}
