/** A cluster's expiry-watch policy with the defaults filled in (the defaults are the schema's, ./schema.ts). */
import type { GateKind, MaintenanceWindow } from '../types';
import { DEFAULT_APPROVALS, DEFAULT_RENEW_BEFORE_DAYS, DEFAULT_WATCH_AT, DEFAULT_WATCH_TIME_ZONE } from './schema';
import type { InventoryCluster } from './types';

interface ExpiryPolicy {
  renewBeforeDays: number;
  at: string;
  timeZone: string;
  maintenanceWindow?: MaintenanceWindow;
  approvals: GateKind[];
}

export function expiryPolicyOf(cluster: InventoryCluster): ExpiryPolicy {
  return {
    renewBeforeDays: cluster.renewBeforeDays ?? DEFAULT_RENEW_BEFORE_DAYS,
    at: cluster.expiryWatch?.at ?? DEFAULT_WATCH_AT,
    timeZone: cluster.expiryWatch?.timeZone ?? DEFAULT_WATCH_TIME_ZONE,
    ...(cluster.maintenanceWindow ? { maintenanceWindow: cluster.maintenanceWindow } : {}),
    approvals: cluster.renewal?.approvals ?? [...DEFAULT_APPROVALS],
  };
}
