/**
 * Who sent each decision, by Temporal's own record. A workflow cannot see who sent a signal or an update; Temporal
 * records it in the history: the `identity` of the WorkflowExecutionSignaled event, and of the update's request
 * (WorkflowExecutionUpdateAccepted, `acceptedRequest.meta.identity`). The API reads those and sets beside each
 * decision of a run:
 *
 * - `temporalIdentity`: the identity Temporal recorded for the message that carried the decision;
 * - `via`: `api-token` or `oidc` (the API sent it, having authenticated the caller so), `api` (the API sent it with
 *   authentication disabled), `temporal-ui` (any other Temporal client: the Web UI, the CLI, an SDK), or `unknown`
 *   (no message in the history fits, e.g. the history could not be read);
 * - `verified`: true only when the decision says so (set by the API from the token it checked) **and** Temporal
 *   recorded one of the API's own client identities as its sender. A decision sent to Temporal directly that claims
 *   `verified` is shown unverified, with `unverifiedReason`. Exception, by the operator's word only: a Temporal
 *   identity matching API_VERIFIED_TEMPORAL_IDENTITIES (a Temporal whose authorizer refuses a signal or update whose
 *   identity is not the caller's authenticated subject: docs/identity.md) counts as verified when the name typed in
 *   is that identity.
 *
 * Matching a decision to its message: the history's gate messages in event order (signals approve, reject, abort
 * and decideGate-signal from a client, not from another workflow; accepted updates decideGate and submitSignedChain),
 * and, for a unit run of a rotation, the rotation's own (decisions reach a unit run through its rotation, which
 * forwards them with the worker's identity). Each decision, in the order the run recorded it, takes the first
 * message not yet taken with the same decision and the same `by` (the approver typed in, or the API's caller) whose
 * gate is the decision's gate (a message naming no gate went to the gate pending then); an accepted chain takes the
 * submitSignedChain update for its node. A message the run ignored (no such gate pending) is taken by no decision
 * unless a later decision by the same person at the same gate fits it, which then shows the identity of that sender.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { DecisionRecord, GateDecisionKind } from '../domain/types';
import { withDeadline, type ApiDeps } from './deps';

/** How a decision reached the run (see the module comment). */
export type DecisionVia = 'api-token' | 'oidc' | 'api' | 'temporal-ui' | 'unknown';

/** What the API adds to a decision from the history. */
export interface DecisionIdentity {
  verified: boolean;
  via: DecisionVia;
  /** Temporal's record of the sender (the message's identity in the history). */
  temporalIdentity?: string;
  /** A decision that claims `verified` but was not sent by this API: why it is not counted. */
  unverifiedReason?: string;
}

/** One gate message of a history: who Temporal says sent it, and what it carried. */
export interface DecisionMessage {
  name: string;
  identity: string;
  eventId: number;
  gateId?: string;
  decision?: GateDecisionKind;
  by?: string;
  nodeId?: string;
  verified?: boolean;
  authenticatedBy?: string;
}

const SIGNALS: Record<string, GateDecisionKind | undefined> = {
  approve: 'approve',
  reject: 'reject',
  abort: 'abort',
  'decideGate-signal': undefined,
};
const UPDATES = ['decideGate', 'submitSignedChain'];

/** Whether an identity matches one of `patterns` (exact, each `*` matching any run of characters). */
export function identityMatcher(patterns: readonly string[]) {
  const globs = patterns.map((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
  return (identity: string | undefined): boolean => !!identity && globs.some((g) => g.test(identity));
}

/** The identities counted as this API's: its client's own, and the configured patterns (`*`: any characters). */
export function apiIdentityMatcher(client: Client, patterns: readonly string[] = ['cucm-cert-regen-api@*']) {
  const own = client.options.identity;
  const configured = identityMatcher(patterns);
  return (identity: string | undefined): boolean => !!identity && (identity === own || configured(identity));
}

/** How the history's identities are judged: the API's own, and those the operator vouches Temporal verified. */
export interface IdentityRules {
  isApi: (identity: string | undefined) => boolean;
  /** API_VERIFIED_TEMPORAL_IDENTITIES: identities Temporal's authorization binds to an authenticated user. */
  isVerifiedByTemporal?: (identity: string | undefined) => boolean;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The gate messages of one workflow's history, in event order. */
export async function decisionMessages(deps: ApiDeps, workflowId: string): Promise<DecisionMessage[]> {
  const history = await withDeadline(deps, 15_000, () => deps.temporal.workflow.getHandle(workflowId).fetchHistory());
  const converter = deps.temporal.options.loadedDataConverter.payloadConverter;
  const first = (payloads?: temporal.api.common.v1.IPayloads | null): Record<string, unknown> => {
    const p = payloads?.payloads?.[0];
    if (!p) return {};
    try {
      const v = converter.fromPayload(p);
      return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  const out: DecisionMessage[] = [];
  for (const e of history.events ?? []) {
    const eventId = Number(e.eventId ?? 0);
    const s = e.workflowExecutionSignaledEventAttributes;
    // A signal another workflow sent (a rotation forwarding a decision to its unit run) is not a person's.
    if (s && s.signalName && s.signalName in SIGNALS && !s.externalWorkflowExecution?.workflowId) {
      const arg = first(s.input);
      const decision = SIGNALS[s.signalName] ?? (str(arg.decision) as GateDecisionKind | undefined);
      out.push({
        name: s.signalName,
        identity: s.identity ?? '',
        eventId,
        gateId: str(arg.gateId),
        decision,
        // approve / reject / abort carry the name typed in as "approver"; decideGate-signal as "by".
        by: s.signalName === 'decideGate-signal' ? str(arg.by) : str(arg.approver),
        verified: arg.verified === true,
        authenticatedBy: str(arg.authenticatedBy),
      });
    }
    const u = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest;
    const name = u?.input?.name;
    if (u && name && UPDATES.includes(name)) {
      const arg = first(u.input?.args);
      out.push({
        name,
        identity: u.meta?.identity ?? '',
        eventId,
        gateId: str(arg.gateId),
        decision: name === 'submitSignedChain' ? 'approve' : (str(arg.decision) as GateDecisionKind | undefined),
        by: str(arg.by),
        nodeId: str(arg.nodeId),
        verified: arg.verified === true,
        authenticatedBy: str(arg.authenticatedBy),
      });
    }
  }
  return out;
}

/** Whether a message could have produced a decision. */
function fits(d: DecisionRecord, m: DecisionMessage): boolean {
  if ((m.by ?? '') !== (d.by ?? '')) return false;
  if (d.kind === 'signed-certificate' && m.name === 'submitSignedChain')
    return !!m.nodeId && (d.comment ?? '').includes(` for ${m.nodeId} `);
  if (m.name === 'submitSignedChain') return false;
  if (m.decision !== d.decision) return false;
  return m.gateId === undefined || m.gateId === d.gateId;
}

/** The history's evidence for one decision's message (or the lack of one). */
function identityOf(d: DecisionRecord, m: DecisionMessage | undefined, rules: IdentityRules): DecisionIdentity {
  if (!m) return { verified: false, via: 'unknown' };
  const fromApi = rules.isApi(m.identity);
  const claimed = d.verified === true || m.verified === true;
  if (fromApi && claimed) {
    const how = d.authenticatedBy ?? m.authenticatedBy;
    return { verified: true, via: how === 'oidc' ? 'oidc' : 'api-token', temporalIdentity: m.identity };
  }
  if (fromApi) return { verified: false, via: 'api', temporalIdentity: m.identity };
  if (rules.isVerifiedByTemporal?.(m.identity)) {
    if (d.by === m.identity) return { verified: true, via: 'temporal-ui', temporalIdentity: m.identity };
    return {
      verified: false,
      via: 'temporal-ui',
      temporalIdentity: m.identity,
      unverifiedReason: `the name typed in ("${d.by ?? ''}") is not the identity Temporal verified ("${m.identity}")`,
    };
  }
  return {
    verified: false,
    via: 'temporal-ui',
    temporalIdentity: m.identity,
    ...(claimed
      ? {
          unverifiedReason: `the decision says verified, but Temporal recorded it from "${m.identity || 'no identity'}", not from this API`,
        }
      : {}),
  };
}

/**
 * Each decision with the history's evidence of who sent it. `messages`: the run's gate messages, and for a unit run
 * of a rotation the rotation's too (any order: they are taken by event order within each history, the rotation's
 * first since a decision sent to a rotation reaches its unit run after it is recorded there).
 */
export function attestDecisions<D extends DecisionRecord>(
  decisions: readonly D[],
  messages: readonly DecisionMessage[],
  rules: IdentityRules,
): Array<D & DecisionIdentity> {
  const taken = new Set<DecisionMessage>();
  return decisions.map((d) => {
    const m = messages.find((c) => !taken.has(c) && fits(d, c));
    if (m) taken.add(m);
    // The decision's own claim is replaced by what the history supports.

    const { verified: _claimed, authenticatedBy, groups, ...rest } = d;
    const evidence = identityOf(d, m, rules);
    // How and with which groups the API authenticated the decider: kept only where the history supports the claim.
    return {
      ...(rest as D),
      ...(evidence.verified && authenticatedBy ? { authenticatedBy } : {}),
      ...(evidence.verified && groups?.length ? { groups } : {}),
      ...evidence,
    };
  });
}

/**
 * The gate messages a run's decisions may have come through: its own history's and, for a unit run of a rotation,
 * the rotation's (first). An unreadable history gives none: its decisions show `via: unknown`, unverified.
 */
export async function messagesFor(deps: ApiDeps, workflowId: string, rotationId?: string): Promise<DecisionMessage[]> {
  const read = (id: string) => decisionMessages(deps, id).catch(() => [] as DecisionMessage[]);
  const [rotation, own] = await Promise.all([rotationId ? read(rotationId) : [], read(workflowId)]);
  return [...rotation, ...own];
}

/** Attests the decisions of one run (reading its history, and its rotation's), or returns them unchanged if none. */
export async function attestRun<D extends DecisionRecord>(
  deps: ApiDeps,
  decisions: readonly D[] | undefined,
  workflowId: string,
  rotationId?: string,
): Promise<Array<D & DecisionIdentity> | undefined> {
  if (!decisions) return undefined;
  if (decisions.length === 0) return [];
  const rules: IdentityRules = {
    isApi: apiIdentityMatcher(deps.temporal, deps.apiIdentities),
    ...(deps.verifiedTemporalIdentities?.length
      ? { isVerifiedByTemporal: identityMatcher(deps.verifiedTemporalIdentities) }
      : {}),
  };
  return attestDecisions(decisions, await messagesFor(deps, workflowId, rotationId), rules);
}

/** A run's state with its decisions attested (the same state when it has none). */
export async function attestState<S extends { decisions: DecisionRecord[] }>(
  deps: ApiDeps,
  state: S,
  workflowId: string,
  rotationId?: string,
): Promise<S> {
  if (state.decisions.length === 0) return state;
  return { ...state, decisions: (await attestRun(deps, state.decisions, workflowId, rotationId)) ?? [] };
}

/** The evidence fields of an attested decision, for the audit events (absent ones left out). */
export function evidenceOf(d: DecisionRecord & Partial<DecisionIdentity>): Partial<DecisionIdentity> & {
  authenticatedBy?: string;
  groups?: string[];
} {
  return {
    ...(d.verified !== undefined ? { verified: d.verified } : {}),
    ...(d.via ? { via: d.via } : {}),
    ...(d.authenticatedBy ? { authenticatedBy: d.authenticatedBy } : {}),
    ...(d.temporalIdentity !== undefined ? { temporalIdentity: d.temporalIdentity } : {}),
    ...(d.unverifiedReason ? { unverifiedReason: d.unverifiedReason } : {}),
    ...(d.groups?.length ? { groups: d.groups } : {}),
  };
}
