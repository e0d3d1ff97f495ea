/**
 * The maintenance window: validation of what API callers send, when a window is open and for how long, past
 * midnight, on chosen days, and across DST changes (gaps and overlaps) in Europe/Paris and America/New_York; then
 * properties over random windows, zones and instants, checked against an independent wall-clock reading where the
 * local time is unambiguous.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeWindow, msUntilClose, msUntilOpen, windowProblem } from '../../domain/maintenance-window';
import type { MaintenanceWindow, Weekday } from '../../domain/types';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const at = (iso: string): number => Date.parse(iso);

/** The next opening, as an ISO instant (or "open" when nowMs is inside). */
function opensAt(w: MaintenanceWindow, nowIso: string): string {
  const d = msUntilOpen(w, at(nowIso));
  return d === 0 ? 'open' : new Date(at(nowIso) + d).toISOString();
}
/** The closing, as an ISO instant (or "closed" when nowMs is outside). */
function closesAt(w: MaintenanceWindow, nowIso: string): string {
  const d = msUntilClose(w, at(nowIso));
  return d === 0 ? 'closed' : new Date(at(nowIso) + d).toISOString();
}

describe('maintenance window', () => {
  describe('open or not', () => {
    const office: MaintenanceWindow = { start: '09:00', end: '17:00', timeZone: 'Europe/Paris' };

    it('is open from start (inclusive) to end (exclusive), local time', () => {
      // June: Paris is UTC+2.
      assert.equal(opensAt(office, '2026-06-10T08:00:00Z'), 'open');
      assert.equal(closesAt(office, '2026-06-10T08:00:00Z'), '2026-06-10T15:00:00.000Z');
      assert.equal(msUntilClose(office, at('2026-06-10T08:00:00Z')), 7 * HOUR);
      assert.equal(opensAt(office, '2026-06-10T07:00:00Z'), 'open');
      assert.equal(opensAt(office, '2026-06-10T06:59:59.999Z'), '2026-06-10T07:00:00.000Z');
      assert.equal(msUntilOpen(office, at('2026-06-10T06:59:59.999Z')), 1);
      assert.equal(closesAt(office, '2026-06-10T14:59:59.999Z'), '2026-06-10T15:00:00.000Z');
      assert.equal(closesAt(office, '2026-06-10T15:00:00Z'), 'closed');
      assert.equal(opensAt(office, '2026-06-10T15:00:00Z'), '2026-06-11T07:00:00.000Z');
      // January: UTC+1.
      assert.equal(opensAt(office, '2026-01-15T20:00:00Z'), '2026-01-16T08:00:00.000Z');
    });

    it('runs past midnight when end is earlier than start', () => {
      const night: MaintenanceWindow = { start: '22:00', end: '05:00', timeZone: 'Europe/Paris' };
      assert.equal(opensAt(night, '2026-06-10T19:00:00Z'), '2026-06-10T20:00:00.000Z');
      assert.equal(opensAt(night, '2026-06-10T21:30:00Z'), 'open'); // 23:30 local
      assert.equal(closesAt(night, '2026-06-10T21:30:00Z'), '2026-06-11T03:00:00.000Z');
      assert.equal(opensAt(night, '2026-06-11T01:00:00Z'), 'open'); // 03:00 local, the next day
      assert.equal(closesAt(night, '2026-06-11T01:00:00Z'), '2026-06-11T03:00:00.000Z');
      assert.equal(opensAt(night, '2026-06-11T03:00:00Z'), '2026-06-11T20:00:00.000Z');
      // Until midnight: 00:00 is the next day's midnight.
      const evening: MaintenanceWindow = { start: '20:00', end: '00:00', timeZone: 'UTC' };
      assert.equal(closesAt(evening, '2026-06-10T23:59:00Z'), '2026-06-11T00:00:00.000Z');
    });

    it('opens only on the listed days; a window past midnight belongs to the day it opens', () => {
      // 2026-06-12 is a Friday.
      const fridayNight: MaintenanceWindow = { start: '22:00', end: '05:00', timeZone: 'Europe/Paris', days: ['fri'] };
      assert.equal(opensAt(fridayNight, '2026-06-12T19:00:00Z'), '2026-06-12T20:00:00.000Z');
      assert.equal(opensAt(fridayNight, '2026-06-13T01:00:00Z'), 'open'); // Saturday 03:00, opened Friday
      assert.equal(closesAt(fridayNight, '2026-06-13T01:00:00Z'), '2026-06-13T03:00:00.000Z');
      assert.equal(opensAt(fridayNight, '2026-06-13T04:00:00Z'), '2026-06-19T20:00:00.000Z');
      assert.equal(opensAt(fridayNight, '2026-06-13T21:00:00Z'), '2026-06-19T20:00:00.000Z'); // Saturday 23:00
      assert.equal(opensAt(fridayNight, '2026-06-12T00:00:00Z'), '2026-06-12T20:00:00.000Z'); // Friday 02:00: Thursday's

      const weekdays: MaintenanceWindow = {
        start: '09:00',
        end: '17:00',
        timeZone: 'Europe/Paris',
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      };
      assert.equal(opensAt(weekdays, '2026-06-13T08:00:00Z'), '2026-06-15T07:00:00.000Z'); // Saturday -> Monday
      assert.equal(opensAt(weekdays, '2026-06-15T08:00:00Z'), 'open');
    });

    it('works in UTC, days counted in UTC', () => {
      // 2025-12-31 is a Wednesday.
      const w: MaintenanceWindow = { start: '23:30', end: '00:30', timeZone: 'UTC', days: ['wed'] };
      assert.equal(opensAt(w, '2026-01-01T00:15:00Z'), 'open');
      assert.equal(msUntilClose(w, at('2026-01-01T00:15:00Z')), 15 * MIN);
      assert.equal(opensAt({ ...w, days: ['thu'] }, '2026-01-01T00:15:00Z'), '2026-01-01T23:30:00.000Z');
      assert.equal(closesAt({ ...w, days: ['thu'] }, '2026-01-01T00:15:00Z'), 'closed');
    });
  });

  describe('across DST changes', () => {
    // Europe/Paris: 2026-03-29 02:00 CET -> 03:00 CEST at 01:00Z; 2026-10-25 03:00 CEST -> 02:00 CET at 01:00Z.
    // America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT at 07:00Z; 2026-11-01 02:00 EDT -> 01:00 EST at 06:00Z.

    it('Paris, spring forward: an opening time in the gap opens at the first instant after it', () => {
      const w: MaintenanceWindow = { start: '02:30', end: '04:00', timeZone: 'Europe/Paris' };
      assert.equal(opensAt(w, '2026-03-29T00:00:00Z'), '2026-03-29T01:00:00.000Z'); // 03:00 CEST
      assert.equal(closesAt(w, '2026-03-29T01:00:00Z'), '2026-03-29T02:00:00.000Z'); // 04:00 CEST: one hour
      assert.equal(opensAt(w, '2026-03-29T00:59:59.999Z'), '2026-03-29T01:00:00.000Z');
      // The day before and after: 90 minutes at the usual offset.
      assert.equal(opensAt(w, '2026-03-28T00:00:00Z'), '2026-03-28T01:30:00.000Z');
      assert.equal(closesAt(w, '2026-03-28T01:30:00Z'), '2026-03-28T03:00:00.000Z');
      assert.equal(opensAt(w, '2026-03-29T03:00:00Z'), '2026-03-30T00:30:00.000Z');
    });

    it('Paris, spring forward: a closing time in the gap closes when the gap ends', () => {
      const w: MaintenanceWindow = { start: '22:00', end: '02:30', timeZone: 'Europe/Paris' };
      assert.equal(opensAt(w, '2026-03-28T21:00:00Z'), 'open'); // Saturday 22:00 CET
      assert.equal(closesAt(w, '2026-03-28T21:00:00Z'), '2026-03-29T01:00:00.000Z');
      assert.equal(msUntilClose(w, at('2026-03-29T00:59:00Z')), MIN);
      assert.equal(opensAt(w, '2026-03-29T01:00:00Z'), '2026-03-29T20:00:00.000Z'); // 22:00 CEST
    });

    it('Paris, spring forward: a window wholly in the gap does not open that day', () => {
      // 2026-03-29 is a Sunday; the next Sunday is 2026-04-05 (CEST).
      const w: MaintenanceWindow = { start: '02:00', end: '02:30', timeZone: 'Europe/Paris', days: ['sun'] };
      assert.equal(opensAt(w, '2026-03-28T12:00:00Z'), '2026-04-05T00:00:00.000Z');
      assert.equal(closesAt(w, '2026-03-29T01:00:00Z'), 'closed');
    });

    it('Paris, fall back: an opening time that occurs twice opens at the first occurrence', () => {
      const w: MaintenanceWindow = { start: '02:30', end: '04:00', timeZone: 'Europe/Paris' };
      assert.equal(opensAt(w, '2026-10-25T00:00:00Z'), '2026-10-25T00:30:00.000Z'); // 02:30 CEST
      assert.equal(closesAt(w, '2026-10-25T00:30:00Z'), '2026-10-25T03:00:00.000Z'); // 04:00 CET: 2 h 30
      assert.equal(opensAt(w, '2026-10-25T01:15:00Z'), 'open'); // 02:15 CET, the second 02:15, is inside
    });

    it('Paris, fall back: a closing time that occurs twice closes at the first occurrence', () => {
      const w: MaintenanceWindow = { start: '01:00', end: '02:30', timeZone: 'Europe/Paris' };
      assert.equal(opensAt(w, '2026-10-24T22:00:00Z'), '2026-10-24T23:00:00.000Z'); // 01:00 CEST
      assert.equal(closesAt(w, '2026-10-24T23:00:00Z'), '2026-10-25T00:30:00.000Z'); // the first 02:30
      assert.equal(opensAt(w, '2026-10-25T01:10:00Z'), '2026-10-26T00:00:00.000Z'); // the second 02:10: closed
    });

    it('New York, spring forward and fall back', () => {
      const gap: MaintenanceWindow = { start: '02:15', end: '06:00', timeZone: 'America/New_York' };
      assert.equal(opensAt(gap, '2026-03-08T00:00:00Z'), '2026-03-08T07:00:00.000Z'); // 03:00 EDT
      assert.equal(closesAt(gap, '2026-03-08T07:00:00Z'), '2026-03-08T10:00:00.000Z'); // 06:00 EDT
      assert.equal(opensAt(gap, '2026-03-07T00:00:00Z'), '2026-03-07T07:15:00.000Z'); // the day before, EST

      // A night window over the change is an hour shorter in spring and an hour longer in autumn.
      const night: MaintenanceWindow = { start: '23:00', end: '04:00', timeZone: 'America/New_York', days: ['sat'] };
      assert.equal(opensAt(night, '2026-03-07T12:00:00Z'), '2026-03-08T04:00:00.000Z');
      assert.equal(msUntilClose(night, at('2026-03-08T04:00:00Z')), 4 * HOUR);
      assert.equal(opensAt(night, '2026-10-31T12:00:00Z'), '2026-11-01T03:00:00.000Z');
      assert.equal(msUntilClose(night, at('2026-11-01T03:00:00Z')), 6 * HOUR);

      const overlap: MaintenanceWindow = { start: '01:30', end: '03:00', timeZone: 'America/New_York' };
      assert.equal(opensAt(overlap, '2026-11-01T04:00:00Z'), '2026-11-01T05:30:00.000Z'); // the first 01:30 (EDT)
      assert.equal(opensAt(overlap, '2026-11-01T06:45:00Z'), 'open'); // 01:45 EST, the second one
      assert.equal(closesAt(overlap, '2026-11-01T06:45:00Z'), '2026-11-01T08:00:00.000Z'); // 03:00 EST
    });
  });

  describe('validation of what a caller sends', () => {
    const ok = { start: '22:00', end: '05:00', timeZone: 'Europe/Paris' };
    const cases: Array<[string, unknown, string]> = [
      ['not an object', 'tonight', 'maintenanceWindow "tonight" is not an object like {"start":"22:00"'],
      ['null', null, 'maintenanceWindow null is not an object'],
      ['a list', [ok], 'maintenanceWindow [{"start":"22:00"'],
      ['an unknown field', { ...ok, tz: 'UTC' }, 'maintenanceWindow has unknown field "tz" (allowed: start, end,'],
      ['no start', { end: '05:00', timeZone: 'UTC' }, 'maintenanceWindow.start is missing: the local opening time'],
      ['an hour past 23', { ...ok, start: '25:00' }, 'maintenanceWindow.start "25:00" is not a 24-hour time HH:MM'],
      ['one-digit hour', { ...ok, end: '5:00' }, 'maintenanceWindow.end "5:00" is not a 24-hour time HH:MM'],
      ['12-hour clock', { ...ok, start: '10:00 PM' }, 'maintenanceWindow.start "10:00 PM" is not a 24-hour time'],
      ['24:00', { ...ok, end: '24:00' }, 'maintenanceWindow.end "24:00" is not a 24-hour time HH:MM'],
      ['a number', { ...ok, start: 2200 }, 'maintenanceWindow.start 2200 is not a 24-hour time HH:MM'],
      ['start equal to end', { ...ok, end: '22:00' }, 'maintenanceWindow.start and end are both "22:00": give'],
      ['no time zone', { start: '22:00', end: '05:00' }, 'maintenanceWindow.timeZone is missing'],
      [
        'a misspelt time zone',
        { ...ok, timeZone: 'Europe/Pariss' },
        'maintenanceWindow.timeZone "Europe/Pariss" is not an IANA time zone (e.g. "Europe/Paris")',
      ],
      ['a UTC offset', { ...ok, timeZone: '+02:00' }, 'maintenanceWindow.timeZone "+02:00" is not an IANA time zone'],
      ['an abbreviation', { ...ok, timeZone: 'CEST' }, 'maintenanceWindow.timeZone "CEST" is not an IANA time zone'],
      ['an empty time zone', { ...ok, timeZone: '' }, 'maintenanceWindow.timeZone "" is not an IANA time zone'],
      ['days not a list', { ...ok, days: 'sat' }, 'maintenanceWindow.days "sat" is not a list of weekdays'],
      ['no days', { ...ok, days: [] }, 'maintenanceWindow.days is empty, so the window would never open'],
      [
        'an unknown weekday',
        { ...ok, days: ['fri', 'saturday'] },
        'maintenanceWindow.days[1] "saturday" is not a weekday (mon, tue, wed, thu, fri, sat, sun)',
      ],
      ['a capitalised weekday', { ...ok, days: ['Mon'] }, 'maintenanceWindow.days[0] "Mon" is not a weekday'],
      ['a duplicate day', { ...ok, days: ['sat', 'sun', 'sat'] }, 'maintenanceWindow.days lists "sat" twice'],
    ];
    for (const [what, input, message] of cases) {
      it(`refuses ${what}, saying what to fix`, () => {
        const problem = windowProblem(input);
        assert.ok(problem?.startsWith(message), `got: ${problem}`);
      });
    }

    it('shortens a long value in the message', () => {
      const problem = windowProblem({ ...ok, timeZone: 'x'.repeat(500) });
      assert.ok(problem && problem.length < 150, problem);
    });

    it('accepts valid windows', () => {
      for (const w of [
        ok,
        { ...ok, days: ['sat', 'sun'] },
        { start: '00:00', end: '23:59', timeZone: 'UTC' },
        { start: '09:00', end: '17:00', timeZone: 'America/Argentina/Buenos_Aires', days: ['mon'] },
        { start: '09:00', end: '17:00', timeZone: 'Etc/GMT-2' },
      ]) {
        assert.equal(windowProblem(w), undefined, JSON.stringify(w));
      }
    });
  });

  it('describes itself for logs and the UI', () => {
    const w: MaintenanceWindow = { start: '22:00', end: '05:00', timeZone: 'Europe/Paris' };
    assert.equal(describeWindow(w), '22:00-05:00 Europe/Paris, every day');
    assert.equal(
      describeWindow({ ...w, days: ['fri', 'mon', 'tue', 'wed', 'thu'] }),
      '22:00-05:00 Europe/Paris, mon-fri',
    );
    assert.equal(describeWindow({ ...w, days: ['sun', 'sat'] }), '22:00-05:00 Europe/Paris, sat,sun');
    assert.equal(
      describeWindow({ ...w, days: ['mon', 'wed', 'thu', 'fri', 'sun'] }),
      '22:00-05:00 Europe/Paris, mon,wed-fri,sun',
    );
  });

  describe('properties', () => {
    const ZONES = [
      'Europe/Paris',
      'America/New_York',
      'UTC',
      'Europe/London',
      'Australia/Sydney', // southern hemisphere: DST from October to April
      'Australia/Lord_Howe', // a 30-minute DST shift
      'America/St_Johns', // UTC-3:30 with DST
      'Asia/Kathmandu', // UTC+5:45
      'Pacific/Chatham', // UTC+12:45 with DST
      'America/Santiago', // DST changes at midnight local (24:00 -> 01:00)
    ];
    const WEEK: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const hhmm = (minutes: number): string =>
      `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    // Times near DST changes (00:00-04:00) as often as any other.
    const time = fc.oneof(
      fc.integer({ min: 0, max: 1439 }),
      fc.integer({ min: 0, max: 16 }).map((q) => q * 15),
    );
    const windowArb = fc
      .record({
        start: time,
        end: time,
        timeZone: fc.constantFrom(...ZONES),
        days: fc.option(fc.subarray(WEEK, { minLength: 1 }), { nil: undefined }),
      })
      .filter((r) => r.start !== r.end)
      .map((r): MaintenanceWindow => ({
        start: hhmm(r.start),
        end: hhmm(r.end),
        timeZone: r.timeZone,
        ...(r.days ? { days: r.days } : {}),
      }));
    // Anywhere in 2020-2035, or within a few weeks of the usual DST seasons (both hemispheres).
    const instant = fc.oneof(
      fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
      fc
        .record({
          year: fc.integer({ min: 2020, max: 2034 }),
          season: fc.constantFrom([2, 1], [2, 20], [3, 1], [8, 20], [9, 20], [9, 30]),
          ms: fc.integer({ min: 0, max: 21 * DAY }),
        })
        .map(({ year, season, ms }) => Date.UTC(year, season[0] ?? 0, season[1]) + ms),
    );

    /** An independent reading: the wall clock and weekday, from Intl's own weekday and offset names. */
    function localClock(timeZone: string, ms: number): { minutes: number; weekday: Weekday; offset: string } {
      const parts = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'longOffset',
      }).formatToParts(ms);
      const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
      return {
        minutes: (Number(part('hour')) % 24) * 60 + Number(part('minute')),
        weekday: part('weekday').slice(0, 3).toLowerCase() as Weekday,
        offset: part('timeZoneName'),
      };
    }
    /** Open by the wall clock; undefined where the local time may be ambiguous or skipped (near an offset change). */
    function openByWallClock(w: MaintenanceWindow, ms: number): boolean | undefined {
      if (localClock(w.timeZone, ms - 3 * HOUR).offset !== localClock(w.timeZone, ms + 3 * HOUR).offset)
        return undefined;
      const { minutes, weekday } = localClock(w.timeZone, ms);
      const toMinutes = (t: string): number => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
      const [start, end] = [toMinutes(w.start), toMinutes(w.end)];
      const on = (d: Weekday): boolean => !w.days || w.days.includes(d);
      const yesterday = WEEK[(WEEK.indexOf(weekday) + 6) % 7] as Weekday;
      if (start < end) return on(weekday) && minutes >= start && minutes < end;
      return (on(weekday) && minutes >= start) || (on(yesterday) && minutes < end);
    }
    const sampleBetween = (from: number, to: number, n: number): number[] =>
      Array.from({ length: n }, (_, i) => from + Math.floor(((to - from) * (i + 1)) / (n + 1)));

    it('msUntilOpen lands on the first open instant, nothing before it is open, and open iff closing later', () => {
      fc.assert(
        fc.property(windowArb, instant, (w, now) => {
          const toOpen = msUntilOpen(w, now);
          const toClose = msUntilClose(w, now);
          assert.equal(toOpen === 0, toClose > 0, 'open exactly when it has not closed yet');
          assert.equal(openByWallClock(w, now) ?? toOpen === 0, toOpen === 0, 'agrees with the wall clock');
          assert.ok(toOpen >= 0 && toOpen <= 8 * DAY, `opens within 8 days (${toOpen})`);
          assert.ok(toClose >= 0 && toClose <= DAY + HOUR, `closes within a day (${toClose})`);
          if (toOpen > 0) {
            const opens = now + toOpen;
            assert.equal(msUntilOpen(w, opens), 0, 'open when it said it would open');
            assert.ok(msUntilClose(w, opens) > 0);
            assert.equal(msUntilOpen(w, opens - 1), 1, 'not a millisecond earlier');
            for (const t of sampleBetween(now, opens, 5)) {
              assert.equal(msUntilOpen(w, t), opens - t, 'closed until then, with the same opening');
              assert.equal(msUntilClose(w, t), 0);
              assert.equal(openByWallClock(w, t) ?? false, false, 'closed by the wall clock');
            }
          } else {
            const closes = now + toClose;
            assert.equal(msUntilClose(w, closes), 0, 'closed when it said it would close');
            assert.ok(msUntilOpen(w, closes) > 0);
            for (const t of sampleBetween(now, closes, 5)) {
              assert.equal(msUntilClose(w, t), closes - t, 'open until then, with the same closing');
              assert.equal(openByWallClock(w, t) ?? true, true, 'open by the wall clock');
            }
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});
