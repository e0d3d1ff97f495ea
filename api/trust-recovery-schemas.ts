/**
 * The contract of POST /v1/clusters/{id}/trust-recovery, with TypeBox: the body, the dry run's answer and the plan as
 * a run's document shows it (one source for the JSON Schemas and the handler's types).
 */
import { Type, type Static } from '@sinclair/typebox';
import { TRUST_RECOVERY_GATES } from '../domain/contract/trust-recovery';
import { Strict, StringEnum, maintenanceWindowSchema } from './schemas';

export const trustRecoveryBodySchema = Strict({
  dryRun: Type.Optional(
    Type.Boolean({
      description:
        'true: discover the cluster and answer the plan (200), changing nothing; false or absent: start the run (202).',
    }),
  ),
  reason: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'Why (the change ticket, what happened to the phones); shown at the before-start gate.',
    }),
  ),
  approvals: Type.Optional(
    Type.Array(StringEnum(TRUST_RECOVERY_GATES), {
      uniqueItems: true,
      description:
        'Gates to stop at (default ["before-start", "before-phone-reset"]: the start, and each of the two phone resets); [] runs without stopping. Phones still missing at a deadline always stop at accept-missing-phones.',
    }),
  ),
  notBefore: Type.Optional(
    Type.String({ format: 'date-time', description: 'Nothing changes on the cluster before this time (RFC 3339).' }),
  ),
  maintenanceWindow: Type.Optional(maintenanceWindowSchema),
  registrationDeadlineMinutes: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1440,
      description: 'Minutes the phones get to register after each reset (default 30), 1 to 1440.',
    }),
  ),
  registrationPollSeconds: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 600,
      description: 'Seconds between two RisPort70 sweeps while waiting (default 10), 1 to 600.',
    }),
  ),
  longUnregisteredHours: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 8760,
      description:
        'Phones RisPort70 shows unregistered since more than this many hours before the run started are not waited for (down before the incident; default 24), 1 to 8760. The run names them in excludedLongUnregistered.',
    }),
  ),
});
export type TrustRecoveryBody = Static<typeof trustRecoveryBodySchema>;

const recoveryStepSchema = Type.Object(
  {
    kind: Type.String(),
    file: Type.Optional(Type.String()),
    nodeId: Type.Optional(Type.String()),
    nodeIds: Type.Optional(Type.Array(Type.String())),
    command: Type.Optional(Type.String()),
    expect: Type.Optional(Type.String()),
    service: Type.Optional(Type.String()),
    mode: Type.Optional(Type.String()),
    round: Type.Optional(Type.Integer()),
    reason: Type.String(),
  },
  { additionalProperties: true },
);

export const trustRecoveryPlanSchema = Type.Object(
  {
    clusterId: Type.String(),
    version: Type.String(),
    mode: StringEnum(['non-secure', 'mixed'] as const, {
      description:
        'non-secure: utils itl reset localkey; mixed: utils ctl reset localkey, then utils ctl update CTLFile',
    }),
    itlSigner: Type.String({ description: "the ITL's usual signer on this release (TN 214231)" }),
    publisherId: Type.Optional(Type.String()),
    tftpNodeIds: Type.Array(Type.String(), { description: 'nodes with Cisco Tftp Started' }),
    steps: Type.Array(recoveryStepSchema),
    refusals: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
    warnings: Type.Array(Type.String()),
  },
  { description: 'The trust recovery in order, each step with its reason; with a refusal nothing may run.' },
);

export const trustRecoveryDryRunSchema = Type.Object({
  dryRun: Type.Literal(true),
  plan: trustRecoveryPlanSchema,
  discoveredAt: Type.String({ format: 'date-time' }),
  discoveryWorkflowId: Type.String(),
  securityMode: Type.Integer(),
  gates: Type.Optional(
    Type.Array(Type.Object({}, { additionalProperties: true }), {
      description:
        'The gates the recovery will stop at (asked "always") or may stop at (asked "if ..."), each with how the approval policy decides it (approvers, approverGroups, verified, rule) and why it is asked.',
    }),
  ),
});
