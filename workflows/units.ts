/**
 * Certificate units of a CUCM node, as `show cert list own` names them. Pure data, shared by workflows, API and
 * simulator.
 */
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

export type CertificateUnit = (typeof CERTIFICATE_UNITS)[number];

/** Units this build can regenerate end to end; the others are refused with a clear message until their procedures land. */
export const SUPPORTED_UNITS: readonly CertificateUnit[] = ['tomcat'];

/** Services to restart after regenerating a unit, per Cisco TN 214231 (only where the service is Started). */
export const RESTARTS_BY_UNIT: Partial<Record<CertificateUnit, readonly string[]>> = {
  tomcat: ['Cisco Tomcat'],
};
