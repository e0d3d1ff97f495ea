/**
 * JSON schemas shared by the routes: the problem document, ids, and the documents the API answers with. Response
 * schemas list their properties, so the serializer drops anything else: a second guard against echoing a field
 * (such as a secret reference) that a document must not carry.
 */
import { CERTIFICATE_UNITS } from '../workflows/units';

export const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem document (application/problem+json); detail says what to fix.',
  additionalProperties: true,
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
  },
} as const;

/** The problems every authenticated route may answer. */
export const authProblems = { 401: problemSchema, 403: problemSchema } as const;

/** A cluster id as the inventory allows it. */
/** The certificate units of a request: at least one, each once, names as CUCM spells them. */
export const unitsSchema = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: { type: 'string', enum: [...CERTIFICATE_UNITS] },
} as const;

export const CLUSTER_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';

export const clusterParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['clusterId'],
  properties: {
    clusterId: {
      type: 'string',
      pattern: CLUSTER_ID_PATTERN,
      description: 'a cluster id of the inventory (letters, digits, ".", "_", "-"; at most 63 characters)',
    },
  },
} as const;

export const certificateSchema = {
  type: 'object',
  properties: {
    unit: { type: 'string' },
    serial: { type: 'string' },
    subject: { type: 'string' },
    issuer: { type: 'string' },
    selfSigned: { type: 'boolean' },
    keyType: { type: 'string' },
    keySize: { type: 'integer' },
    notAfter: { type: 'string' },
  },
} as const;

export const discoverySchema = {
  type: 'object',
  description: 'What the cluster looked like when the worker last read it (discoverClusterWorkflow).',
  properties: {
    workflowId: { type: 'string', description: 'the discovery workflow (also in the Temporal UI)' },
    discoveredAt: { type: 'string', format: 'date-time' },
    version: { type: 'string' },
    securityMode: { type: 'integer', enum: [0, 1], description: '0 non-secure, 1 mixed mode' },
    itlSigner: { type: 'string', enum: ['CallManager', 'ITLRecovery'] },
    itlSignerSerial: { type: 'string' },
    unmanagedNodes: { type: 'array', items: { type: 'string' } },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          role: { type: 'string', enum: ['publisher', 'subscriber'] },
          product: { type: 'string' },
          services: {
            type: 'array',
            items: {
              type: 'object',
              properties: { name: { type: 'string' }, state: { type: 'string' }, reason: { type: 'string' } },
            },
          },
          certificates: { type: 'array', items: certificateSchema },
        },
      },
    },
  },
} as const;

export const clusterSchema = {
  type: 'object',
  description: 'A cluster of the inventory, without secrets or secret references.',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          role: { type: 'string', enum: ['publisher', 'subscriber'] },
          host: { type: 'string' },
          sshPort: { type: 'integer' },
          httpsPort: { type: 'integer' },
          sshHostKeySha256: { type: 'string' },
        },
      },
    },
    users: {
      type: 'object',
      description: 'The user names the worker signs in with (the passwords stay behind secret references).',
      properties: { osAdmin: { type: 'string' }, axl: { type: 'string' } },
    },
    hostKeyPolicy: { type: 'string', enum: ['pinned', 'record-on-first-use'] },
    tlsMode: { type: 'string', enum: ['pin-tomcat', 'ca', 'insecure'] },
    risportRequestsPerMinute: { type: 'integer' },
    lastDiscovery: { anyOf: [discoverySchema, { type: 'null' }] },
  },
} as const;

export const restartStrategySchema = {
  type: 'string',
  enum: ['serial', 'redundancy-groups'],
  description:
    'serial (default, as TN 214231): restart one node at a time; redundancy-groups: restart CallManager and TVS on several nodes at once, never the primary and a backup of one CallManager group together (read over AXL), the publisher first, the phones back after each CallManager batch.',
} as const;

export const planStepSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    kind: { type: 'string' },
    unit: { type: 'string' },
    nodeId: { type: 'string' },
    nodeIds: { type: 'array', items: { type: 'string' } },
    service: { type: 'string' },
    batch: { type: 'integer' },
    batches: { type: 'integer' },
    awaitPhones: { type: 'boolean' },
    mode: { type: 'string' },
    reason: { type: 'string' },
  },
} as const;

/** A plan as the dry run and a run's state show it: units in the safe order, each with its steps and reasons. */
export const planSchema = {
  type: 'object',
  properties: {
    clusterId: { type: 'string' },
    version: { type: 'string' },
    units: {
      type: 'array',
      items: {
        type: 'object',
        properties: { unit: { type: 'string' }, steps: { type: 'array', items: planStepSchema } },
      },
    },
    refusals: {
      type: 'array',
      items: {
        type: 'object',
        properties: { code: { type: 'string' }, message: { type: 'string' }, unit: { type: 'string' } },
      },
    },
    warnings: { type: 'array', items: { type: 'string' } },
  },
} as const;

const HH_MM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

/** A recurring maintenance window in local time (workflows/types.ts MaintenanceWindow). */
export const maintenanceWindowSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end', 'timeZone'],
  description:
    'Recurring maintenance window: the disruptive steps (regenerate, CTL update, restarts, phone resets) run only while it is open; the run waits for it. Example: {"start":"22:00","end":"05:00","timeZone":"Europe/Paris","days":["sat","sun"]}.',
  properties: {
    start: {
      type: 'string',
      pattern: HH_MM,
      description: 'local opening time as HH:MM, 24 h (e.g. 22:00)',
    },
    end: {
      type: 'string',
      pattern: HH_MM,
      description: 'local closing time as HH:MM, 24 h; earlier than start means the window runs past midnight',
    },
    timeZone: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      description: 'IANA time zone of start and end, e.g. Europe/Paris or America/New_York',
    },
    days: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] },
      description:
        'local days on which the window opens (for a window past midnight, the day it opens); default every day',
    },
  },
} as const;
