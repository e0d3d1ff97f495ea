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
