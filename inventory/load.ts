/**
 * Loads and validates the cluster inventory: the schema first (./schema.ts: shapes, types, defaults, unknown
 * fields), then the few rules a schema cannot say. The worker and the API both start through here.
 */
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { isTimeZone, windowProblem } from '../domain/maintenance-window';
import { freezeInstant } from '../domain/inventory/freezes';
import { automaticProblem, type ApprovalRule } from '../domain/policy';
import { InventoryError } from './errors';
import { InventorySchema, type InventoryInput } from '../domain/inventory/schema';
import { unknownIssuerRefs } from '../domain/inventory/issuers';
import { schemaProblems, wherePath } from './schema-errors';
import type { Inventory, InventoryCluster, NotificationChannel } from '../domain/inventory/types';

export { InventoryError };

type ClusterInput = InventoryInput['clusters'][number];

/** The first of `ids` that repeats an earlier one, with its index. */
function firstRepeat(ids: readonly string[]): { id: string; index: number } | undefined {
  const index = ids.findIndex((id, i) => ids.indexOf(id) !== i);
  return index < 0 ? undefined : { id: ids[index] as string, index };
}

/** The rules across fields; each problem names the cluster and the field, like the schema's. */
function clusterProblems(c: ClusterInput, at: (...path: (string | number)[]) => string): string[] {
  const problems: string[] = [];
  const publishers = c.nodes.filter((n) => n.role === 'publisher').length;
  if (publishers !== 1) problems.push(`${at('nodes')}: must hold exactly one node with role "publisher"`);
  const node = firstRepeat(c.nodes.map((n) => n.id));
  if (node) problems.push(`${at('nodes', node.index, 'id')}: "${node.id}" is listed twice`);
  for (const [hostname, fingerprint] of Object.entries(c.sshHostKeys ?? {})) {
    const listed = c.nodes.findIndex((n) => n.id === hostname);
    const pinned = c.nodes[listed]?.sshHostKeySha256;
    if (pinned !== undefined && pinned !== fingerprint)
      problems.push(`${at('sshHostKeys', hostname)}: differs from nodes[${listed}].sshHostKeySha256; keep one of them`);
  }
  if (c.tls?.mode === 'ca' && !c.tls.caFile?.startsWith('/'))
    problems.push(`${at('tls', 'caFile')}: must be an absolute path when tls.mode is "ca"`);
  c.uccxNodes?.forEach((u, i) => {
    if (c.nodes.some((n) => n.id === u.id))
      problems.push(
        `${at('uccxNodes', i, 'id')}: "${u.id}" is also a CUCM node of the cluster; UCCX nodes are separate`,
      );
    // Nothing is learned about a UCCX node, so a pinned policy needs each one's fingerprint here.
    if (u.sshHostKeySha256 === undefined && c.hostKeyPolicy !== 'record-on-first-use')
      problems.push(
        `${at('uccxNodes', i, 'sshHostKeySha256')}: is required while the cluster's hostKeyPolicy is "pinned" (ssh-keygen -lf of the UCCX node's host key)`,
      );
  });
  const uccx = firstRepeat((c.uccxNodes ?? []).map((u) => u.id));
  if (uccx) problems.push(`${at('uccxNodes', uccx.index, 'id')}: "${uccx.id}" is listed twice`);
  const channel = firstRepeat((c.notifications ?? []).map((n) => n.id));
  if (channel) problems.push(`${at('notifications', channel.index, 'id')}: "${channel.id}" is used twice`);
  // Escalation channels share the notification channels' ids: a delivery names its channel by id alone.
  const escalation = firstRepeat((c.escalation ?? []).map((n) => n.id));
  if (escalation) problems.push(`${at('escalation', escalation.index, 'id')}: "${escalation.id}" is used twice`);
  c.escalation?.forEach((n, i) => {
    if (c.notifications?.some((o) => o.id === n.id))
      problems.push(
        `${at('escalation', i, 'id')}: "${n.id}" is also a notification channel; channel ids are unique across notifications and escalation`,
      );
  });
  c.escalation?.forEach((n, i) => {
    if (n.events !== undefined)
      problems.push(
        `${at('escalation', i, 'events')}: escalation channels take the gate-escalated event only; remove "events"`,
      );
    if (n.kind === 'email' && (n.smtp.username === undefined) !== (n.smtp.passwordRef === undefined))
      problems.push(`${at('escalation', i, 'smtp')}: "username" and "passwordRef" go together`);
  });
  c.freezes?.forEach((f, i) => {
    const r = freezeInstant(f);
    if ('problem' in r) problems.push(`${at('freezes', i)}: ${r.problem}`);
  });
  c.notifications?.forEach((n, i) => {
    if (n.kind === 'email' && (n.smtp.username === undefined) !== (n.smtp.passwordRef === undefined))
      problems.push(`${at('notifications', i, 'smtp')}: "username" and "passwordRef" go together`);
  });
  for (const { path, ref } of unknownIssuerRefs(c))
    problems.push(
      `${at(...path)}: "${ref}" is not one of the cluster's issuers (${['manual', ...(c.issuers ?? []).map((i) => i.id)].join(', ')})`,
    );
  const issuer = firstRepeat((c.issuers ?? []).map((i) => i.id));
  if (issuer) problems.push(`${at('issuers', issuer.index, 'id')}: "${issuer.id}" is used twice`);
  if (c.issuers?.some((i) => i.id === 'manual'))
    problems.push(`${at('issuers')}: "manual" is the built-in hand-off issuer; give the ACME issuer another id`);
  const timeZone = c.expiryWatch?.timeZone;
  if (timeZone !== undefined && !isTimeZone(timeZone))
    problems.push(`${at('expiryWatch', 'timeZone')}: must be an IANA time zone, e.g. "Europe/Paris"`);
  const window = c.maintenanceWindow && windowProblem(c.maintenanceWindow);
  if (window) problems.push(`${at()}: ${window}`);
  c.approvalPolicy?.rules.forEach((rule, i) => {
    problems.push(...ruleProblems(rule, at('approvalPolicy', 'rules', i)));
    if (rule.approvers === 'automatic' && !c.maintenanceWindow)
      problems.push(
        `${at('approvalPolicy', 'rules', i, 'approvers')}: "automatic" passes a gate only inside the cluster's maintenanceWindow, and this cluster has none; add one or choose "one"`,
      );
  });
  return problems;
}

/**
 * What a schema cannot say about an approval rule: where automatic is allowed at all (low-risk units and gates
 * only, domain/policy/risk.ts), a version range that holds some version.
 */
function ruleProblems(rule: ApprovalRule, where: string): string[] {
  const problems: string[] = [];
  const automatic = automaticProblem(rule);
  if (automatic) problems.push(`${where}: "approvers": "automatic" is refused: ${automatic}`);
  const { atLeast, below } = rule.cucmVersion ?? {};
  const num = (v: string) => v.split('.').map(Number) as [number, number?];
  if (atLeast !== undefined && below !== undefined) {
    const [a, am = 0] = num(atLeast);
    const [b, bm = 0] = num(below);
    if (a > b || (a === b && am >= bm)) problems.push(`${where}.cucmVersion: "atLeast" must be below "below"`);
  }
  return problems;
}

/**
 * The cluster as the product uses it. Value.Default has filled every `default` of the schema (ports, policies,
 * budgets, expiry watch); what a `default` cannot say is done here: the name is the id, SMTP's port follows its
 * security, the publisher comes first, a gate is approved once.
 */
function normalized(input: ClusterInput): InventoryCluster {
  const { uccxNodes, ...c } = input as InventoryCluster;
  const approvals = c.renewal?.approvals;
  return {
    ...c,
    name: c.name || c.id,
    // Publisher first: every procedure starts there.
    nodes: [...c.nodes].sort((a, b) => Number(b.role === 'publisher') - Number(a.role === 'publisher')),
    ...(c.notifications ? { notifications: c.notifications.map(channelWithDefaults) } : {}),
    ...(c.escalation ? { escalation: c.escalation.map(channelWithDefaults) } : {}),
    ...(approvals ? { renewal: { approvals: [...new Set(approvals)] } } : {}),
    ...(uccxNodes?.length ? { uccxNodes } : {}),
  };
}

function channelWithDefaults(n: NotificationChannel): NotificationChannel {
  if (n.kind !== 'email') return n;
  const port: number | undefined = n.smtp.port;
  return { ...n, smtp: { ...n.smtp, port: port ?? (n.smtp.security === 'tls' ? 465 : 587) } };
}

/**
 * Validates an inventory document and fills in its defaults. Throws an InventoryError listing every problem, one a
 * line, each naming the cluster and the field.
 */
export function parseInventory(raw: unknown): Inventory {
  const withDefaults: unknown = Value.Default(InventorySchema, Value.Clone(raw));
  const problems = schemaProblems(InventorySchema, withDefaults);
  if (problems.length === 0) {
    const doc = withDefaults as InventoryInput;
    doc.clusters.forEach((c, i) => {
      problems.push(...clusterProblems(c, (...path) => wherePath(doc, ['clusters', i, ...path])));
    });
    const cluster = firstRepeat(doc.clusters.map((c) => c.id));
    if (cluster) problems.push(`cluster "${cluster.id}" is listed twice`);
    doc.approvalPolicy?.rules.forEach((rule, i) => {
      const where = `approvalPolicy.rules[${i}]`;
      problems.push(...ruleProblems(rule, where));
      const windowless = doc.clusters.filter((c) => !c.maintenanceWindow).map((c) => c.id);
      if (rule.approvers === 'automatic' && windowless.length > 0)
        problems.push(
          `${where}.approvers: "automatic" passes a gate only inside a cluster's maintenanceWindow, and ${windowless.map((id) => `"${id}"`).join(', ')} ${windowless.length > 1 ? 'have' : 'has'} none; add one or put the rule in the clusters that have one`,
        );
    });
  }
  if (problems.length > 0) throw new InventoryError(problems.join('\n'));
  const doc = withDefaults as InventoryInput;
  return {
    clusters: doc.clusters.map(normalized),
    ...(doc.approvalPolicy ? { approvalPolicy: doc.approvalPolicy } : {}),
  };
}

export function loadInventory(path: string): Inventory {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InventoryError(`Cannot read the inventory ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InventoryError(`The inventory ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseInventory(raw);
}
