/**
 * How the report says who decided: verified or not, how the decision came (the API with a static token or an
 * OpenID Connect token, or another Temporal client such as the Web UI), and Temporal's record of the sender next to
 * the name typed in (api/decision-identities.ts).
 */
import type { ReportDecision } from './types';

/** "yes" / "no" / "—" (a run read without its history). */
export function verifiedText(d: ReportDecision): string {
  if (d.verified === undefined) return '—';
  return d.verified ? 'yes' : 'no';
}

const HOW: Record<string, string> = {
  'api-token': 'API, static token',
  oidc: 'API, OpenID Connect',
  api: 'API, authentication disabled',
  'temporal-ui': 'Temporal UI or another Temporal client',
  unknown: 'no matching message in the history',
};

/** How the decision came, with Temporal's recorded identity of the sender and, if any, why a claim is refused. */
export function howText(d: ReportDecision): string {
  if (!d.via) return '—';
  const identity = d.temporalIdentity !== undefined ? ` (Temporal identity: ${d.temporalIdentity || 'none'})` : '';
  return `${HOW[d.via] ?? d.via}${identity}${d.unverifiedReason ? `; ${d.unverifiedReason}` : ''}`;
}
