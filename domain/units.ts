/**
 * Certificate units of a CUCM node, as `show cert list own` names them. Pure data, shared by every layer (the
 * simulator, an independent witness, keeps its own table).
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
