/** What the expiry watch records per cluster: the sink is the worker's metrics registry (worker/metrics.ts). */
import type { CertificateUnit } from '../workflows/units';

export interface ExpiryReading {
  clusterId: string;
  /** Days left per node and unit (certificates whose date could not be read are left out). */
  certificates: Array<{ node: string; unit: CertificateUnit; daysLeft: number }>;
  /** Expired certificates in each node's trust stores (the five base units' copies not counted). */
  expiredTrust: Array<{ node: string; count: number }>;
}

export interface ExpiryGauges {
  /** Replaces everything recorded for the cluster before (a node or unit gone since disappears). */
  recordExpiry(reading: ExpiryReading): void;
}
