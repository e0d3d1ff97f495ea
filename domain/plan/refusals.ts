/**
 * Refusals: what makes a request unsafe or impossible, each with a message that says what to fix. A plan with any
 * refusal must not be executed.
 */
import { atLeast, type CucmVersion } from '../cucm-version';
import { CERTIFICATE_UNITS, type CertificateUnit } from '../units';
import { canaryPhonesProblem, PHONE_AFFECTING_UNITS, phoneResetModeOf, secureOnlyResetAllowed } from './rules';
import {
  certificateOf,
  holdersOf,
  productOf,
  regeneratorsOf,
  supportedVersion,
  tryParseVersion,
  unitsOfVersion,
} from './topology';
import { MULTI_SERVER_UNITS, type PlanCluster, type PlanNode, type PlanRequest, type Refusal } from './types';

export const REFUSAL_CODES = {
  invalidVersion: 'INVALID_VERSION',
  unsupportedVersion: 'UNSUPPORTED_VERSION',
  noSinglePublisher: 'NO_SINGLE_PUBLISHER',
  publisherNotCallManager: 'PUBLISHER_NOT_CALLMANAGER',
  duplicateNode: 'DUPLICATE_NODE',
  unknownProduct: 'UNKNOWN_PRODUCT',
  emptyRequest: 'EMPTY_REQUEST',
  invalidPhoneReset: 'INVALID_PHONE_RESET',
  invalidCanaryPhones: 'INVALID_CANARY_PHONES',
  unknownUnit: 'UNKNOWN_UNIT',
  duplicateUnit: 'DUPLICATE_UNIT',
  unitNotInVersion: 'UNIT_NOT_IN_VERSION',
  unitNotHeld: 'UNIT_NOT_HELD',
  unitNotRegeneratable: 'UNIT_NOT_REGENERATABLE',
  secureOnlyNotApplicable: 'PHONE_RESET_SECURE_ONLY_NOT_APPLICABLE',
  invalidCsrDistribution: 'INVALID_CSR_DISTRIBUTION',
  multiServerUnit: 'MULTI_SERVER_UNIT',
  multiServerVersion: 'MULTI_SERVER_VERSION',
  multiServerSelfSigned: 'MULTI_SERVER_SELF_SIGNED',
} as const;

const C = REFUSAL_CODES;
const PHONE_RESET_MODES: readonly string[] = ['all', 'secure-only', 'none'];

/** Facts about the cluster that stop any plan. Returns the parsed version when planning may go on. */
export function checkCluster(cluster: PlanCluster, refusals: Refusal[]): CucmVersion | undefined {
  const before = refusals.length;
  const v = tryParseVersion(cluster.version);
  if (!v) {
    refusals.push({
      code: C.invalidVersion,
      message: `Cluster ${cluster.clusterId} reports version "${cluster.version}", which is not a CUCM version: rerun discovery (show version active).`,
    });
    return undefined;
  }
  if (!supportedVersion(v)) {
    refusals.push({
      code: C.unsupportedVersion,
      message: `CUCM ${v.full} is older than 10.5, which this procedure does not cover: regenerate by hand following the TN 214231 revision for that release, or upgrade first.`,
    });
    return undefined;
  }
  const publishers = cluster.nodes.filter((n) => n.role === 'publisher');
  if (publishers.length !== 1) {
    refusals.push({
      code: C.noSinglePublisher,
      message: `Cluster ${cluster.clusterId} has ${publishers.length} publishers in discovery; a plan needs exactly one (check the inventory's roles).`,
    });
  } else if (productOf(publishers[0] as PlanNode) !== 'callmanager') {
    refusals.push({
      code: C.publisherNotCallManager,
      message: `The publisher ${publishers[0]?.id} is not a CUCM (callmanager) node: the plan starts from the CUCM publisher; check the inventory.`,
    });
  }
  const seen = new Set<string>();
  for (const node of cluster.nodes) {
    if (seen.has(node.id))
      refusals.push({
        code: C.duplicateNode,
        message: `Node ${node.id} is listed twice in the discovery of ${cluster.clusterId}: fix the inventory.`,
      });
    seen.add(node.id);
    if (productOf(node) === undefined)
      refusals.push({
        code: C.unknownProduct,
        message: `Node ${node.id} runs "${node.product}", neither CUCM (callmanager) nor IM&P (cups): remove it from this cluster's inventory.`,
      });
  }
  return refusals.length === before ? v : undefined;
}

/**
 * Checks the request against the cluster. Returns the units that can be planned (known, held, once each), even
 * when some refusal forbids executing them, so a dry run can still show what would happen.
 */
export function checkRequest(
  cluster: PlanCluster,
  v: CucmVersion,
  nodes: readonly PlanNode[],
  request: PlanRequest,
  refusals: Refusal[],
): CertificateUnit[] {
  const requested: readonly unknown[] = Array.isArray(request.units) ? request.units : [];
  if (requested.length === 0)
    refusals.push({ code: C.emptyRequest, message: 'No certificate unit was requested: name at least one unit.' });
  const mode: unknown = request.phoneReset;
  if (mode !== undefined && !PHONE_RESET_MODES.includes(mode as string))
    refusals.push({
      code: C.invalidPhoneReset,
      message: `Phone reset mode ${shown(mode)} is not one of all, secure-only, none.`,
    });
  const canary = canaryPhonesProblem(request.canaryPhones);
  if (canary) refusals.push({ code: C.invalidCanaryPhones, message: canary });

  const plannable: CertificateUnit[] = [];
  const seen = new Set<string>();
  for (const item of requested) {
    const name = typeof item === 'string' ? item : '';
    if (!(CERTIFICATE_UNITS as readonly string[]).includes(name)) {
      refusals.push({
        code: C.unknownUnit,
        message: `${shown(item)} is not a certificate unit; use one of ${CERTIFICATE_UNITS.join(', ')}.`,
      });
      continue;
    }
    const unit = name as CertificateUnit;
    if (seen.has(unit)) {
      refusals.push({
        code: C.duplicateUnit,
        unit,
        message: `${unit} is requested more than once: list each unit once (the plan orders them).`,
      });
      continue;
    }
    seen.add(unit);
    const problem = unitProblem(cluster, v, nodes, unit);
    if (problem) refusals.push(problem);
    else plannable.push(unit);
  }

  if (phoneResetModeOf(request) === 'secure-only')
    for (const unit of plannable.filter((u) => PHONE_AFFECTING_UNITS.has(u) && !secureOnlyResetAllowed(cluster, u)))
      refusals.push({
        code: C.secureOnlyNotApplicable,
        unit,
        message: `Resetting only secure phones is not enough for ${unit}${cluster.securityMode === 1 ? '' : ' on a non-secure cluster'}: it changes the ITL that every phone holds. Use phone reset "all" (or "none" to reset them yourself); "secure-only" applies to CAPF in mixed mode only.`,
      });
  checkCsrDistribution(v, nodes, request, plannable, refusals);
  return plannable;
}

/**
 * csrDistribution multi-server: one CSR on the publisher for the whole cluster (TN 118731), so only where such a
 * CSR exists (tomcat, tomcat-ECDSA), where this product can ask for one (the certificate REST API, from 14), and
 * only to renew a CA-signed certificate (a self-signed unit is regenerated, it has no CSR).
 */
function checkCsrDistribution(
  v: CucmVersion,
  nodes: readonly PlanNode[],
  request: PlanRequest,
  plannable: readonly CertificateUnit[],
  refusals: Refusal[],
): void {
  const distribution: unknown = request.csrDistribution;
  if (distribution === undefined || distribution === 'per-node') return;
  if (distribution !== 'multi-server') {
    refusals.push({
      code: C.invalidCsrDistribution,
      message: `csrDistribution ${shown(distribution)} is not one of per-node, multi-server.`,
    });
    return;
  }
  const others = plannable.filter((u) => !MULTI_SERVER_UNITS.includes(u));
  if (others.length > 0)
    refusals.push({
      code: C.multiServerUnit,
      message: `csrDistribution "multi-server" applies to ${MULTI_SERVER_UNITS.join(' and ')} only (one cluster-wide SAN certificate, TN 118731); remove ${others.join(', ')} from the request, or start them in a run of their own without csrDistribution.`,
    });
  if (!atLeast(v, 14))
    refusals.push({
      code: C.multiServerVersion,
      message: `CUCM ${v.full} has no certificate REST API (it starts with 14) and its CLI (set csr gen) makes a CSR for one node only: generate the multi-server CSR in OS Administration (Security > Certificate Management > Generate CSR, Distribution "Multi-server(SAN)"), or renew per node without csrDistribution.`,
    });
  for (const unit of plannable.filter((u) => MULTI_SERVER_UNITS.includes(u))) {
    const selfSigned = holdersOf(v, nodes, unit)
      .filter((n) => certificateOf(n, unit)?.selfSigned !== false)
      .map((n) => n.id);
    if (selfSigned.length > 0)
      refusals.push({
        code: C.multiServerSelfSigned,
        unit,
        message: `csrDistribution "multi-server" renews a CA-signed ${unit}, but it is self-signed on ${selfSigned.join(', ')}: regenerate it without csrDistribution, or have it CA-signed first (OS Administration, Generate CSR, Distribution "Multi-server(SAN)").`,
      });
  }
}

/** Requests come from the API as JSON: show a bad value as it was sent. */
function shown(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function unitProblem(
  cluster: PlanCluster,
  v: CucmVersion,
  nodes: readonly PlanNode[],
  unit: CertificateUnit,
): Refusal | undefined {
  if (!unitsOfVersion(v).includes(unit))
    return {
      code: C.unitNotInVersion,
      unit,
      message: `${unit} does not exist on CUCM ${v.full} (ECDSA certificates start with 11.0): remove it from the request.`,
    };
  if (holdersOf(v, nodes, unit).length === 0)
    return {
      code: C.unitNotHeld,
      unit,
      message: `No node of ${cluster.clusterId} lists ${unit} among its own certificates (show cert list own): check discovery, or remove ${unit} from the request.`,
    };
  if (regeneratorsOf(v, nodes, unit).length === 0)
    return {
      code: C.unitNotRegeneratable,
      unit,
      message: `${unit} is regenerated on the publisher only on CUCM ${v.full}, and the publisher does not list it: check the publisher's certificates before planning ${unit}.`,
    };
  return undefined;
}
