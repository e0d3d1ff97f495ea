/** A cluster's expiry-watch policy with the defaults filled in (inventory/load.ts validates what is given). */
import type { GateKind, MaintenanceWindow } from '../workflows/types';
import type { InventoryCluster } from './types';

export const DEFAULT_RENEW_BEFORE_DAYS = 60;
export const DEFAULT_WATCH_AT = '06:00';
export const DEFAULT_WATCH_TIME_ZONE = 'UTC';

export interface ExpiryPolicy {
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
    approvals: cluster.renewal?.approvals ?? ['before-start'],
  };
}
