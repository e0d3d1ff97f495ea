/** What the expiry watch records per cluster: the sink is the worker's metrics registry (worker/metrics.ts). */
import type { ExpiryReading } from '../domain/certificates';

export interface ExpiryGauges {
  /** Replaces everything recorded for the cluster before (a node or unit gone since disappears). */
  recordExpiry(reading: ExpiryReading): void;
}
