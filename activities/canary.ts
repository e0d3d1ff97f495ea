/**
 * Which phones go first: the canaries a run resets before the fleet. Pure and deterministic (the same registration
 * reading gives the same canaries), so a retried baseline picks the same phones and a person can predict them.
 *
 * Groups are the things that fail together when trust breaks: the CallManager node a phone is registered to (its
 * TFTP and TVS serve and vouch for its ITL), its model (firmware verifies the files), and in mixed mode whether its
 * security profile is secure (only those check the CallManager certificate against their CTL). Every group gets
 * `perNodeModel` phones, the first by name; over `max`, the groups take turns so each node and model keeps one.
 */
import type { RisDevice } from './cucm/risport';
import type { CanaryPhone } from '../domain/phones';

interface CanarySelection {
  perNodeModel: number;
  max: number;
  /** Only these names may be canaries (the secure phones, in reset mode secure-only). */
  among?: ReadonlySet<string>;
  /** The secure phones (mixed mode): a group of their own per node and model. */
  secure?: ReadonlySet<string>;
}

export function selectCanaries(devices: Iterable<RisDevice>, selection: CanarySelection): CanaryPhone[] {
  const groups = new Map<string, CanaryPhone[]>();
  for (const d of devices) {
    if (d.status !== 'Registered') continue;
    if (selection.among && !selection.among.has(d.name)) continue;
    const phone: CanaryPhone = {
      name: d.name,
      node: d.node || 'unknown',
      model: d.model ?? 'unknown',
      ...(selection.secure ? { secure: selection.secure.has(d.name) } : {}),
    };
    const key = `${phone.node}\u0000${phone.model}\u0000${phone.secure ? 1 : 0}`;
    groups.set(key, [...(groups.get(key) ?? []), phone]);
  }
  const ordered = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, phones]) => phones.sort((a, b) => (a.name < b.name ? -1 : 1)).slice(0, selection.perNodeModel));
  const out: CanaryPhone[] = [];
  // Round robin: the first of every group, then the second, ... until max.
  for (let rank = 0; rank < selection.perNodeModel && out.length < selection.max; rank++)
    for (const phones of ordered) {
      const phone = phones[rank];
      if (phone && out.length < selection.max) out.push(phone);
    }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}
