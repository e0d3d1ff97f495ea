/**
 * The contract of the regeneration routes: every request and response schema, with TypeBox, and the TypeScript
 * types the handlers get from them (Static), so the schemas Fastify validates and the types the code reads are
 * one source.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { OPTIONAL_GATES, type GateKind } from '../domain/types';
import {
  canaryPhonesSchema,
  CLUSTER_ID_PATTERN,
  Strict,
  StringEnum,
  csrDistributionSchema,
  maintenanceWindowSchema,
  planSchema,
  restartStrategySchema,
  unitsSchema,
} from './schemas';
import { trustRecoveryPlanSchema } from './trust-recovery-schemas';
import { FILTER_STATUSES, RUN_WORKFLOW_TYPES, type RunStatus } from './visibility';

const RUN_ID_PATTERN = '^regen-[A-Za-z0-9._-]+$';

const STATUS_VALUES: readonly RunStatus[] = [
  'running',
  'awaiting-approval',
  'completed',
  'failed',
  'cancelled',
  'aborted',
];

/** The gates a caller may list in `approvals` (the workflow's optional gates, plus the safety gate by name). */
const APPROVAL_GATES: GateKind[] = [...OPTIONAL_GATES, 'accept-missing-phones'];

export const runParamsSchema = Strict({
  id: Type.String({ pattern: RUN_ID_PATTERN, maxLength: 200, description: 'a run id (regen-...)' }),
});

export const startHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      pattern: '^[\\x21-\\x7E]{1,200}$',
      description:
        '1 to 200 visible ASCII characters (a UUID is a good key); the same key and body return the same run',
    }),
  ),
});

export const startBodySchema = Strict({
  units: unitsSchema,
  approvals: Type.Optional(
    Type.Array(StringEnum(APPROVAL_GATES), {
      uniqueItems: true,
      description:
        'Gates to stop at (default ["before-start"]); [] runs without stopping. Safety gates (accept missing phones, confirm a manual phone reset) always apply, listed or not.',
    }),
  ),
  phoneReset: Type.Optional(
    StringEnum(['all', 'secure-only', 'none'] as const, {
      description:
        'How phones get the new ITL/CTL: all (default), secure-only, or none (you reset them, then confirm at a gate).',
    }),
  ),
  registrationDeadlineMinutes: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1440,
      description: 'Minutes phones get to register again after a reset (default 30), as a whole number from 1 to 1440.',
    }),
  ),
  canaryPhones: Type.Optional(canaryPhonesSchema),
  notBefore: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Nothing changes on the cluster before this time (RFC 3339, e.g. 2026-12-01T22:00:00Z).',
    }),
  ),
  maintenanceWindow: Type.Optional(maintenanceWindowSchema),
  restartStrategy: Type.Optional(restartStrategySchema),
  csrDistribution: Type.Optional(csrDistributionSchema),
});
export type StartBody = Static<typeof startBodySchema>;

export const startAnswerSchema = Type.Object({
  id: Type.String(),
  clusterId: Type.String(),
  status: StringEnum(STATUS_VALUES),
  location: Type.String(),
  replayed: Type.Optional(Type.Boolean({ description: 'true when an Idempotency-Key returned an existing run' })),
  requestedBy: Type.Optional(Type.String()),
});
export type StartAnswer = Static<typeof startAnswerSchema>;

export const listQuerySchema = Strict({
  clusterId: Type.Optional(
    Type.String({ pattern: CLUSTER_ID_PATTERN, description: 'a cluster id (letters, digits, ".", "_", "-")' }),
  ),
  status: Type.Optional(StringEnum(FILTER_STATUSES)),
  awaitingApproval: Type.Optional(
    StringEnum(['true', 'false'] as const, {
      description: 'true: only runs stopped at a gate; false: only the others',
    }),
  ),
  pageSize: Type.Optional(
    Type.String({ pattern: '^([1-9][0-9]?|100)$', description: 'a whole number from 1 to 100 (default 20)' }),
  ),
  nextPageToken: Type.Optional(
    Type.String({
      maxLength: 4096,
      pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
      description: 'the nextPageToken of the previous page, unchanged',
    }),
  ),
});

const opt = <T extends TSchema>(schema: T) => Type.Optional(schema);
const str = () => Type.Optional(Type.String());

const listItemSchema = Type.Object({
  id: str(),
  type: str(),
  clusterId: str(),
  units: opt(Type.Array(Type.String())),
  status: opt(StringEnum(STATUS_VALUES)),
  phase: str(),
  startedAt: str(),
  closedAt: str(),
  parentId: str(),
  location: str(),
});

export const listResponseSchema = Type.Object({
  items: Type.Array(listItemSchema),
  nextPageToken: str(),
});

const stepSchema = Type.Object(
  {
    id: str(),
    kind: str(),
    description: str(),
    status: opt(StringEnum(['pending', 'running', 'completed', 'skipped', 'failed'] as const)),
    nodeId: str(),
    service: str(),
    unit: str(),
    startedAt: str(),
    finishedAt: str(),
    detail: str(),
  },
  { additionalProperties: true },
);

const canaryPhoneSchema = Type.Object({
  name: str(),
  node: str(),
  model: str(),
  secure: opt(Type.Boolean()),
});

const gateSchema = Type.Object({
  id: str(),
  kind: str(),
  description: str(),
  allowed: opt(Type.Array(Type.String())),
  expiresAt: str(),
  policy: opt(
    Type.Object(
      {
        approvers: StringEnum(['automatic', 'one', 'two']),
        approverGroups: opt(Type.Array(Type.String())),
        verified: opt(Type.Boolean()),
        required: opt(Type.Boolean()),
        rule: Type.String({ description: 'the approval rule that decided (its place in the inventory, or built-in)' }),
      },
      { description: 'how the gate is decided under the approval policy; the requester never approves' },
    ),
  ),
  approvals: opt(
    Type.Object(
      {
        needs: Type.Integer({ description: 'approvals the gate needs' }),
        by: Type.Array(Type.String(), { description: 'who approved so far ("1 of 2": one name, needs 2)' }),
        decision: str(),
      },
      { description: 'the approvals it has and needs' },
    ),
  ),
});

export const documentSchema = Type.Object({
  id: str(),
  type: opt(StringEnum(RUN_WORKFLOW_TYPES)),
  clusterId: str(),
  units: opt(Type.Array(Type.String())),
  status: opt(StringEnum(STATUS_VALUES)),
  phase: str(),
  requestedBy: str(),
  requestedVia: opt(Type.String({ description: 'how the API authenticated the requester: api-token or oidc' })),
  parentId: opt(Type.String({ description: 'a unit run of a rotation: the rotation' })),
  startedAt: str(),
  closedAt: str(),
  notBefore: str(),
  maintenanceWindow: opt(maintenanceWindowSchema),
  steps: opt(Type.Array(stepSchema)),
  pendingGates: opt(Type.Array(gateSchema)),
  decisions: opt(
    Type.Array(
      Type.Object({
        gateId: str(),
        kind: str(),
        decision: str(),
        by: str(),
        comment: str(),
        at: str(),
        verified: opt(
          Type.Boolean({
            description:
              'the API authenticated the decider and Temporal recorded the API as its sender (false: a name typed in, or a claim Temporal does not support)',
          }),
        ),
        via: opt(
          Type.String({
            description:
              'api-token | oidc | api (authentication disabled) | temporal-ui (any other Temporal client) | unknown',
          }),
        ),
        authenticatedBy: opt(Type.String({ description: 'verified decisions: api-token or oidc' })),
        groups: opt(Type.Array(Type.String(), { description: "the decider's roles or groups, as the API saw them" })),
        temporalIdentity: opt(
          Type.String({
            description: "Temporal's record of the sender: the identity of the signal or update in the history",
          }),
        ),
        unverifiedReason: opt(Type.String({ description: 'why a decision that claims verified is not counted' })),
        approval: opt(Type.Object({ count: Type.Integer(), needs: Type.Integer() }, { description: '"1 of 2"' })),
      }),
    ),
  ),
  plan: opt(
    Type.Object(planSchema.properties, {
      description: 'the plan being executed (steps with reasons), once pre-flight built it',
    }),
  ),
  recoveryPlan: opt(trustRecoveryPlanSchema),
  certificates: opt(
    Type.Array(
      Type.Object({
        nodeId: str(),
        serialBefore: str(),
        serialAfter: str(),
        regeneratedNow: opt(Type.Boolean()),
        sha256Before: opt(Type.String({ description: 'SHA-256 fingerprint before (colon-separated hex)' })),
        sha256After: opt(Type.String({ description: 'SHA-256 fingerprint after' })),
      }),
      { description: 'serials and SHA-256 fingerprints before and after, per node, as the regeneration steps finish' },
    ),
  ),
  csrs: opt(
    Type.Array(
      Type.Object({
        nodeId: str(),
        unit: str(),
        csrPem: str(),
        coversNodes: opt(
          Type.Array(Type.String(), {
            description: 'a multi-server CSR (made on nodeId, the publisher): every node its SANs name',
          }),
        ),
      }),
      { description: 'CA-signed units: the CSRs waiting for the CA (the private keys stay on the nodes)' },
    ),
  ),
  missingPhones: opt(
    Type.Object(
      { count: opt(Type.Integer()), sample: opt(Type.Array(Type.String())) },
      { description: 'phones not registered again at the last registration check' },
    ),
  ),
  excludedLongUnregistered: opt(
    Type.Object(
      { count: opt(Type.Integer()), names: opt(Type.Array(Type.String())), unregisteredBefore: str() },
      {
        description:
          'a trust recovery: phones unregistered since before unregisteredBefore (down before the incident), not waited for; at most 50 names',
      },
    ),
  ),
  canaryPhones: opt(
    Type.Object(
      {
        status: opt(StringEnum(['selected', 'reset', 'back', 'missing', 'accepted'] as const)),
        phones: opt(Type.Array(canaryPhoneSchema)),
        missing: opt(Type.Array(canaryPhoneSchema)),
        likelyCause: str(),
        recovery: str(),
      },
      {
        description:
          'the canary phones reset before the fleet (chosen with the baseline per node, model and security profile) and how they came back',
      },
    ),
  ),
  manualActions: opt(
    Type.Array(Type.String(), {
      description: 'failed, aborted or cancelled runs: what an engineer still has to do by hand',
    }),
  ),
  order: opt(Type.Array(Type.String(), { description: 'a rotation: its units in the safe order' })),
  done: opt(Type.Array(Type.String(), { description: 'a rotation: the units completed' })),
  currentUnit: opt(
    Type.String({ description: 'a rotation: the unit running now; steps, pendingGates and phase are its unit run' }),
  ),
  currentRunId: opt(Type.String({ description: 'a rotation: the id of the unit run of currentUnit' })),
  unitRuns: opt(
    Type.Array(Type.Object({ unit: str(), id: str(), location: str() }), {
      description: 'a rotation: the unit runs it has started',
    }),
  ),
  // One unit: a RegenerationResult; a rotation: one per unit, in its order.
  result: opt(Type.Unknown()),
  error: str(),
});
