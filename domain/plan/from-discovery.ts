/**
 * The plan's view of a discovery: one mapping shared by the workflows and the API's dry run, so the plan an engineer
 * previews is the plan a run executes.
 */
import type { PlanCluster } from './types';
import type { ClusterDiscovery } from '../discovery';

export function planClusterOf(d: ClusterDiscovery): PlanCluster {
  return {
    clusterId: d.clusterId,
    version: d.version,
    securityMode: d.securityMode,
    itlSigner: d.itlSigner,
    ...(d.uccxNodes?.length ? { uccxNodes: [...d.uccxNodes] } : {}),
    nodes: d.nodes.map((n) => ({
      id: n.id,
      role: n.role,
      product: n.product,
      services: n.services.map((s) => ({ name: s.name, state: s.state, reason: s.reason })),
      certificates: n.certificates.map((c) => ({
        unit: c.unit,
        serial: c.serial,
        selfSigned: c.selfSigned,
        issuer: c.issuer,
        notAfter: c.notAfter,
      })),
    })),
  };
}
