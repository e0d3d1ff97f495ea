/**
 * What discovery reads from a cluster's nodes (version, roles, security mode, ITL signer, services, certificates) and
 * what the AXL redundancy read returns: the data every layer shares (plan, workflows, API, activities).
 */
import type { CertificateUnit } from './units';

export interface ServiceStatus {
  name: string;
  /** STARTED, STOPPED, STARTING, STOPPING, ... as the CLI prints it. */
  state: string;
  /** e.g. "Service Not Activated", "Commanded Out of Service". */
  reason?: string;
}

export interface ClusterDescription {
  clusterId: string;
  name: string;
  nodes: Array<{ id: string; role: 'publisher' | 'subscriber' }>;
}

export interface DiscoveredCertificate {
  unit: CertificateUnit;
  serial: string;
  subject: string;
  issuer: string;
  selfSigned: boolean;
  keyType: string;
  keySize?: number;
  notAfter: string;
}

export interface DiscoveredNode {
  id: string;
  role: 'publisher' | 'subscriber';
  product: string;
  services: ServiceStatus[];
  certificates: DiscoveredCertificate[];
}

export interface ClusterDiscovery {
  clusterId: string;
  version: string;
  securityMode: 0 | 1;
  itlSigner: 'CallManager' | 'ITLRecovery';
  itlSignerSerial?: string;
  nodes: DiscoveredNode[];
  /**
   * Nodes `show network cluster` lists that the worker cannot manage (not listed, and not learnable as a subscriber:
   * e.g. another publisher than the inventory's). Subscribers the inventory does not list are learned, not unmanaged.
   */
  unmanagedNodes: string[];
  /** Ids of the nodes in `nodes` that the inventory does not list: learned from the publisher's show network cluster. */
  learnedNodes?: string[];
  /** The Unified CCX nodes the inventory says trust this cluster's tomcat (ids only; none when absent). */
  uccxNodes?: string[];
  discoveredAt: string;
}

export interface CallManagerRedundancy {
  groups: Array<{
    name: string;
    /** Node ids by priority: the primary first, then its backups. */
    members: string[];
    /** CallManagers of the group that match no node of this cluster's inventory or discovery. */
    unmatched?: string[];
  }>;
  devicePools: Array<{ name: string; callManagerGroup: string }>;
}

/**
 * What a unit changed on the cluster, read again after it (readDiscoveryChanges): every node's services, the
 * certificates of the units it regenerated, and the ITL's signer when it may have changed. A rotation merges it
 * into the discovery it holds (applyDiscoveryChanges), so neither the whole discovery nor the certificates of
 * other units cross its history again between two units.
 */
export interface DiscoveryChanges {
  nodes: Array<{ id: string; services: ServiceStatus[]; certificates: DiscoveredCertificate[] }>;
  /** Present when the ITL was read again (CallManager or ITLRecovery changed): its signer's serial, if parsed. */
  itl?: { signerSerial?: string };
  discoveredAt: string;
}

/** Which certificates to read again on which node: the node's certificates of `units` (none is new). */
export function changesToRead(
  discovery: ClusterDiscovery,
  units: readonly CertificateUnit[],
): { clusterId: string; nodes: Array<{ id: string; units: CertificateUnit[] }>; itl: boolean } {
  return {
    clusterId: discovery.clusterId,
    nodes: discovery.nodes.map((n) => ({
      id: n.id,
      units: n.certificates.map((c) => c.unit).filter((u) => units.includes(u)),
    })),
    itl: units.some((u) => u === 'ITLRecovery' || u === 'CallManager'),
  };
}

/** The discovery with what was read again: services replaced, the units' certificates replaced, the rest kept. */
export function applyDiscoveryChanges(discovery: ClusterDiscovery, changes: DiscoveryChanges): ClusterDiscovery {
  const byId = new Map(changes.nodes.map((n) => [n.id, n]));
  return {
    ...discovery,
    ...(changes.itl ? { itlSignerSerial: changes.itl.signerSerial } : {}),
    nodes: discovery.nodes.map((node) => {
      const changed = byId.get(node.id);
      if (!changed) return node;
      const fresh = new Map(changed.certificates.map((c) => [c.unit, c]));
      return {
        ...node,
        services: changed.services,
        certificates: node.certificates.map((c) => fresh.get(c.unit) ?? c),
      };
    }),
    discoveredAt: changes.discoveredAt,
  };
}
