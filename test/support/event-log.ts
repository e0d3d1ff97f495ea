/**
 * Reading a simulated cluster's ordered event log the way a UC engineer reads a change record: which certificate
 * was regenerated where, in which order, which services restarted, when the CTL was updated, which phones were
 * reset and when they were back. Pure helpers over SimEvent[] as the control API serves them. A cluster started with
 * `phones.logStatusChanges` logs each phone's registration changes in the same log (same sequence numbers), which
 * makes "every phone was back before the next unit started" an ordering check on one list.
 */
import type { SimEvent } from '../../simulator/model';
import type { CertificateUnit } from '../../domain/units';

/** Event kinds that change something on the cluster (or its phones). */
const WRITE_KINDS: ReadonlySet<string> = new Set([
  'cert-regenerated',
  'cert-imported',
  'trust-imported',
  'trust-deleted',
  'csr-generated',
  'service-state',
  'ctl-updated',
  'itl-reset',
  'ctl-reset',
  'phone-reset',
]);

/** CLI commands that change something (the simulator logs every command as `cli-command`). */
const WRITE_COMMAND = /^(set (?!cli )|utils service (restart|start|stop)|utils ctl|utils itl|file delete)/;

/** The events of the log that change something, including write commands sent over the CLI. */
export function writesIn(events: readonly SimEvent[]): SimEvent[] {
  return events.filter(
    (e) => WRITE_KINDS.has(e.kind) || (e.kind === 'cli-command' && WRITE_COMMAND.test(e.detail.command ?? '')),
  );
}

/** `node:service` of every restart (a restart starts with STOPPING), in order. */
export function restartsIn(events: readonly SimEvent[]): string[] {
  return events
    .filter((e) => e.kind === 'service-state' && e.detail.state === 'STOPPING')
    .map((e) => `${e.node}:${e.detail.service}`);
}

/** `node:unit` of every regeneration, in order. */
export function regenerationsIn(events: readonly SimEvent[]): string[] {
  return events.filter((e) => e.kind === 'cert-regenerated').map((e) => `${e.node}:${e.detail.unit}`);
}

/** Units in the order of their first regeneration. */
export function unitOrder(events: readonly SimEvent[]): CertificateUnit[] {
  const order: CertificateUnit[] = [];
  for (const e of events)
    if (e.kind === 'cert-regenerated' && !order.includes(e.detail.unit as CertificateUnit))
      order.push(e.detail.unit as CertificateUnit);
  return order;
}

/**
 * Splits a rotation's log by unit: each unit's slice runs from its first regeneration up to the next unit's first
 * regeneration (the last unit's slice runs to the end). Units run one after the other, so the slices hold each
 * unit's CTL update, restarts, phone resets and re-registrations.
 */
export function sliceByUnit(events: readonly SimEvent[]): Map<CertificateUnit, SimEvent[]> {
  const slices = new Map<CertificateUnit, SimEvent[]>();
  let current: SimEvent[] | undefined;
  for (const e of events) {
    if (e.kind === 'cert-regenerated' && !slices.has(e.detail.unit as CertificateUnit)) {
      current = [];
      slices.set(e.detail.unit as CertificateUnit, current);
    }
    current?.push(e);
  }
  return slices;
}

/** First event in `events` matching `predicate`, or undefined. */
export function firstOf(events: readonly SimEvent[], predicate: (e: SimEvent) => boolean): SimEvent | undefined {
  return events.find(predicate);
}

/**
 * Replays `phone-status` events from a fully registered fleet and returns, at the moment just before `seq`, the
 * phones not registered (name → last reason). Needs `phones.logStatusChanges` from the cluster's start.
 */
export function phonesDownBefore(events: readonly SimEvent[], seq: number): Map<string, string> {
  const down = new Map<string, string>();
  for (const e of events) {
    if (e.seq >= seq) break;
    if (e.kind !== 'phone-status') continue;
    const phone = e.detail.phone ?? '';
    if (e.detail.status === 'Registered') down.delete(phone);
    else down.set(phone, `${e.detail.status}: ${e.detail.reason ?? ''}`);
  }
  return down;
}
