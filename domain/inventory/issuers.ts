/**
 * Which issuer a cluster's CA-signed unit takes (inventory `issuers` and `issuance`, in the shape cert-manager made
 * familiar: named issuers, a cluster default and per-unit overrides), pure. "manual" is today's hand-off: the run
 * waits at the signed-certificate gate until a person posts the CA's chain.
 */
import type { CertificateUnit } from '../units';
import { DEFAULT_RENEW_AT_FRACTION, MANUAL_ISSUER } from './schema';
import type { AcmeIssuer, InventoryCluster } from './types';

interface UnitIssuance {
  issuer?: string;
  csrDistribution?: 'per-node' | 'multi-server';
}
type Issuance = { issuer?: string; units?: Partial<Record<CertificateUnit, UnitIssuance>> } | undefined;
/** The schema's record of units, typed by unit (TypeBox types a record of literal keys loosely). */
const issuanceOf = (cluster: Pick<InventoryCluster, 'issuance'>): Issuance => cluster.issuance;

export type UnitIssuer = { kind: 'manual' } | { kind: 'acme'; issuer: AcmeIssuer; renewAtFraction: number };

/** The issuer id a unit takes: the unit's own, else the cluster's, else "manual". */
export function issuerIdOf(cluster: Pick<InventoryCluster, 'issuance'>, unit: CertificateUnit): string {
  const issuance = issuanceOf(cluster);
  return issuance?.units?.[unit]?.issuer ?? issuance?.issuer ?? MANUAL_ISSUER;
}

export function issuerOf(cluster: Pick<InventoryCluster, 'issuance' | 'issuers'>, unit: CertificateUnit): UnitIssuer {
  const id = issuerIdOf(cluster, unit);
  const issuer = cluster.issuers?.find((i) => i.id === id);
  if (!issuer) return { kind: 'manual' };
  return { kind: 'acme', issuer, renewAtFraction: issuer.renewAtFraction ?? DEFAULT_RENEW_AT_FRACTION };
}

/** The CSR distribution the expiry watch asks for a unit (per-node unless the inventory says multi-server). */
export function csrDistributionOf(
  cluster: Pick<InventoryCluster, 'issuance'>,
  unit: CertificateUnit,
): 'per-node' | 'multi-server' {
  return issuanceOf(cluster)?.units?.[unit]?.csrDistribution ?? 'per-node';
}

/** The issuer references that name no issuer of the cluster, with where they are (for the inventory's loader). */
export function unknownIssuerRefs(
  cluster: Pick<InventoryCluster, 'issuance' | 'issuers'>,
): Array<{ path: string[]; ref: string }> {
  const known = new Set([MANUAL_ISSUER, ...(cluster.issuers ?? []).map((i) => i.id)]);
  const refs: Array<{ path: string[]; ref: string }> = [];
  const issuance = issuanceOf(cluster);
  if (issuance?.issuer !== undefined) refs.push({ path: ['issuance', 'issuer'], ref: issuance.issuer });
  for (const [unit, u] of Object.entries(issuance?.units ?? {}))
    if (u?.issuer !== undefined) refs.push({ path: ['issuance', 'units', unit, 'issuer'], ref: u.issuer });
  return refs.filter((r) => !known.has(r.ref));
}
