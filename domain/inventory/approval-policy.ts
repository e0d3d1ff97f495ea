/** A cluster's approval policy as a run carries it: its rules, the inventory's defaults, the built-in ones. */
import { runPolicyOf, type PolicyRunKind, type RunApprovalPolicy } from '../policy';
import type { CertificateUnit } from '../units';
import type { Inventory, InventoryCluster } from './types';

export function runApprovalPolicy(
  inventory: Pick<Inventory, 'approvalPolicy'>,
  cluster: Pick<InventoryCluster, 'id' | 'approvalPolicy' | 'maintenanceWindow'>,
  run: PolicyRunKind,
  units: readonly CertificateUnit[],
): RunApprovalPolicy {
  return runPolicyOf(
    {
      clusterId: cluster.id,
      ...(cluster.approvalPolicy ? { cluster: cluster.approvalPolicy } : {}),
      ...(inventory.approvalPolicy ? { inventory: inventory.approvalPolicy } : {}),
      ...(cluster.maintenanceWindow ? { window: cluster.maintenanceWindow } : {}),
    },
    run,
    units,
  );
}
