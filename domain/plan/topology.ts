/**
 * Who holds what: the cluster's nodes publisher first, and for a unit the nodes that hold it (discovered AND expected
 * for the version, role and product) and those that may regenerate it. Shared by the builder and the guard.
 */
import {
  atLeast,
  itlSigner,
  parseCucmVersion,
  regeneratableOnNode,
  unitsOnNode,
  type CucmVersion,
  type NodeProduct,
} from '../cucm-version';
import type { CertificateUnit } from '../units';
import type { PlanCluster, PlanNode } from './types';

/** Oldest release whose procedure this plan encodes (TN 214231's older revision starts at 10.5). */
const MIN_VERSION = { major: 10, minor: 5 } as const;

export function tryParseVersion(text: string): CucmVersion | undefined {
  try {
    return parseCucmVersion(text);
  } catch {
    return undefined;
  }
}

export function supportedVersion(v: CucmVersion): boolean {
  return atLeast(v, MIN_VERSION.major, MIN_VERSION.minor);
}

export function productOf(node: PlanNode): NodeProduct | undefined {
  const p = node.product.trim().toLowerCase();
  return p === 'callmanager' || p === 'cups' ? p : undefined;
}

/** Publisher first, subscribers in their given order (a stable re-order, so callers need not sort). */
export function orderedNodes(cluster: PlanCluster): PlanNode[] {
  return [
    ...cluster.nodes.filter((n) => n.role === 'publisher'),
    ...cluster.nodes.filter((n) => n.role !== 'publisher'),
  ];
}

export function certificateOf(node: PlanNode, unit: CertificateUnit): PlanNode['certificates'][number] | undefined {
  return node.certificates.find((c) => c.unit === unit);
}

export function serviceOf(node: PlanNode, service: string): PlanNode['services'][number] | undefined {
  return node.services.find((s) => s.name === service);
}

export function isStarted(node: PlanNode, service: string): boolean {
  return serviceOf(node, service)?.state === 'STARTED';
}

/** Nodes that list the unit and, for this version, role and product, really own it (publisher first). */
export function holdersOf(v: CucmVersion, nodes: readonly PlanNode[], unit: CertificateUnit): PlanNode[] {
  return nodes.filter((n) => {
    const product = productOf(n);
    return (
      product !== undefined && certificateOf(n, unit) !== undefined && unitsOnNode(v, n.role, product).includes(unit)
    );
  });
}

/** Holders that regenerate the unit themselves (not ITLRecovery copies on 12.5+ subscribers). */
export function regeneratorsOf(v: CucmVersion, nodes: readonly PlanNode[], unit: CertificateUnit): PlanNode[] {
  return holdersOf(v, nodes, unit).filter((n) => regeneratableOnNode(v, n.role, productOf(n)).includes(unit));
}

/** Units that exist at all on this version (on a CUCM publisher, which holds every kind). */
export function unitsOfVersion(v: CucmVersion): CertificateUnit[] {
  return unitsOnNode(v, 'publisher', 'callmanager');
}

/**
 * Conservative: the ITL counts as CallManager-signed if discovery says so (e.g. after `utils itl reset localkey`)
 * or if the version says so (8.x-11.5).
 */
export function itlSignedByCallManager(cluster: PlanCluster, v: CucmVersion): boolean {
  return cluster.itlSigner === 'CallManager' || itlSigner(v) === 'CallManager';
}
