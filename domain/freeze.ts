/**
 * Change freezes, as workflows and the API decide with them: pure, on UTC instants only. The inventory writes a
 * freeze as local date-times with an IANA zone; they are turned into instants before anything reaches a workflow
 * (domain/inventory/freezes.ts, called by the inventory loader's checks, the API and the expiry Schedule's writer),
 * so this module holds no time-zone data and workflow code may use it.
 *
 * Rules (docs/configuration.md, "Change freezes"):
 * - A freeze is the half-open interval [startsAt, endsAt): nothing starts from its first instant, starting is
 *   possible again at endsAt. Freezes that overlap or touch are one freeze for "when does it end".
 * - Renew before a freeze: a unit not due yet whose certificate expires before the end of a freeze plus the margin
 *   (marginDays) would have to wait for the freeze to end with too little time left, or expire inside it. It is due
 *   from `marginDays` before the freeze begins, so the watch renews it before the freeze.
 */

const DAY_MS = 86_400_000;

/** A change freeze as UTC instants (ISO-8601), with the name the inventory gives it. */
export interface FreezeInstant {
  name: string;
  startsAt: string;
  endsAt: string;
}

/** The freeze covering nowMs, and when starting is possible again (the end of every freeze chained to it). */
export interface ActiveFreeze {
  freeze: FreezeInstant;
  /** ISO-8601: the first instant no freeze covers. */
  until: string;
}

const covers = (f: FreezeInstant, ms: number) => Date.parse(f.startsAt) <= ms && ms < Date.parse(f.endsAt);

/** The freeze that covers nowMs (the first listed when several do), or undefined when none does. */
export function activeFreeze(freezes: readonly FreezeInstant[], nowMs: number): ActiveFreeze | undefined {
  const freeze = freezes.find((f) => covers(f, nowMs));
  if (!freeze) return undefined;
  // Walk to the end of the chain: a freeze that covers the current end moves it on.
  let until = Date.parse(freeze.endsAt);
  for (let next = freezes.find((f) => covers(f, until)); next; next = freezes.find((f) => covers(f, until)))
    until = Date.parse(next.endsAt);
  return { freeze, until: new Date(until).toISOString() };
}

/** For messages: `change freeze "Quarter end" (2026-12-23T23:00:00.000Z to 2027-01-03T23:00:00.000Z)`. */
export function describeFreeze(f: FreezeInstant): string {
  return `change freeze "${f.name}" (${f.startsAt} to ${f.endsAt})`;
}

/**
 * The freeze a unit must be renewed before, if any: the earliest freeze not begun yet, beginning within marginDays
 * of nowMs, before whose end plus marginDays the certificate expires. The caller asks only for units not due
 * anyway (domain/expiry/due.ts).
 */
export function renewBeforeFreeze(
  expiresAtMs: number,
  freezes: readonly FreezeInstant[],
  marginDays: number,
  nowMs: number,
): FreezeInstant | undefined {
  const margin = marginDays * DAY_MS;
  return freezes
    .filter((f) => {
      const starts = Date.parse(f.startsAt);
      return nowMs < starts && nowMs >= starts - margin && expiresAtMs < Date.parse(f.endsAt) + margin;
    })
    .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))[0];
}

/** The freezes that have not ended at nowMs: what the Schedule's input carries (an ended freeze decides nothing). */
export function freezesAhead(freezes: readonly FreezeInstant[], nowMs: number): FreezeInstant[] {
  return freezes.filter((f) => Date.parse(f.endsAt) > nowMs);
}
