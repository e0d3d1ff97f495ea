/** The change report as Markdown (GitHub-flavoured tables), for a change ticket's text or attachment. */
import { howText, verifiedText } from './decision-identity';
import type { Report, ReportStepSent } from './types';

/** A table cell: no line breaks, pipes escaped, Markdown's inline markers neutralised. */
const cell = (value: unknown): string =>
  value === undefined || value === null || value === ''
    ? '—'
    : (typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value))
        .replace(/\r?\n/g, ' ')
        .replace(/([\\|`*_[\]<>])/g, '\\$1');
/** Running text: the same escaping, keeping it on one line. */
const text = cell;
/** Markdown written here (code spans, links), not escaped again. */
interface Raw {
  md: string;
}
const raw = (md: string): Raw => ({ md });
const isRaw = (v: unknown): v is Raw => typeof v === 'object' && v !== null && 'md' in v;
const code = (value: string): Raw => raw('`' + value.replace(/`/g, "'").replace(/\|/g, '\\|') + '`');
const link = (label: string, url: string): Raw =>
  raw(`[${cell(label)}](${encodeURI(url).replace(/[()|]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)})`);

function table(head: string[], rows: unknown[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((v) => (isRaw(v) ? v.md : cell(v))).join(' | ')} |`),
  ];
}

/** A step's Sent cell: each request as a code span, or why none is listed. */
function sentCell(sent: ReportStepSent): Raw {
  if (!sent.recorded)
    return raw(`_not recorded (run predates evidence)_${sent.inferred ? `; inferred: ${code(sent.inferred).md}` : ''}`);
  const parts = sent.requests.map((q) => code(q.line).md);
  if (sent.omitted) parts.push(`and ${sent.omitted} more`);
  if (parts.length === 0) parts.push(sent.outsideCluster ? 'nothing sent to the cluster' : 'nothing sent');
  if (sent.outsideCluster) parts.push(`outside the cluster, not recorded: ${text(sent.outsideCluster)}`);
  const retried = sent.unlistedAttempts ? ` (after ${sent.unlistedAttempts} retried attempts, not listed)` : '';
  return raw(parts.join('; ') + retried);
}

export function renderMarkdown(r: Report): string {
  const out: string[] = [`# ${text(r.title)}`, ''];
  out.push(
    ...table(
      ['Field', 'Value'],
      [
        ['Run', code(r.run.id)],
        ['Cluster', r.run.clusterId],
        ['CUCM version', r.run.version],
        ['Units', r.run.units.join(', ')],
        ['Status', r.run.status],
        ['Requested by', r.run.requestedBy],
        ['Started', r.run.startedAt],
        ['Ended', r.run.closedAt],
        ['Temporal UI', link(r.run.temporalUrl, r.run.temporalUrl)],
        ['Report generated', r.generatedAt],
      ],
    ),
    '',
  );
  if (r.run.error) out.push(`**Error:** ${text(r.run.error)}`, '');
  if (r.units.length > 1 || r.notStarted.length > 0) {
    out.push('## Units', '');
    out.push(
      ...table(
        ['Unit', 'Status', 'Steps done', 'Unit run'],
        [
          ...r.units.map((u) => [
            u.unit,
            u.status,
            `${u.steps.completed} of ${u.steps.total}${u.steps.skipped ? `, ${u.steps.skipped} skipped` : ''}${u.steps.failed ? `, ${u.steps.failed} failed` : ''}`,
            link(u.workflowId, u.temporalUrl),
          ]),
          ...r.notStarted.map((u) => [u, 'not started', '—', '—']),
        ],
      ),
      '',
    );
  }
  out.push('## Plan', '');
  if (!r.plan) out.push('No plan was built (the run ended before pre-flight finished).', '');
  else {
    for (const w of r.plan.warnings) out.push(`> **Warning:** ${text(w)}`, '');
    for (const f of r.plan.refusals) out.push(`> **Refused (${text(f.code)}):** ${text(f.message)}`, '');
    for (const u of r.plan.units) {
      out.push(`### ${text(u.unit)}`, '');
      out.push(
        ...table(
          ['#', 'Step', 'Target', 'Reason'],
          u.steps.map((s, i) => [i + 1, s.kind, s.target, s.reason]),
        ),
      );
      out.push('');
    }
  }
  out.push('## Steps', '');
  if (r.steps.length === 0) out.push('No step ran.', '');
  else
    out.push(
      ...table(
        ['Unit', 'Step', 'Node', 'Sent', 'Status', 'Started', 'Finished', 'Detail'],
        r.steps.map((s) => [
          s.unit,
          s.description,
          s.nodeId,
          sentCell(s.sent),
          s.status,
          s.startedAt,
          s.finishedAt,
          s.detail,
        ]),
      ),
      '',
    );
  out.push('## Certificates before and after', '');
  if (r.certificates.length === 0) out.push('No certificate was changed.', '');
  else
    out.push(
      ...table(
        ['Unit', 'Node', 'Serial before', 'Serial after', 'SHA-256 before', 'SHA-256 after'],
        r.certificates.map((c) => [
          c.unit,
          c.nodeId,
          code(c.serialBefore),
          raw(code(c.serialAfter).md + (c.regeneratedNow ? '' : ' (by an earlier attempt)')),
          c.sha256Before ? code(c.sha256Before) : '—',
          c.sha256After ? code(c.sha256After) : '—',
        ]),
      ),
      '',
    );
  out.push('## Decisions', '');
  if (r.decisions.length === 0) out.push('No gate was decided.', '');
  else
    out.push(
      ...table(
        ['When', 'Unit', 'Gate', 'Decision', 'By', 'Verified', 'How', 'Comment'],
        r.decisions.map((d) => [
          d.at,
          d.unit,
          `${d.gateId} (${d.kind})`,
          d.decision,
          d.by ?? 'unknown',
          verifiedText(d),
          howText(d),
          d.comment,
        ]),
      ),
      '',
    );
  if (r.ignoredDecisions.length > 0)
    out.push(
      'Decisions the run refused:',
      '',
      ...table(
        ['When', 'Gate', 'Decision', 'By', 'Via', 'Why'],
        r.ignoredDecisions.map((d) => [d.at, d.gateId, d.decision, d.by, d.via, d.reason]),
      ),
      '',
    );
  out.push('## Phone registration', '');
  if (r.phones.length === 0) out.push('No registration baseline was taken (the plan waits for no phones).', '');
  for (const p of r.phones) {
    out.push(
      `### ${text(p.unit)}`,
      '',
      `Before: ${p.before ? `${p.before.registered} of ${p.before.total} registered (${text(p.before.at)})` : '—'}. ` +
        `After: ${p.after ? `${p.after.registered} registered (${text(p.after.at)})` : '—'}. Missing: ${p.missingCount}.` +
        (p.acceptedMissing ? ` Accepted as missing by an engineer: ${text(p.acceptedMissing.join(', '))}.` : ''),
      '',
    );
    if (p.byNode.length)
      out.push(
        ...table(
          ['Node', 'Registered before', 'Registered after', 'Missing'],
          p.byNode.map((n) => [n.node, n.registeredBefore, n.registeredAfter, n.missing.join(', ') || 'none']),
        ),
        '',
      );
  }
  out.push('## Manual actions', '');
  if (r.manualActions.length === 0) out.push('None: nothing is left to do by hand.', '');
  else out.push(...r.manualActions.map((a, i) => `${i + 1}. ${text(a)}`), '');
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${text(n)}`), '');
  return out.join('\n');
}
