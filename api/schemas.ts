/**
 * JSON schemas shared by the routes, written once with TypeBox: each is a JSON Schema (what Fastify validates and
 * OpenAPI shows) and a TypeScript type (`Static<typeof schema>`, what a handler receives through the TypeBox type
 * provider), so the two cannot drift. Response schemas list their properties, so the serializer drops anything
 * else: a second guard against echoing a field (such as a secret reference) that a document must not carry.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { CERTIFICATE_UNITS, type CertificateUnit } from '../domain/units';

/**
 * A string from a fixed list, as a JSON Schema `enum` (not TypeBox's union of literals: its `anyOf` would turn one
 * clear "must be one of" into a list of failed alternatives).
 */
export function StringEnum<T extends string>(values: readonly T[], options: { description?: string } = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

/** An object whose unknown fields are refused (request bodies, params and query strings). */
export function Strict<T extends Parameters<typeof Type.Object>[0]>(
  properties: T,
  options: { description?: string } = {},
) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

export const problemSchema = Type.Object(
  {
    type: Type.Optional(Type.String()),
    title: Type.Optional(Type.String()),
    status: Type.Optional(Type.Integer()),
    detail: Type.Optional(Type.String()),
  },
  {
    additionalProperties: true,
    description: 'RFC 9457 problem document (application/problem+json); detail says what to fix.',
  },
);

/** The problems every authenticated route may answer. */
export const authProblems = { 401: problemSchema, 403: problemSchema } as const;

/** The certificate units of a request: at least one, each once, names as CUCM spells them. */
export const unitsSchema = Type.Array(StringEnum<CertificateUnit>(CERTIFICATE_UNITS), {
  minItems: 1,
  uniqueItems: true,
});

/** A cluster id as the inventory allows it. */
export const CLUSTER_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';

export const clusterParamsSchema = Strict({
  clusterId: Type.String({
    pattern: CLUSTER_ID_PATTERN,
    description: 'a cluster id of the inventory (letters, digits, ".", "_", "-"; at most 63 characters)',
  }),
});

export const certificateSchema = Type.Object({
  unit: Type.Optional(Type.String()),
  serial: Type.Optional(Type.String()),
  subject: Type.Optional(Type.String()),
  issuer: Type.Optional(Type.String()),
  selfSigned: Type.Optional(Type.Boolean()),
  keyType: Type.Optional(Type.String()),
  keySize: Type.Optional(Type.Integer()),
  notAfter: Type.Optional(Type.String()),
});

const service = Type.Object({
  name: Type.Optional(Type.String()),
  state: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});

const discoverySchema = Type.Object(
  {
    workflowId: Type.Optional(Type.String({ description: 'the discovery workflow (also in the Temporal UI)' })),
    discoveredAt: Type.Optional(Type.String({ format: 'date-time' })),
    version: Type.Optional(Type.String()),
    securityMode: Type.Optional(Type.Integer({ enum: [0, 1], description: '0 non-secure, 1 mixed mode' })),
    itlSigner: Type.Optional(StringEnum(['CallManager', 'ITLRecovery'])),
    itlSignerSerial: Type.Optional(Type.String()),
    unmanagedNodes: Type.Optional(Type.Array(Type.String())),
    nodes: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.Optional(Type.String()),
          role: Type.Optional(StringEnum(['publisher', 'subscriber'])),
          product: Type.Optional(Type.String()),
          services: Type.Optional(Type.Array(service)),
          certificates: Type.Optional(Type.Array(certificateSchema)),
        }),
      ),
    ),
  },
  { description: 'What the cluster looked like when the worker last read it (discoverClusterWorkflow).' },
);

export const clusterSchema = Type.Object(
  {
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    nodes: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.Optional(Type.String()),
          role: Type.Optional(StringEnum(['publisher', 'subscriber'])),
          host: Type.Optional(Type.String()),
          sshPort: Type.Optional(Type.Integer()),
          httpsPort: Type.Optional(Type.Integer()),
          sshHostKeySha256: Type.Optional(Type.String()),
        }),
      ),
    ),
    users: Type.Optional(
      Type.Object(
        { osAdmin: Type.Optional(Type.String()), axl: Type.Optional(Type.String()) },
        { description: 'The user names the worker signs in with (the passwords stay behind secret references).' },
      ),
    ),
    hostKeyPolicy: Type.Optional(StringEnum(['pinned', 'record-on-first-use'])),
    tlsMode: Type.Optional(StringEnum(['pin-tomcat', 'ca', 'insecure'])),
    risportRequestsPerMinute: Type.Optional(Type.Integer()),
    uccxNodes: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.Optional(Type.String()),
          host: Type.Optional(Type.String()),
          sshPort: Type.Optional(Type.Integer()),
          sshHostKeySha256: Type.Optional(Type.String()),
          osAdmin: Type.Optional(Type.String({ description: 'the UCCX administrator the worker signs in with' })),
        }),
        { description: 'Unified CCX nodes that trust this cluster’s tomcat (the uccx-trust step after tomcat).' },
      ),
    ),
    lastDiscovery: Type.Optional(Type.Union([discoverySchema, Type.Null()])),
  },
  { description: 'A cluster of the inventory, without secrets or secret references.' },
);

export const restartStrategySchema = StringEnum(['serial', 'redundancy-groups'], {
  description:
    'serial (default, as TN 214231): restart one node at a time; redundancy-groups: restart CallManager and TVS on several nodes at once, never the primary and a backup of one CallManager group together (read over AXL), the publisher first, the phones back after each CallManager batch.',
});

export const csrDistributionSchema = StringEnum(['per-node', 'multi-server'] as const, {
  description:
    'CA-signed tomcat / tomcat-ECDSA only. per-node (default): one CSR per node, one signed chain each. multi-server: one CSR on the publisher whose SANs name every CUCM and IM&P node (OS Administration\'s "Multi-server(SAN)" distribution, Cisco TN 118731), one signed chain submitted for the publisher, uploaded there and distributed by CUCM to every node, then verified on every node (served over HTTPS). From CUCM 14 (certificate REST API). Refused (400) with other units, and (422) where the unit is self-signed or the release is older.',
});

const planStepSchema = Type.Object(
  {
    kind: Type.Optional(Type.String()),
    unit: Type.Optional(Type.String()),
    nodeId: Type.Optional(Type.String()),
    nodeIds: Type.Optional(Type.Array(Type.String())),
    service: Type.Optional(Type.String()),
    batch: Type.Optional(Type.Integer()),
    batches: Type.Optional(Type.Integer()),
    awaitPhones: Type.Optional(Type.Boolean()),
    mode: Type.Optional(Type.String()),
    distribution: Type.Optional(
      Type.String({ description: 'ca-signed-renewal: "multi-server" for one SAN CSR covering nodeIds' }),
    ),
    csrNodeId: Type.Optional(
      Type.String({ description: 'ca-signed-renewal, multi-server: the node (the publisher) that makes the CSR' }),
    ),
    uccxNodeId: Type.Optional(Type.String({ description: 'uccx-trust: the Unified CCX node' })),
    cucmNodeIds: Type.Optional(Type.Array(Type.String())),
    caSigned: Type.Optional(Type.Boolean()),
    services: Type.Optional(Type.Array(Type.String())),
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

/** The run option canaryPhones (domain/plan/types.ts CanaryPhones): false, or the canary stage's size. */
export const canaryPhonesSchema = Type.Union(
  [
    Type.Literal(false),
    Strict(
      {
        perNodeModel: Type.Integer({
          minimum: 0,
          maximum: 20,
          description:
            'canary phones per CallManager node, model and (mixed mode) security profile, a whole number from 0 (off) to 20 (default 2)',
        }),
        max: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 500, description: 'canaries in all, 1 to 500 (default 50)' }),
        ),
        deadlineMinutes: Type.Optional(
          Type.Number({
            exclusiveMinimum: 0,
            maximum: 1440,
            description: 'minutes the canaries get to register again (default: the registration deadline, at most 10)',
          }),
        ),
      },
      { description: 'the canary stage' },
    ),
  ],
  {
    description:
      'Reset a few phones first and wait for them before the fleet: false turns it off; default {"perNodeModel": 2, "max": 50}.',
  },
);

/** A plan as the dry run and a run's state show it: units in the safe order, each with its steps and reasons. */
export const planSchema = Type.Object({
  clusterId: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  units: Type.Optional(
    Type.Array(Type.Object({ unit: Type.Optional(Type.String()), steps: Type.Optional(Type.Array(planStepSchema)) })),
  ),
  refusals: Type.Optional(
    Type.Array(
      Type.Object({
        code: Type.Optional(Type.String()),
        message: Type.Optional(Type.String()),
        unit: Type.Optional(Type.String()),
      }),
    ),
  ),
  warnings: Type.Optional(Type.Array(Type.String())),
});

const HH_MM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

/** A recurring maintenance window in local time (domain/types.ts MaintenanceWindow). */
export const maintenanceWindowSchema = Strict(
  {
    start: Type.String({ pattern: HH_MM, description: 'local opening time as HH:MM, 24 h (e.g. 22:00)' }),
    end: Type.String({
      pattern: HH_MM,
      description: 'local closing time as HH:MM, 24 h; earlier than start means the window runs past midnight',
    }),
    timeZone: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'IANA time zone of start and end, e.g. Europe/Paris or America/New_York',
    }),
    days: Type.Optional(
      Type.Array(StringEnum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const), {
        minItems: 1,
        uniqueItems: true,
        description:
          'local days on which the window opens (for a window past midnight, the day it opens); default every day',
      }),
    ),
  },
  {
    description:
      'Recurring maintenance window: the disruptive steps (regenerate, CTL update, restarts, phone resets) run only while it is open; the run waits for it. Example: {"start":"22:00","end":"05:00","timeZone":"Europe/Paris","days":["sat","sun"]}.',
  },
);

export type { Static, TSchema };
