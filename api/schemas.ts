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

export const planStepSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    kind: { type: 'string' },
    unit: { type: 'string' },
    nodeId: { type: 'string' },
    nodeIds: { type: 'array', items: { type: 'string' } },
    service: { type: 'string' },
    mode: { type: 'string' },
    reason: { type: 'string' },
  },
} as const;
