/**
 * expiryWatch: the daily run of a cluster's expiry Schedule (clients/expiry-schedules.ts). It reads the cluster
 * (discoverCluster, listExpiredTrust per node), publishes days left and expired trust counts as metrics, and when
 * units are within renewBeforeDays starts one renewal of the due units through the cluster's entity, with the
 * cluster's gates and maintenance window. While another run holds the cluster the entity refuses: the watch records
 * it and ends well; tomorrow's run tries again. It never changes the cluster itself.
 */
import { patched, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  EXPIRY_WATCH_ACTOR,
  type ExpiryWatchInput,
  type ExpiryWatchResult,
  type RenewalOutcome,
} from '../domain/contract/expiry-watch';
import { DISCOVERY_NON_RETRYABLE } from './discover';
import { applyIssuers, decideRenewal, type DueUnit } from '../domain/expiry/due';
import { activeFreeze, describeFreeze } from '../domain/freeze';
import { PATCHES } from './patches';
import { RunNotifier } from './notify';
import { withSentOf } from './run/evidence';
import { planClusterOf } from '../domain/plan';
import type { RegenerationRequest } from '../domain/types';
import { narrowPolicy } from '../domain/policy';

const { discoverCluster, listExpiredTrust, acmeRenewalInfo } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  // Nobody waits on the answer: a node that is down for a while is retried for half an hour, then the watch fails
  // (the Schedule shows it) and tomorrow's run reads again.
  retry: {
    initialInterval: '5 seconds',
    maximumInterval: '2 minutes',
    maximumAttempts: 15,
    nonRetryableErrorTypes: DISCOVERY_NON_RETRYABLE,
  },
});
const { recordCertificateExpiry, startRenewal } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
});

/**
 * Which units are due and renewable, which are refused, and every node's days left; with the issuers applied, the
 * ACME units' decisions and the CSR distribution of the renewal.
 */
type ExpiryDecision = ReturnType<typeof decideRenewal> & Partial<ReturnType<typeof applyIssuers>>;

const dueText = (due: DueUnit[]) =>
  due
    .map(
      (d) =>
        `${d.unit} (${d.daysLeft} days left${d.beforeFreeze ? `, renewed before ${describeFreeze(d.beforeFreeze)}` : ''})`,
    )
    .join(', ');
const issuedText = (due: DueUnit[]) =>
  due
    .filter((d) => d.issuer)
    .map((d) => `; ${d.unit} from ACME issuer ${d.issuer}`)
    .join('');

/** YYYYMMDDTHHMMSS of workflow time: the renewal's id is unique per watch run and stable across retries. */
const stamp = (iso: string) => iso.replace(/[-:]/g, '').slice(0, 15);

export async function expiryWatch(input: ExpiryWatchInput): Promise<ExpiryWatchResult> {
  const { clusterId, renewBeforeDays } = input;
  setCurrentDetails(`**Expiry watch of ${clusterId}**: discovering`);
  const { discovery, expiredTrust } = await readCluster(clusterId);
  const now = Date.now();
  const checkedAt = new Date(now).toISOString();
  // Freezes come as UTC instants (the Schedule's writer converted them): no time-zone data here.
  const freezes = input.freezes ?? [];
  const decision = await withIssuers(
    clusterId,
    discovery,
    decideRenewal(
      planClusterOf(discovery),
      now,
      renewBeforeDays,
      freezes.length ? { freezes, marginDays: input.freezeMarginDays ?? 0 } : undefined,
    ),
    now,
  );
  const frozen = activeFreeze(freezes, now);
  await recordCertificateExpiry({
    clusterId,
    certificates: decision.rows.flatMap((r) =>
      r.daysLeft === null ? [] : [{ node: r.node, unit: r.unit, daysLeft: r.daysLeft }],
    ),
    expiredTrust,
  });

  const renewal: RenewalOutcome =
    decision.due.length === 0
      ? { status: 'none' }
      : frozen
        ? {
            // Nothing starts inside a freeze: the first watch after it starts what is due then.
            status: 'frozen',
            freeze: frozen.freeze,
            until: frozen.until,
            message: `Inside ${describeFreeze(frozen.freeze)}: nothing started; the first watch from ${frozen.until} renews what is due then.`,
          }
        : await startDueRenewal(input, decision, checkedAt);
  const summary = summaryOf(renewBeforeDays, decision, renewal, expiredTrust);
  setCurrentDetails(`**Expiry watch of ${clusterId}** at ${checkedAt}\n\n${summary}`);
  if (decision.due.length > 0) await notifyDue(input, decision, renewal, summary);
  return {
    clusterId,
    checkedAt,
    renewBeforeDays,
    certificates: decision.rows,
    expiredTrust,
    due: decision.due,
    refused: decision.refused,
    ...(decision.acme?.length ? { acme: decision.acme } : {}),
    renewal,
    summary,
  };
}

/**
 * The cluster's issuers applied (PATCHES.acmeIssuer): when some unit is CA-signed, one activity reads which issuer
 * signs each such unit and, for an ACME issuer, what the CA's renewal information says of each node's certificate.
 */
async function withIssuers(
  clusterId: string,
  discovery: Awaited<ReturnType<typeof discoverCluster>>,
  decision: ReturnType<typeof decideRenewal>,
  now: number,
): Promise<ExpiryDecision> {
  const caSigned = new Map<DueUnit['unit'], string[]>();
  for (const r of decision.rows) if (!r.selfSigned) caSigned.set(r.unit, [...(caSigned.get(r.unit) ?? []), r.node]);
  if (caSigned.size === 0 || !patched(PATCHES.acmeIssuer)) return decision;
  // Through withSentOf: the activity reads the nodes over SSH, so its list comes wrapped with what it sent.
  const issuers = await withSentOf(
    acmeRenewalInfo({
      clusterId,
      units: [...caSigned].map(([unit, nodes]) => ({ unit, nodes })),
    }),
  );
  return applyIssuers(planClusterOf(discovery), decision, issuers, now);
}

/** The cluster as discovery reads it, and how many expired certificates each node's trust stores hold. */
async function readCluster(clusterId: string) {
  const discovery = await withSentOf(discoverCluster(clusterId));
  // Every node at once: the reads change nothing, and a large cluster would otherwise wait node by node.
  const expiredTrust = await Promise.all(
    discovery.nodes.map(async (node) => ({
      node: node.id,
      count: (await withSentOf(listExpiredTrust({ clusterId, nodeId: node.id }))).length,
    })),
  );
  return { discovery, expiredTrust };
}

/**
 * One renewal of the due units through the cluster's entity, with the cluster's gates and window; "held" when
 * another run holds the cluster (the entity refuses, and tomorrow's watch tries again).
 */
async function startDueRenewal(
  input: ExpiryWatchInput,
  decision: ExpiryDecision,
  checkedAt: string,
): Promise<RenewalOutcome> {
  const { clusterId, renewBeforeDays } = input;
  const units = decision.due.map((d) => d.unit);
  const request: RegenerationRequest = {
    clusterId,
    units,
    requestedBy: EXPIRY_WATCH_ACTOR,
    approvals: input.approvals,
    ...(input.maintenanceWindow ? { maintenanceWindow: input.maintenanceWindow } : {}),
    // Only the rules that may meet the due units: the same policy a manual start of these units carries.
    ...(input.approvalPolicy ? { approvalPolicy: narrowPolicy(input.approvalPolicy, units) } : {}),
    ...(decision.csrDistribution ? { csrDistribution: decision.csrDistribution } : {}),
  };
  const answer = await startRenewal({
    // regen-… like every run the API starts, so GET /v1/regenerations/{id} and its gates work for it; "renewal" says who.
    workflowId: `regen-${clusterId}-${stamp(checkedAt)}-renewal`,
    request,
    staticSummary: `Renew ${dueText(decision.due)} on ${clusterId} (started by the expiry watch, renewBeforeDays ${renewBeforeDays}${issuedText(decision.due)})`,
    watchWorkflowId: workflowInfo().workflowId,
  });
  return answer.started
    ? { status: 'started', workflowId: answer.workflowId, units }
    : {
        status: 'held',
        ...(answer.holder ? { holder: answer.holder } : {}),
        message: `${answer.holder ? `Held by ${answer.holder.workflowId} (${answer.holder.type})` : answer.message}: will retry tomorrow.`,
      };
}

/** One line for a person: what is due (or the soonest expiry), what was started or held, what was refused. */
function summaryOf(
  renewBeforeDays: number,
  decision: ExpiryDecision,
  renewal: RenewalOutcome,
  expiredTrust: Array<{ count: number }>,
): string {
  const soonest = decision.rows
    .filter((r) => r.daysLeft !== null)
    .sort((a, b) => (a.daysLeft ?? 0) - (b.daysLeft ?? 0))[0];
  const expiredTotal = expiredTrust.reduce((n, t) => n + t.count, 0);
  const byDays = decision.due.filter((d) => !d.issuer);
  return [
    byDays.length
      ? `Due within ${renewBeforeDays} days${byDays.some((d) => d.beforeFreeze) ? ' or before a change freeze' : ''}: ${dueText(byDays)}.`
      : decision.due.length
        ? `Due by their ACME issuer: ${dueText(decision.due)}.`
        : `Nothing due within ${renewBeforeDays} days${soonest ? ` (soonest: ${soonest.unit} on ${soonest.node}, ${soonest.daysLeft} days)` : ''}.`,
    renewal.status === 'started' ? `Renewal ${renewal.workflowId} started.` : '',
    renewal.status === 'held' || renewal.status === 'frozen' ? renewal.message : '',
    decision.refused.length
      ? `Refused by the plan: ${decision.refused.map((r) => `${r.unit}: ${r.reason}`).join(' ')}`
      : '',
    ...(decision.acme ?? []).map(
      (a) => `ACME ${a.unit} (issuer ${a.issuer}): ${a.due ? 'due' : 'not due'}, ${a.reason}.`,
    ),
    ...(decision.deferred ?? []).map((d) => `${d.unit} waits: ${d.reason}.`),
    `${expiredTotal} expired trust certificate(s).`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** Tell the cluster's channels; the links lead to the renewal (its before-start gate) when one was started. */
async function notifyDue(
  { clusterId, renewBeforeDays }: ExpiryWatchInput,
  decision: ExpiryDecision,
  renewal: RenewalOutcome,
  summary: string,
): Promise<void> {
  const notifier = new RunNotifier(clusterId, renewal.status === 'started' ? renewal.workflowId : undefined);
  notifier.emit({
    kind: 'renewal-due',
    title: `${clusterId}: ${decision.due.map((d) => d.unit).join(', ')} due for renewal`,
    details: [summary],
    dueCertificates: decision.rows
      .filter(
        (r) =>
          r.daysLeft !== null &&
          (r.daysLeft <= renewBeforeDays || decision.due.some((d) => d.unit === r.unit && d.nodes.includes(r.node))),
      )
      .map((r) => ({ node: r.node, unit: r.unit, daysLeft: r.daysLeft ?? 0, notAfter: r.notAfter })),
  });
  await notifier.settle();
}
