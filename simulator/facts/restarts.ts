/**
 * What TN 214231 restarts after each unit is regenerated, and on which nodes (ref §1.2, which quotes the tech-note's
 * table); and, for the simulator, what each restart does: a service that presents the unit's certificate takes up
 * the new one when it starts, TFTP rebuilds the ITL it serves, TVS re-reads the certificates it vouches for.
 * "Where Started" holds for every row: "You are only required to restart services if the services are running on
 * the server" (TN 214231, ref §1.2).
 */
import type { CertificateUnit } from './units';
import { atLeast, type VersionLike } from './version';

export interface RestartRow {
  unit: CertificateUnit;
  service: string;
  on: 'publisher' | 'every node';
  effect: 'presents the certificate' | 'serves the ITL/CTL' | 'vouches for certificates';
  since?: [number, number];
  /** Only where the feature is configured (the simulator runs no such service). */
  onlyWith?: string;
  source: string;
}

const TN = 'TN 214231 (ref §1.2)';

function tomcatRows(unit: CertificateUnit): RestartRow[] {
  return [
    { unit, service: 'Cisco Tomcat', on: 'every node', effect: 'presents the certificate', source: TN },
    {
      unit,
      service: 'Cisco SSOSP Tomcat',
      on: 'every node',
      effect: 'presents the certificate',
      onlyWith: 'SSO/OAuth',
      source: `${TN}: "if SSO/OAuth: utils service restart Cisco SSOSP Tomcat"`,
    },
  ];
}

function trustFileRows(unit: CertificateUnit): RestartRow[] {
  return [
    {
      unit,
      service: 'Cisco Trust Verification Service',
      on: 'every node',
      effect: unit === 'TVS' ? 'presents the certificate' : 'vouches for certificates',
      source: `${TN}: "Cisco Trust Verification Service (pub then subs)"`,
    },
    {
      unit,
      service: 'Cisco Tftp',
      on: 'every node',
      effect: 'serves the ITL/CTL',
      source: `${TN}: "Cisco TFTP where started"`,
    },
  ];
}

function callManagerRows(unit: CertificateUnit): RestartRow[] {
  return [
    { unit, service: 'Cisco CallManager', on: 'every node', effect: 'presents the certificate', source: TN },
    { unit, service: 'Cisco CTIManager', on: 'every node', effect: 'presents the certificate', source: TN },
    ...trustFileRows(unit),
    {
      unit,
      service: 'Cisco HAProxy',
      on: 'every node',
      effect: 'presents the certificate',
      since: [15, 0],
      source: `${TN} rev 7.0, written for 15.0+: "utils service restart Cisco HAProxy on each node"`,
    },
  ];
}

/** In the tech-note's order, per unit. */
export const RESTART_TABLE: readonly RestartRow[] = [
  ...tomcatRows('tomcat'),
  ...tomcatRows('tomcat-ECDSA'),
  {
    unit: 'ipsec',
    service: 'Cisco DRF Master',
    on: 'publisher',
    effect: 'presents the certificate',
    source: `${TN}: "restart Cisco DRF Master (publisher)"`,
  },
  {
    unit: 'ipsec',
    service: 'Cisco DRF Local',
    on: 'every node',
    effect: 'presents the certificate',
    source: `${TN}: "then Cisco DRF Local on publisher then subscribers"`,
  },
  {
    unit: 'ipsec',
    service: 'Cisco Tomcat',
    on: 'every node',
    effect: 'presents the certificate',
    since: [15, 0],
    source: `${TN} rev 7.0, written for 15.0+: "then utils service restart Cisco Tomcat on each node"; the older revision (10.5-14) is not quoted in the reference, so earlier releases: guess (not needed)`,
  },
  {
    unit: 'CAPF',
    service: 'Cisco Certificate Authority Proxy Function',
    on: 'publisher',
    effect: 'presents the certificate',
    source: `${TN}: "Cisco Certificate Authority Proxy Function (publisher, only if active)"`,
  },
  ...trustFileRows('CAPF'),
  ...callManagerRows('CallManager'),
  ...callManagerRows('CallManager-ECDSA'),
  ...trustFileRows('TVS'),
  ...trustFileRows('ITLRecovery'),
];

/** The restarts after `unit` on this release, in order. */
export function restartsAfter(unit: CertificateUnit, v: VersionLike): RestartRow[] {
  return RESTART_TABLE.filter((r) => r.unit === unit && (!r.since || atLeast(v, r.since[0], r.since[1])));
}

/** Units whose new certificate a service takes up when it starts, on this release. */
export function unitsPresentedBy(service: string, v: VersionLike): CertificateUnit[] {
  const rows = RESTART_TABLE.filter(
    (r) =>
      r.service === service &&
      r.effect === 'presents the certificate' &&
      (!r.since || atLeast(v, r.since[0], r.since[1])),
  );
  return [...new Set(rows.map((r) => r.unit))];
}

/**
 * Units after which TN 214231 runs `utils ctl update CTLFile` on the publisher, in mixed mode (a non-secure cluster
 * has no CTL: TN 118893, ref §1.7): the CTL lists or is signed by them.
 */
export const CTL_UPDATE_AFTER: ReadonlyMap<CertificateUnit, string> = new Map<CertificateUnit, string>([
  ['CAPF', `${TN}: "if mixed mode: utils ctl update CTLFile on publisher"`],
  ['CallManager', `${TN}: "if mixed mode: utils ctl update CTLFile"`],
  ['CallManager-ECDSA', `${TN}: CallManager and CallManager-ECDSA "identical including service restarts"`],
  ['ITLRecovery', `${TN}: "utils ctl update CTLFile (publisher)"; the CTL is signed by ITLRecovery from 12.0 (ref §6)`],
]);
