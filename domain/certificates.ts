/** Certificates as the runs exchange them: trust-store entries, a checked signed chain, expiry readings. */
import type { CertificateUnit } from './units';

export interface TrustCertificate {
  store: string;
  file: string;
  serial: string;
  subject: string;
  notAfter: string;
}

export type SignedChainCheck =
  | { ok: true; leafPem: string; caPems: string[]; serial: string; issuer: string; notAfter: string }
  | { ok: false; problem: string };

export interface ExpiryReading {
  clusterId: string;
  /** Days left per node and unit (certificates whose date could not be read are left out). */
  certificates: Array<{ node: string; unit: CertificateUnit; daysLeft: number }>;
  /** Expired certificates in each node's trust stores (the five base units' copies not counted). */
  expiredTrust: Array<{ node: string; count: number }>;
}
