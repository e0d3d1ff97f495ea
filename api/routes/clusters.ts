/**
 * Clusters: the inventory without secrets (nor secret references: user names only), the last discovery, the live
 * certificate inventory, and the dry-run plan. Discovery always runs as a workflow on the worker; the API holds no
 * CUCM credential.
 */
import type { FastifyInstance } from 'fastify';
import type { InventoryCluster } from '../../domain/inventory/types';
import { issuerIdOf, issuerOf } from '../../domain/inventory/issuers';
import { clusterOr404 } from '../cluster-lookup';
import {
  buildPlan,
  planClusterOf,
  type CanaryPhones,
  type CsrDistribution,
  type RestartStrategy,
} from '../../domain/plan';
import { readRedundancy } from '../redundancy';
import type { CertificateUnit } from '../../domain/units';
import type { ApiDeps } from '../deps';
import { bearerSecurity } from '../auth';
import type { DiscoveryRecord, DiscoveryService } from '../discovery';
import {
  authProblems,
  canaryPhonesSchema,
  certificateSchema,
  clusterParamsSchema,
  clusterSchema,
  csrDistributionSchema,
  planSchema,
  problemSchema,
  restartStrategySchema,
  unitsSchema,
} from '../schemas';
import type { DiscoveredCertificate } from '../../domain/discovery';
import { gatesOfPlan } from '../../domain/policy';
import { OPTIONAL_GATES, type GateKind } from '../../domain/types';
import { approvalPolicyOf, policyApplies } from '../start-run';

const DAY_MS = 86_400_000;

function discoveryDocument(record: DiscoveryRecord | undefined) {
  if (!record) return null;
  return { workflowId: record.workflowId, ...record.discovery };
}

/** What the API shows of a cluster: every field is picked by hand, so a secret reference can never slip in. */
function clusterDocument(cluster: InventoryCluster, last: DiscoveryRecord | undefined) {
  return {
    id: cluster.id,
    name: cluster.name,
    nodes: cluster.nodes.map((n) => ({
      id: n.id,
      role: n.role,
      host: n.host,
      sshPort: n.sshPort,
      httpsPort: n.httpsPort,
      ...(n.sshHostKeySha256 ? { sshHostKeySha256: n.sshHostKeySha256 } : {}),
    })),
    users: {
      osAdmin: cluster.credentials.osAdmin.username,
      ...(cluster.credentials.axl ? { axl: cluster.credentials.axl.username } : {}),
    },
    hostKeyPolicy: cluster.hostKeyPolicy,
    tlsMode: cluster.tls.mode,
    risportRequestsPerMinute: cluster.risportRequestsPerMinute,
    ...(cluster.uccxNodes?.length
      ? {
          uccxNodes: cluster.uccxNodes.map((u) => ({
            id: u.id,
            host: u.host,
            sshPort: u.sshPort,
            ...(u.sshHostKeySha256 ? { sshHostKeySha256: u.sshHostKeySha256 } : {}),
            osAdmin: u.osAdmin.username,
          })),
        }
      : {}),
    lastDiscovery: discoveryDocument(last),
  };
}

/** A discovered certificate with where it lives and how long it has left. */
interface CertificateRow extends DiscoveredCertificate {
  node: string;
  role: string;
  /** Whole days until expiry (negative once expired); null when the date could not be read. */
  daysLeft: number | null;
}

/** Every node's certificates, soonest expiry first (unreadable dates last), then node and unit. */
function certificateRows(record: DiscoveryRecord, now = Date.now()): CertificateRow[] {
  const rows: CertificateRow[] = record.discovery.nodes.flatMap((node) =>
    node.certificates.map((c) => {
      const expiry = Date.parse(c.notAfter);
      return {
        node: node.id,
        role: node.role,
        unit: c.unit,
        serial: c.serial,
        subject: c.subject,
        issuer: c.issuer,
        selfSigned: c.selfSigned,
        keyType: c.keyType,
        ...(c.keySize !== undefined ? { keySize: c.keySize } : {}),
        notAfter: c.notAfter,
        daysLeft: Number.isNaN(expiry) ? null : Math.floor((expiry - now) / DAY_MS),
      };
    }),
  );
  const key = (r: CertificateRow) => (Number.isNaN(Date.parse(r.notAfter)) ? Infinity : Date.parse(r.notAfter));
  return rows.sort((a, b) => key(a) - key(b) || a.node.localeCompare(b.node) || a.unit.localeCompare(b.unit));
}

const maxAgeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxAgeSeconds: {
      type: 'string',
      pattern: '^(0|[1-9][0-9]{0,3})$',
      description:
        'a whole number of seconds from 0 to 9999: reuse a discovery at most this old (default 0: discover now)',
    },
  },
} as const;

interface PlanBody {
  units: CertificateUnit[];
  phoneReset?: 'all' | 'secure-only' | 'none';
  ctlUsedFor8021x?: boolean;
  restartStrategy?: RestartStrategy;
  csrDistribution?: CsrDistribution;
  canaryPhones?: CanaryPhones | false;
  approvals?: GateKind[];
}

/** The dry run's gates: per unit, each gate the run will (or may) stop at, how it is decided and why. */
const plannedGatesSchema = {
  type: 'array',
  description:
    'The gates the run will stop at (asked "always") or may stop at (asked "if ..."), per unit, each with how the approval policy decides it (approvers automatic | one | two, approverGroups, verified, rule) and why it is asked. The requester never approves their own run.',
  items: {
    type: 'object',
    properties: {
      unit: { type: 'string' },
      kind: { type: 'string' },
      asked: { type: 'string' },
      why: { type: 'string' },
      approvers: { type: 'string', enum: ['automatic', 'one', 'two'] },
      approverGroups: { type: 'array', items: { type: 'string' } },
      verified: { type: 'boolean' },
      required: { type: 'boolean' },
      rule: { type: 'string' },
    },
  },
} as const;

export function clusterRoutes(app: FastifyInstance, deps: ApiDeps, discovery: DiscoveryService): void {
  app.get(
    '/v1/clusters',
    {
      schema: {
        summary: 'The clusters of the inventory (no secrets), each with its last discovery',
        tags: ['clusters'],
        security: bearerSecurity,
        response: {
          200: {
            type: 'object',
            properties: { clusters: { type: 'array', items: clusterSchema } },
          },
          ...authProblems,
        },
      },
    },
    async () => ({
      clusters: deps.inventory.clusters.map((c) => clusterDocument(c, discovery.lastOf(c.id))),
    }),
  );

  app.get<{ Params: { clusterId: string } }>(
    '/v1/clusters/:clusterId',
    {
      schema: {
        summary: 'One cluster of the inventory (no secrets), with its last discovery',
        tags: ['clusters'],
        security: bearerSecurity,
        params: clusterParamsSchema,
        response: { 200: clusterSchema, 404: problemSchema, ...authProblems },
      },
    },
    async (request) => {
      const cluster = clusterOr404(deps, request.params.clusterId);
      return clusterDocument(cluster, discovery.lastOf(cluster.id));
    },
  );

  app.get<{ Params: { clusterId: string }; Querystring: { maxAgeSeconds?: string } }>(
    '/v1/clusters/:clusterId/certificates',
    {
      schema: {
        summary: 'Live certificate inventory of every node, soonest expiry first',
        description:
          'Runs a discovery (read-only CLI commands over SSH, by the worker) unless maxAgeSeconds allows a recent one. 502 when the cluster cannot be read, 504 when the discovery takes longer than the API waits.',
        tags: ['clusters'],
        security: bearerSecurity,
        params: clusterParamsSchema,
        querystring: maxAgeQuery,
        response: {
          200: {
            type: 'object',
            properties: {
              clusterId: { type: 'string' },
              discoveredAt: { type: 'string', format: 'date-time' },
              discoveryWorkflowId: { type: 'string' },
              version: { type: 'string' },
              certificates: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ...certificateSchema.properties,
                    node: { type: 'string' },
                    role: { type: 'string' },
                    daysLeft: { type: ['integer', 'null'] },
                  },
                },
              },
            },
          },
          404: problemSchema,
          502: problemSchema,
          504: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request) => {
      const cluster = clusterOr404(deps, request.params.clusterId);
      const record = await discovery.discover(cluster.id, Number(request.query.maxAgeSeconds ?? 0) * 1000);
      return {
        clusterId: cluster.id,
        discoveredAt: record.discovery.discoveredAt,
        discoveryWorkflowId: record.workflowId,
        version: record.discovery.version,
        certificates: certificateRows(record),
      };
    },
  );

  app.post<{ Params: { clusterId: string }; Body: PlanBody; Querystring: { maxAgeSeconds?: string } }>(
    '/v1/clusters/:clusterId/plan',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Dry run: discover the cluster and plan the requested units, with refusals and warnings',
        description:
          'Changes nothing on the cluster: the discovery runs read-only CLI commands, the plan is pure rules (Cisco TN 214231). Any role may ask. The units come back in the safe order; with a refusal nothing may run.',
        tags: ['clusters'],
        security: bearerSecurity,
        params: clusterParamsSchema,
        querystring: maxAgeQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['units'],
          properties: {
            units: unitsSchema,
            phoneReset: {
              type: 'string',
              enum: ['all', 'secure-only', 'none'],
              description: 'How phones get the new ITL/CTL (default all).',
            },
            ctlUsedFor8021x: {
              type: 'boolean',
              description: 'The CTL is used for 802.1X: a CallManager change then needs a CTL update in any mode.',
            },
            restartStrategy: restartStrategySchema,
            csrDistribution: csrDistributionSchema,
            canaryPhones: canaryPhonesSchema,
            approvals: {
              type: 'array',
              items: { type: 'string', enum: [...OPTIONAL_GATES] },
              uniqueItems: true,
              description:
                'The optional gates the start would ask for (default ["before-start"]): the answer\'s gates show them with those the approval policy requires.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            // The plan (clusterId, version, units, refusals, warnings) and what discovery saw.
            properties: {
              ...planSchema.properties,
              gates: plannedGatesSchema,
              discoveredAt: { type: 'string', format: 'date-time' },
              discoveryWorkflowId: { type: 'string' },
              securityMode: { type: 'integer' },
              itlSigner: { type: 'string' },
              issuers: {
                type: 'array',
                description:
                  'The CA-signed units of the plan and who signs each (inventory issuance): "manual" waits at the signed-certificate gate for a person; an ACME issuer signs without a gate.',
                items: {
                  type: 'object',
                  properties: {
                    unit: { type: 'string' },
                    issuer: { type: 'string' },
                    kind: { type: 'string', enum: ['manual', 'acme'] },
                  },
                },
              },
            },
          },
          400: problemSchema,
          404: problemSchema,
          502: problemSchema,
          504: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request) => {
      const cluster = clusterOr404(deps, request.params.clusterId);
      const record = await discovery.discover(cluster.id, Number(request.query.maxAgeSeconds ?? 0) * 1000);
      const d = record.discovery;
      // The same mapping the workflows use: the dry run shows the plan a run would execute.
      // redundancy-groups: the batches come from the CallManager groups, read as the run would read them.
      const redundancy =
        request.body.restartStrategy === 'redundancy-groups' ? await readRedundancy(deps, cluster.id) : undefined;
      const { approvals, ...planBody } = request.body;
      const plan = buildPlan({ ...planClusterOf(d), ...(redundancy ? { redundancy } : {}) }, planBody);
      // The gates the run will stop at, as the run resolves them once it has discovered the same cluster (with the
      // policy a start by this caller would carry).
      const policy = policyApplies(request) ? approvalPolicyOf(deps, cluster.id, request.body.units) : {};
      const gates = gatesOfPlan(plan, policy.approvalPolicy, approvals, {
        securityMode: d.securityMode === 1 ? 'mixed' : 'non-secure',
        version: d.version,
      });
      return {
        ...plan,
        gates,
        discoveredAt: d.discoveredAt,
        discoveryWorkflowId: record.workflowId,
        securityMode: d.securityMode,
        itlSigner: d.itlSigner,
        issuers: plan.units
          .filter((u) => u.steps.some((s) => s.kind === 'ca-signed-renewal'))
          .map((u) => ({ unit: u.unit, issuer: issuerIdOf(cluster, u.unit), kind: issuerOf(cluster, u.unit).kind })),
      };
    },
  );
}
