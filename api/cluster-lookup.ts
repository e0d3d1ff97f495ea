/** A cluster of the inventory by id, or the 404 that says where to look. Shared by the routes. */
import { findCluster, type InventoryCluster } from '../domain/inventory/types';
import type { ApiDeps } from './deps';
import { HttpProblem } from './problem';

export function clusterOr404(deps: ApiDeps, clusterId: string): InventoryCluster {
  const cluster = findCluster(deps.inventory, clusterId);
  if (!cluster)
    throw new HttpProblem(
      404,
      'Not Found',
      `Cluster "${clusterId}" is not in the inventory; GET /v1/clusters lists the known ones.`,
    );
  return cluster;
}
