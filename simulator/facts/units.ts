/**
 * Which certificate units a node holds and generates, by role, product and release, and where each unit's
 * certificate is trusted. Every row names its public source; `guess` marks what no public source states.
 * "ref §x" is a section of docs/reference/cucm-interfaces.md, which names the public source of each fact.
 */
import { atLeast, type VersionLike } from './version';

/** Units as `show cert list own` names them (ref §1.2, §1.3: the own-file names on a CUCM 14 publisher). */
export const CERTIFICATE_UNITS = [
  'tomcat',
  'tomcat-ECDSA',
  'ipsec',
  'CAPF',
  'CallManager',
  'CallManager-ECDSA',
  'TVS',
  'ITLRecovery',
] as const;

export const CERTIFICATE_UNITS_SOURCE =
  'CLI reference 12.5(1)SU2, set cert regen; the units a CUCM 14 publisher lists (ref §1.2, §1.3); TN 214231 names the same units (ref §6)';

export type CertificateUnit = (typeof CERTIFICATE_UNITS)[number];

/**
 * The order `show cert list own` prints a node's units in, whatever order their keys were generated in. From 15: a
 * real CUCM 15 node's listing (calltelemetry/cisco-cucm-mcp, test/certificates.test.ts, "real CUCM 15 output with
 * CRLF"). No public listing of an earlier release shows more than three units: the same order there is a `guess`.
 */
export const CERT_LIST_OWN_ORDER: ReadonlyArray<{ from: number; order: readonly CertificateUnit[]; source: string }> = [
  {
    from: 15,
    order: ['tomcat', 'tomcat-ECDSA', 'ipsec', 'ITLRecovery', 'CallManager-ECDSA', 'CallManager', 'CAPF', 'TVS'],
    source: 'ref §7: calltelemetry/cisco-cucm-mcp test/certificates.test.ts (real CUCM 15 output)',
  },
  {
    from: 0,
    order: ['tomcat', 'tomcat-ECDSA', 'ipsec', 'ITLRecovery', 'CallManager-ECDSA', 'CallManager', 'CAPF', 'TVS'],
    source: 'guess: the 15 order (no public multi-unit listing of an earlier release)',
  },
];

/** Sorts units as `show cert list own` lists them on release `v`. */
export function certListOwnOrder(v: VersionLike, units: Iterable<CertificateUnit>): CertificateUnit[] {
  const row = CERT_LIST_OWN_ORDER.find((r) => atLeast(v, r.from)) ?? CERT_LIST_OWN_ORDER.at(-1)!;
  return [...units].sort((a, b) => row.order.indexOf(a) - row.order.indexOf(b));
}
export type NodeRole = 'publisher' | 'subscriber';
/**
 * As `show network cluster` prints the product: callmanager (CUCM) or cups (IM&P) (ref §1.11); uccx for a Unified
 * CCX node that trusts the cluster (not a member of it: see facts/uccx.ts).
 */
export type NodeProduct = 'callmanager' | 'cups' | 'uccx';

export interface UnitRow {
  unit: CertificateUnit;
  products: readonly NodeProduct[];
  /** First release the unit exists in. */
  since?: [major: number, minor: number];
  /** Which nodes hold their own certificate of it: every node, or the publisher only from a release on. */
  publisherOnlyFrom?: [major: number, minor: number];
  /**
   * Which nodes generate it (set cert regen): those that hold it, except that from this release on subscribers hold
   * the publisher's copy and may not regenerate it.
   */
  generatedByPublisherOnlyFrom?: [major: number, minor: number];
  /** The trust store every node keeps the unit's certificates in. */
  trustStore: string;
  /** Lifetime of a self-signed certificate the node generates, in days. */
  validityDays: number;
  source: string;
}

const FIVE_YEARS = 1825;

/**
 * IM&P nodes also hold cup, cup-xmpp, cup-xmpp-s2s and their ECDSA variants; the simulator does not model those
 * units (no procedure here regenerates them), so an IM&P node lists tomcat, tomcat-ECDSA and ipsec only. In the order
 * a node lists them (the order the simulator issues them in).
 */
export const UNIT_TABLE: readonly UnitRow[] = [
  {
    unit: 'tomcat',
    products: ['callmanager', 'cups'],
    trustStore: 'tomcat-trust',
    validityDays: FIVE_YEARS,
    source:
      'TN 214231 ("five base certificates": CallManager, tomcat, ipsec, CAPF, TVS; ref §1.3); tomcat-trust/<CN>_<serial>.pem files (ref §1.3); five years (TN 200199, ref §1.3)',
  },
  {
    unit: 'tomcat-ECDSA',
    products: ['callmanager', 'cups'],
    since: [11, 0],
    trustStore: 'tomcat-trust',
    validityDays: FIVE_YEARS,
    source:
      'TN 214231: the certificate manager generates ECDSA certificates from 11.0 (ref §6); tomcat-ECDSA on IM&P (Admin Guide 14SU2, ref §6); an EC tomcat certificate in tomcat-trust on CUCM 14 (ref §1.3)',
  },
  {
    unit: 'ipsec',
    products: ['callmanager', 'cups'],
    trustStore: 'ipsec-trust',
    validityDays: FIVE_YEARS,
    source: 'TN 214231 (base certificate, ref §1.3); ipsec-trust (CLI reference `set cert delete ipsec`, ref §1.5)',
  },
  {
    unit: 'CallManager',
    products: ['callmanager'],
    trustStore: 'CallManager-trust',
    validityDays: FIVE_YEARS,
    source: 'TN 214231 (base certificate, ref §1.3); CallManager-trust (ref §1.3, §1.5)',
  },
  {
    unit: 'CallManager-ECDSA',
    products: ['callmanager'],
    since: [11, 0],
    trustStore: 'CallManager-trust',
    validityDays: FIVE_YEARS,
    source:
      'TN 214231: "CallManager-ECDSA certificate has been added" in 11.0; CallManager and CallManager-ECDSA share CallManager-trust (ref §6)',
  },
  {
    unit: 'CAPF',
    products: ['callmanager'],
    publisherOnlyFrom: [14, 0],
    trustStore: 'CAPF-trust',
    validityDays: FIVE_YEARS,
    source:
      'TN 214231: "Beginning in CUCM 14, the CAPF certificate can only be found on the Publisher" (ref §6); CAPF-trust/CAPF-….pem (ref §1.3; CUCM 14 also lists it in CallManager-trust, which the simulator does not model)',
  },
  {
    unit: 'TVS',
    products: ['callmanager'],
    trustStore: 'TVS-trust',
    validityDays: FIVE_YEARS,
    source: 'TN 214231 (base certificate, ref §1.3); TVS-trust (public bulk-delete script, ref §1.5)',
  },
  {
    unit: 'ITLRecovery',
    products: ['callmanager'],
    generatedByPublisherOnlyFrom: [12, 5],
    trustStore: 'ITLRecovery-trust',
    validityDays: 7300,
    source:
      'TN 214231: "8.X – 11.5 Recovery of phones with mismatched ITL"; "Beginning in 12.5+, the ITLRecovery is a single certificate generated by the publisher and distributed to the subscribers" (ref §6); "a 20 year expiration" (FN70613, ref §6); the trust store name ITLRecovery-trust: guess',
  },
];

function row(unit: CertificateUnit): UnitRow {
  const found = UNIT_TABLE.find((r) => r.unit === unit);
  if (!found) throw new Error(`No unit ${unit} in the simulator's unit table`);
  return found;
}

function exists(r: UnitRow, v: VersionLike, product: NodeProduct): boolean {
  return r.products.includes(product) && (!r.since || atLeast(v, r.since[0], r.since[1]));
}

/** Units a node lists in `show cert list own` (an own certificate or, for ITLRecovery on 12.5+, the publisher's copy). */
export function unitsOnNode(v: VersionLike, role: NodeRole, product: NodeProduct): CertificateUnit[] {
  return UNIT_TABLE.filter(
    (r) =>
      exists(r, v, product) &&
      (role === 'publisher' || !r.publisherOnlyFrom || !atLeast(v, r.publisherOnlyFrom[0], r.publisherOnlyFrom[1])),
  ).map((r) => r.unit);
}

/** Units the node generates itself, so `set cert regen <unit>` is accepted there. */
export function generatedOnNode(v: VersionLike, role: NodeRole, product: NodeProduct): CertificateUnit[] {
  return unitsOnNode(v, role, product).filter((unit) => {
    const from = row(unit).generatedByPublisherOnlyFrom;
    return role === 'publisher' || !from || !atLeast(v, from[0], from[1]);
  });
}

export function trustStoreOf(unit: CertificateUnit): string {
  return row(unit).trustStore;
}

export function validityDays(unit: CertificateUnit): number {
  return row(unit).validityDays;
}

export function findUnit(name: string): CertificateUnit | undefined {
  return CERTIFICATE_UNITS.find((u) => u.toLowerCase() === name.trim().toLowerCase());
}
