/**
 * The recurring maintenance window (MaintenanceWindow in ./types): is it open at a given instant, and for how long
 * (or until when) not? Pure and deterministic, for workflow code: time comes in as `nowMs`, and the only outside
 * knowledge is the time-zone database behind Intl.DateTimeFormat.
 *
 * What "open" means. The window that opens on local day D is the half-open interval of instants [open, close):
 * open is D at `start`, close is D at `end` (D+1 when end < start, a window past midnight), each local wall-clock time
 * turned into an instant by `instantOf`. A wall-clock time skipped by a spring-forward gap becomes the first instant
 * after the gap; one that occurs twice in a fall-back overlap becomes its first occurrence. So on a DST day a window is
 * longer or shorter by the shift, and one that lies wholly inside a gap (e.g. 02:00-02:30 in Paris on the last Sunday
 * of March) does not open that day.
 */
import type { MaintenanceWindow, Weekday } from './types';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far msUntilOpen looks; with at least one day allowed the window opens within 7 days (8 covers a gap day). */
const SEARCH_DAYS = 8;
/** Indexed like Date#getUTCDay. */
const BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** The order engineers read them in. */
const WEEK: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const FIELDS = ['start', 'end', 'timeZone', 'days'];

/** What is wrong with a window as an API caller sent it (JSON), in words that say what to fix; undefined when valid. */
export function windowProblem(w: unknown): string | undefined {
  if (typeof w !== 'object' || w === null || Array.isArray(w))
    return `maintenanceWindow ${show(w)} is not an object like {"start":"22:00","end":"05:00","timeZone":"Europe/Paris"}`;
  const o = w as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0)
    return `maintenanceWindow has unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map(show).join(', ')} (allowed: ${FIELDS.join(', ')})`;
  for (const [field, what, example] of [
    ['start', 'opening', '22:00'],
    ['end', 'closing', '05:00'],
  ] as const) {
    const v = o[field];
    if (v === undefined)
      return `maintenanceWindow.${field} is missing: the local ${what} time as HH:MM, e.g. "${example}"`;
    if (typeof v !== 'string' || !HH_MM.test(v))
      return `maintenanceWindow.${field} ${show(v)} is not a 24-hour time HH:MM`;
  }
  if (o.start === o.end)
    return `maintenanceWindow.start and end are both ${show(o.start)}: give different opening and closing times (end earlier than start for a window past midnight)`;
  const tz = o.timeZone;
  if (tz === undefined)
    return 'maintenanceWindow.timeZone is missing: the IANA time zone of start and end, e.g. "Europe/Paris"';
  if (typeof tz !== 'string' || !isTimeZone(tz))
    return `maintenanceWindow.timeZone ${show(tz)} is not an IANA time zone (e.g. "Europe/Paris")`;
  const days = o.days;
  if (days === undefined) return undefined;
  if (!Array.isArray(days)) return `maintenanceWindow.days ${show(days)} is not a list of weekdays like ["sat","sun"]`;
  if (days.length === 0)
    return 'maintenanceWindow.days is empty, so the window would never open: omit it for every day';
  const seen = new Set<unknown>();
  for (const [i, d] of days.entries()) {
    if (!(WEEK as readonly unknown[]).includes(d))
      return `maintenanceWindow.days[${i}] ${show(d)} is not a weekday (${WEEK.join(', ')})`;
    if (seen.has(d)) return `maintenanceWindow.days lists ${show(d)} twice`;
    seen.add(d);
  }
  return undefined;
}

/** 0 when nowMs is inside the window, else the milliseconds until it next opens (8 days if it opens in none of them). */
export function msUntilOpen(w: MaintenanceWindow, nowMs: number): number {
  const current = currentOrNext(w, nowMs);
  // Only an invalid window (no day, or a window wholly in a DST gap every allowed day) gets here: sleep and re-check.
  if (!current) return SEARCH_DAYS * DAY;
  return Math.max(0, current.open - nowMs);
}

/** When nowMs is inside the window, the milliseconds until it closes; 0 when outside. */
export function msUntilClose(w: MaintenanceWindow, nowMs: number): number {
  const current = currentOrNext(w, nowMs);
  return current && current.open <= nowMs ? current.close - nowMs : 0;
}

/** For logs and the UI, e.g. "22:00-05:00 Europe/Paris, mon-fri". */
export function describeWindow(w: MaintenanceWindow): string {
  const runs: Weekday[][] = [];
  let run: Weekday[] = [];
  for (const d of WEEK) {
    if (!w.days || w.days.includes(d)) run.push(d);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  const days =
    runs.length === 0
      ? 'no day'
      : runs[0]?.length === 7
        ? 'every day'
        : runs.map((r) => (r.length >= 3 ? `${r[0]}-${r[r.length - 1]}` : r.join(','))).join(',');
  return `${w.start}-${w.end} ${w.timeZone}, ${days}`;
}

/** The window instance that contains nowMs, or else the next one to open (within SEARCH_DAYS). */
function currentOrNext(w: MaintenanceWindow, nowMs: number): { open: number; close: number } | undefined {
  const startMin = minutesOf(w.start);
  const endMin = minutesOf(w.end);
  const today = Math.floor(wallClock(w.timeZone, nowMs) / DAY) * DAY;
  // From yesterday: a window past midnight that opened yesterday may still be open.
  for (let k = -1; k <= SEARCH_DAYS; k++) {
    const day = today + k * DAY;
    if (w.days && !w.days.includes(BY_UTC_DAY[new Date(day).getUTCDay()] as Weekday)) continue;
    const open = instantOf(w.timeZone, day + startMin * MINUTE);
    const close = instantOf(w.timeZone, day + (endMin < startMin ? DAY : 0) + endMin * MINUTE);
    // Instances are disjoint and in order, so the first that has not closed is the one. Skip one empty (in a gap).
    if (nowMs < close && open < close) return { open, close };
  }
  return undefined;
}

function minutesOf(hhmm: string): number {
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

export function isTimeZone(tz: string): boolean {
  // Newer engines accept a UTC offset ("+02:00") as a time zone; not IANA, no DST, and the API's Node and the
  // worker's may disagree on it, so refuse it everywhere.
  if (/^[+-]/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The local wall-clock time at instant ms, to the second, as if it were a UTC instant (so it can be compared and
 * subtracted: wallClock(tz, t) - t is the zone's UTC offset at t).
 */
function wallClock(timeZone: string, ms: number): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  const p: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const { type, value } of f.formatToParts(ms)) p[type] = Number(value);
  // `% 24`: some ICU versions said "24" for midnight despite h23.
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0);
}

function offsetAt(timeZone: string, ms: number): number {
  return wallClock(timeZone, ms) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant (ms since the epoch) of a local date and time "YYYY-MM-DDTHH:MM" in an IANA zone, with the window's
 * rule for daylight saving: a time skipped by a spring-forward gap becomes the first instant after the gap, one that
 * occurs twice becomes its first occurrence. NaN when `local` is not a real date and time. For change freezes
 * (domain/inventory/freezes.ts): the inventory loader, the API and the Schedule writer call it, never workflow code.
 */
export function instantOfLocal(timeZone: string, local: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)$/.exec(local);
  if (!m) return NaN;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  // Date.UTC rolls 2026-02-30 over to March: such a date is not a date.
  if (new Date(wall).getUTCDate() !== day || new Date(wall).getUTCMonth() !== month - 1) return NaN;
  return instantOf(timeZone, wall);
}

/**
 * The instant at which the local wall clock reads `wall` (as from wallClock): the first one when it reads it twice,
 * the first instant after the gap when it never does.
 */
function instantOf(timeZone: string, wall: number): number {
  // The offsets a day either side (no zone changes its offset twice within two days) bracket the instant.
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  // Earlier candidate first (the larger offset): in an overlap both are right and the first occurrence wins.
  for (const offset of before >= after ? [before, after] : [after, before]) {
    if (wallClock(timeZone, wall - offset) === wall) return wall - offset;
  }
  // In a gap: the transition lies in (wall - after, wall - before]. Offsets change on whole seconds: bisect to the
  // first second at the new offset, which is where the wall clock resumes after the gap.
  let lo = wall - after;
  let hi = wall - before;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(timeZone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** A caller's value in a message: JSON, shortened. */
function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
