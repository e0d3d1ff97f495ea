/**
 * Where a gate may pass with no person: the low-risk changes only. tomcat, tomcat-ECDSA and ipsec do not touch the
 * phones' trust (no ITL or CTL signer changes, TN 214231) and their gates before the start, the restarts, the
 * phone reset and the Unified CCX trust import are planned stops, not answers to something gone wrong. Everything
 * else (CallManager, CallManager-ECDSA, TVS, ITLRecovery, CAPF, a trust recovery; the gates that answer a failure,
 * missing phones or a CA hand-off) needs a person.
 */
import type { GateKind } from '../types';
import type { CertificateUnit } from '../units';
import type { ApprovalRule } from './types';

export const AUTOMATIC_UNITS: readonly CertificateUnit[] = ['tomcat', 'tomcat-ECDSA', 'ipsec'];
export const AUTOMATIC_GATES: readonly GateKind[] = [
  'before-start',
  'before-restarts',
  'before-phone-reset',
  'before-uccx-trust',
];

/** The units whose regeneration in mixed mode changes what every secure phone trusts: two approvers by default. */
export const HIGH_RISK_MIXED_UNITS: readonly CertificateUnit[] = [
  'CallManager',
  'CallManager-ECDSA',
  'TVS',
  'ITLRecovery',
];

/**
 * Why a rule may not be automatic, if it may not: it must name its units and gates, all of them low-risk, and not
 * cover a trust recovery.
 */
export function automaticProblem(rule: ApprovalRule): string | undefined {
  if (rule.approvers !== 'automatic') return undefined;
  const allowed = `automatic is allowed only for units ${AUTOMATIC_UNITS.join(', ')} at gates ${AUTOMATIC_GATES.join(', ')}`;
  if (rule.run === 'trust-recovery') return `a trust recovery always needs a person; ${allowed}`;
  if (!rule.units?.length)
    return `"units" must be listed (without it the rule covers CallManager, TVS, ...); ${allowed}`;
  const risky = rule.units.filter((u) => !AUTOMATIC_UNITS.includes(u));
  if (risky.length) return `${risky.join(', ')} ${risky.length > 1 ? 'are' : 'is'} high-risk; ${allowed}`;
  if (!rule.gates?.length) return `"gates" must be listed (without it the rule covers step-failed, ...); ${allowed}`;
  const personal = rule.gates.filter((g) => !AUTOMATIC_GATES.includes(g));
  if (personal.length) return `gate ${personal.join(', ')} needs a person; ${allowed}`;
  return undefined;
}
