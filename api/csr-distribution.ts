/**
 * csrDistribution "multi-server" at the edge: what the schema cannot say. The units must all take a multi-server
 * CSR (400: the request is wrong whatever the cluster), and the cluster must hold them CA-signed from 14 on (422:
 * discovery says so; the plan's own refusals, so the API and the run agree). Nothing is started when either fails.
 */
import { MULTI_SERVER_UNITS, REFUSAL_CODES, buildPlan, planClusterOf } from '../domain/plan';
import type { CertificateUnit } from '../domain/units';
import type { DiscoveryService } from './discovery';
import { HttpProblem } from './problem';

const MULTI_SERVER_REFUSALS: ReadonlySet<string> = new Set([
  REFUSAL_CODES.multiServerUnit,
  REFUSAL_CODES.multiServerVersion,
  REFUSAL_CODES.multiServerSelfSigned,
]);

/** 400 when a unit other than tomcat / tomcat-ECDSA is asked for with a multi-server CSR. */
export function csrDistributionProblem(body: {
  units: CertificateUnit[];
  csrDistribution?: string;
}): string | undefined {
  if (body.csrDistribution !== 'multi-server') return undefined;
  const others = body.units.filter((u) => !MULTI_SERVER_UNITS.includes(u));
  if (others.length === 0) return undefined;
  return `body.csrDistribution "multi-server" applies to ${MULTI_SERVER_UNITS.join(' and ')} only (one SAN certificate for the whole cluster, TN 118731): remove ${others.join(', ')} from units, or drop csrDistribution to renew them per node.`;
}

/** 422 naming what to fix when the cluster, as discovered now (or within the last minute), refuses it. */
export async function checkMultiServerOnCluster(
  discovery: DiscoveryService,
  clusterId: string,
  units: CertificateUnit[],
): Promise<void> {
  const record = await discovery.discover(clusterId, 60_000);
  const plan = buildPlan(planClusterOf(record.discovery), { units, csrDistribution: 'multi-server' });
  const refused = plan.refusals.filter((r) => MULTI_SERVER_REFUSALS.has(r.code));
  if (refused.length > 0)
    throw new HttpProblem(
      422,
      'Unprocessable Content',
      `csrDistribution "multi-server" cannot renew ${units.join(', ')} on ${clusterId}: ${refused.map((r) => r.message).join(' ')}`,
      { refusals: refused },
    );
}
