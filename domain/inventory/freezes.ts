/**
 * A cluster's change freezes from the inventory (local date-times with an IANA zone) as UTC instants: the one place
 * their time-zone math happens. Called by the inventory loader (to check them), the API (a start inside a freeze is
 * refused) and the expiry Schedule's writer (the watch's input carries instants); never by workflow code, which
 * gets the instants (domain/freeze.ts decides with them).
 *
 * Daylight saving follows the maintenance window's rule (domain/maintenance-window.ts): a local time skipped by a
 * spring-forward gap is the first instant after the gap; one that occurs twice is its first occurrence.
 */
import type { FreezeInstant } from '../freeze';
import { instantOfLocal, isTimeZone } from '../maintenance-window';
import { DEFAULT_FREEZE_MARGIN_DAYS } from './schema';
import type { InventoryCluster } from './types';

/** A freeze as the inventory writes it. */
export interface FreezePeriod {
  name: string;
  /** Local date and time "YYYY-MM-DDTHH:MM" at which the freeze begins. */
  start: string;
  /** Local date and time at which it ends (the first minute starts are possible again). */
  end: string;
  timeZone: string;
}

/** The freeze as instants, or what is wrong with it (in words that say what to fix). */
export function freezeInstant(p: FreezePeriod): { instant: FreezeInstant } | { problem: string } {
  if (!isTimeZone(p.timeZone))
    return { problem: `timeZone "${p.timeZone}" is not an IANA time zone, e.g. "Europe/Paris"` };
  const starts = instantOfLocal(p.timeZone, p.start);
  if (Number.isNaN(starts))
    return { problem: `start "${p.start}" is not a local date and time like "2026-12-24T00:00"` };
  const ends = instantOfLocal(p.timeZone, p.end);
  if (Number.isNaN(ends)) return { problem: `end "${p.end}" is not a local date and time like "2027-01-04T00:00"` };
  if (ends <= starts) return { problem: `end "${p.end}" is not after start "${p.start}"` };
  return { instant: { name: p.name, startsAt: new Date(starts).toISOString(), endsAt: new Date(ends).toISOString() } };
}

/** A loaded cluster's freezes as instants (the loader has checked them: a bad one is skipped, never guessed). */
export function freezesOf(cluster: Pick<InventoryCluster, 'freezes'>): FreezeInstant[] {
  return (cluster.freezes ?? []).flatMap((p) => {
    const r = freezeInstant(p);
    return 'instant' in r ? [r.instant] : [];
  });
}

/** The margin of renewing before a freeze, in days, with its default. */
export function freezeMarginDaysOf(cluster: Pick<InventoryCluster, 'freezeMarginDays'>): number {
  return cluster.freezeMarginDays ?? DEFAULT_FREEZE_MARGIN_DAYS;
}
