/**
 * The dry run's gates: for each unit of a plan, which gates the run will stop at, how each is decided under the
 * approval policy, and why it is asked (the request's approvals, the policy's requirement, a step of the plan, or
 * only if something goes wrong). The same resolution the run makes once it has discovered the cluster.
 */
import type { Plan } from '../plan/types';
import type { GateKind } from '../types';
import { optionalGatesOf, resolveGatePolicy } from './resolve';
import type { GatePolicy, PolicyContext, RunApprovalPolicy } from './types';

export interface PlannedGate extends GatePolicy {
  unit: string;
  kind: GateKind;
  /** "always" when the run will stop there; otherwise the condition ("if a step fails after its retries"). */
  asked: string;
  /** Why it is asked. */
  why: string;
}

export function gatesOfPlan(
  plan: Pick<Plan, 'units'>,
  policy: RunApprovalPolicy | undefined,
  approvals: readonly GateKind[] | undefined,
  ctx: Omit<PolicyContext, 'unit' | 'run'>,
): PlannedGate[] {
  return plan.units.flatMap(({ unit, steps }) => {
    const at = { ...ctx, run: 'regeneration' as const, unit };
    const has = (...kinds: string[]) => steps.some((s) => kinds.includes(s.kind));
    const gate = (kind: GateKind, asked: string, why: string): PlannedGate => ({
      unit,
      kind,
      asked,
      why,
      ...resolveGatePolicy(policy, kind, at),
    });
    // An optional gate stands before a step the plan has (restarts, the phone reset); before-start always.
    const meets: Record<string, boolean> = {
      'before-start': true,
      'before-restarts': has('restart-service', 'restart-batch'),
      'before-phone-reset': has('reset-phones'),
    };
    return [
      ...optionalGatesOf(policy, approvals, at)
        .filter((g) => meets[g.kind])
        .map((g) => gate(g.kind, 'always', g.why)),
      ...(has('ca-signed-renewal')
        ? [gate('signed-certificate', 'always', 'the unit is CA-signed: the run waits for the signed chains')]
        : []),
      ...(has('uccx-trust')
        ? [gate('before-uccx-trust', 'always', 'the Unified CCX nodes import the new certificates (a safety stop)')]
        : []),
      ...(has('confirm-phones-reset')
        ? [gate('confirm-phones-reset', 'always', 'phone reset "none": an engineer resets the phones and confirms')]
        : []),
      ...(has('reset-phones')
        ? [
            gate('canary-phones-missing', 'if canary phones do not register again', 'a safety stop'),
            gate('accept-missing-phones', 'if phones do not register again by the deadline', 'a safety stop'),
          ]
        : []),
      gate('step-failed', 'if a step fails after its retries', 'retry, skip (where safe) or abort'),
    ];
  });
}

/**
 * A trust recovery's gates (its dry run): before-start and before-phone-reset when the request asks for them
 * (default both) or the policy requires them, and the gates that open only if something goes wrong.
 */
export function gatesOfTrustRecovery(
  policy: RunApprovalPolicy | undefined,
  approvals: readonly GateKind[] | undefined,
  ctx: Omit<PolicyContext, 'unit' | 'run'>,
): PlannedGate[] {
  const at: PolicyContext = { ...ctx, run: 'trust-recovery' };
  const asked = new Set<GateKind>(approvals ?? ['before-start', 'before-phone-reset']);
  const gate = (kind: GateKind, when: string, why: string): PlannedGate => ({
    unit: 'trust recovery',
    kind,
    asked: when,
    why,
    ...resolveGatePolicy(policy, kind, at),
  });
  return [
    ...(['before-start', 'before-phone-reset'] as const).flatMap((kind) => {
      if (asked.has(kind)) return [gate(kind, 'always', 'the request asks for it (approvals)')];
      const p = resolveGatePolicy(policy, kind, at);
      return p.required ? [gate(kind, 'always', `required by ${p.rule}`)] : [];
    }),
    gate('accept-missing-phones', 'if phones do not register again by the deadline', 'a safety stop'),
    gate('step-failed', 'if a step fails after its retries', 'retry, skip (where safe) or abort'),
  ];
}
