/**
 * What the canary stage says to people: the canaries per node and model, the likely cause when some stay away, and
 * how to recover. Pure text from the discovery and the canaries (no command), shared by the gate and the manual
 * actions.
 */
import type { ClusterDiscovery } from '../domain/discovery';
import type { CanaryPhone } from '../domain/phones';

/** "sub1 / model 36224 (secure): SEP…, SEP…", one line per group. */
export function canaryGroups(phones: readonly CanaryPhone[]): string[] {
  const groups = new Map<string, string[]>();
  for (const p of phones) {
    const key = `${p.node} / model ${p.model}${p.secure === undefined ? '' : p.secure ? ' (secure)' : ' (non-secure)'}`;
    groups.set(key, [...(groups.get(key) ?? []), p.name]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, names]) => `${k}: ${names.join(', ')}`);
}

/**
 * Why canaries that were registered before stay away after their reset, as TN 214231 and the reference explain it:
 * on a CallManager-signed ITL (before 12.0) a phone that trusts neither the new CallManager nor the new TVS rejects
 * the ITL (CallManager and TVS changed together); in mixed mode a secure phone whose CTL lacks the CallManager
 * certificate in service is refused at TLS (the CTL not updated, or TFTP not restarted, after CallManager).
 */
export function likelyCanaryCause(
  unit: string,
  discovery: Pick<ClusterDiscovery, 'itlSigner' | 'securityMode' | 'version'>,
  missing: readonly CanaryPhone[],
): string {
  const causes: string[] = [];
  if (discovery.securityMode === 1 && missing.some((p) => p.secure))
    causes.push(
      'mixed mode: the secure phones check the CallManager certificate against their CTL; if the CTL was not updated (utils ctl update CTLFile) and Cisco Tftp restarted after CallManager changed, they are refused',
    );
  if (discovery.itlSigner === 'CallManager')
    causes.push(
      `CUCM ${discovery.version} signs the ITL with CallManager: if CallManager and TVS changed together (TVS regenerated outside this run, or in the same window as ${unit}), phones that trust neither new certificate reject the ITL`,
    );
  if (causes.length === 0)
    causes.push(
      "the phones' ITL/CTL no longer validates the files TFTP serves (TVS cannot vouch for the new signer, or the phones hold a bad ITL)",
    );
  return `Likely cause: ITL/CTL trust. ${causes.join('; ')}.`;
}

/** The trust-recovery procedure (TN 214231, ITLRecovery; CLI-utils), for the stranded canaries. */
export function canaryRecovery(discovery: Pick<ClusterDiscovery, 'securityMode'>): string {
  return discovery.securityMode === 1
    ? 'Recover their trust before resetting more phones: on the publisher `utils ctl reset localkey`, then `utils ctl update CTLFile`, restart Cisco Tftp on every TFTP node and reset the stranded phones (phones that still refuse: delete the CTL/ITL on the phone).'
    : 'Recover their trust before resetting more phones: on the publisher `utils itl reset localkey`, restart Cisco Tftp on every TFTP node and reset the stranded phones (phones that still refuse: delete the ITL on the phone).';
}
