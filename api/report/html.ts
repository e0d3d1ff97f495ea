/**
 * The change report as one self-contained HTML page: inline CSS (with print rules: A4, repeated table heads, no
 * row split across pages), no script, no external asset. Every value is escaped.
 */
import { howText, verifiedText } from './decision-identity';
import type { Report, ReportStepSent } from './types';

export function escapeHtml(value: string | number | boolean | undefined): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Trusted markup built here from escaped parts. */
interface Html {
  html: string;
}
const h = (html: string): Html => ({ html });
const isHtml = (v: unknown): v is Html => typeof v === 'object' && v !== null && 'html' in v;
const td = (v: unknown) =>
  isHtml(v)
    ? v.html
    : v === undefined || v === ''
      ? '—'
      : escapeHtml(typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v));
const mono = (v?: string) => (v ? h(`<code>${escapeHtml(v)}</code>`) : undefined);
/** Only http(s) links are written as links. */
const link = (label: string, url: string) =>
  /^https?:\/\//i.test(url) ? h(`<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`) : h(escapeHtml(label));
const status = (s: string) =>
  h(`<span class="status s-${escapeHtml(s.replace(/[^a-z-]/g, ''))}">${escapeHtml(s)}</span>`);
const time = (iso?: string) =>
  iso
    ? h(`<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC'))}</time>`)
    : undefined;

/** A table; `cols` names each column's class (widths in the stylesheet). */
function table(head: string[], rows: unknown[][], cls = '', cols?: string[]): string {
  const colgroup = cols ? `<colgroup>${cols.map((c) => `<col class="c-${c}">`).join('')}</colgroup>` : '';
  return `<table${cls ? ` class="${cls}"` : ''}>${colgroup}<thead><tr>${head.map((x) => `<th>${escapeHtml(x)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td>${td(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const CSS = `
:root { --ink:#1a1a1a; --muted:#5a5f66; --line:#d0d4d9; --head:#f1f3f5; --ok:#1b7f3b; --bad:#b42318; --warn:#9a6700; }
* { box-sizing: border-box; }
body { font: 13px/1.45 "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 48px; }
header { border-bottom: 3px solid #0d5cab; padding-bottom: 12px; margin-bottom: 18px; }
header .kicker { text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-size: 11px; }
h1 { font-size: 22px; margin: 4px 0 0; }
h2 { font-size: 16px; margin: 26px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 16px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
table.facts { width: auto; min-width: 60%; }
table.facts td:first-child { font-weight: 600; background: var(--head); white-space: nowrap; }
code { font: 11.5px/1.35 "DejaVu Sans Mono", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
code.fp { font-size: 10px; color: var(--muted); }
table.steps, table.certificates { table-layout: fixed; }
col.c-n { width: 3%; } col.c-step { width: 21%; } col.c-node { width: 8%; } col.c-cmd { width: 22%; }
col.c-st { width: 8%; } col.c-when { width: 8%; } col.c-took { width: 5%; }
col.c-unit { width: 11%; } col.c-node { width: 9%; } col.c-cert { width: 40%; }
table.steps td { font-size: 12px; overflow-wrap: anywhere; }
table.facts time { white-space: nowrap; }
.status { font-weight: 600; }
.s-completed { color: var(--ok); } .s-failed, .s-aborted, .s-cancelled { color: var(--bad); }
.s-skipped, .s-awaiting-approval, .s-running { color: var(--warn); }
.note { color: var(--muted); font-size: 12px; }
.callout { border-left: 4px solid var(--warn); background: #fff8e5; padding: 6px 10px; margin: 6px 0; }
.callout.bad { border-color: var(--bad); background: #fdecea; }
ol.actions li { margin: 3px 0; }
a { color: #0d5cab; }
footer { margin-top: 28px; color: var(--muted); font-size: 11px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 10.5px; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  thead { display: table-header-group; }
  tr, .callout { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  a[href]::after { content: " (" attr(href) ")"; font-size: 9px; color: var(--muted); word-break: break-all; }
}
`;

/** A step's Sent cell: a line per request, or why none is listed. */
function sentHtml(sent: ReportStepSent): string {
  if (!sent.recorded)
    return `<span class="note">not recorded (run predates evidence)</span>${sent.inferred ? `<br><span class="note">inferred:</span> <code>${escapeHtml(sent.inferred)}</code>` : ''}`;
  const lines = sent.requests.map((q) => `<code>${escapeHtml(q.line)}</code>`);
  if (sent.omitted) lines.push(`<span class="note">and ${sent.omitted} more</span>`);
  if (lines.length === 0)
    lines.push(`<span class="note">${sent.outsideCluster ? 'nothing sent to the cluster' : 'nothing sent'}</span>`);
  if (sent.outsideCluster)
    lines.push(`<span class="note">outside the cluster, not recorded: ${escapeHtml(sent.outsideCluster)}</span>`);
  if (sent.unlistedAttempts)
    lines.push(`<span class="note">after ${sent.unlistedAttempts} retried attempts, not listed</span>`);
  return lines.join('<br>');
}

export function renderHtml(r: Report): string {
  const s: string[] = [];
  s.push(
    table(
      ['Field', 'Value'],
      [
        ['Run', mono(r.run.id)],
        ['Cluster', r.run.clusterId],
        ['CUCM version', r.run.version],
        ['Units', r.run.units.join(', ')],
        ['Status', status(r.run.status)],
        ['Requested by', r.run.requestedBy],
        ['Started', time(r.run.startedAt)],
        ['Ended', time(r.run.closedAt)],
        ['Temporal UI', link(r.run.temporalUrl, r.run.temporalUrl)],
      ],
      'facts',
    ),
  );
  if (r.run.error) s.push(`<p class="callout bad"><strong>Error:</strong> ${escapeHtml(r.run.error)}</p>`);
  if (r.units.length > 1 || r.notStarted.length > 0)
    s.push(
      '<h2>Units</h2>',
      table(
        ['Unit', 'Status', 'Steps done', 'Unit run'],
        [
          ...r.units.map((u) => [
            u.unit,
            status(u.status),
            `${u.steps.completed} of ${u.steps.total}${u.steps.skipped ? `, ${u.steps.skipped} skipped` : ''}${u.steps.failed ? `, ${u.steps.failed} failed` : ''}`,
            link(u.workflowId, u.temporalUrl),
          ]),
          ...r.notStarted.map((u) => [u, status('not started'), undefined, undefined]),
        ],
      ),
    );
  s.push('<h2>Plan</h2>');
  if (!r.plan) s.push('<p>No plan was built (the run ended before pre-flight finished).</p>');
  else {
    for (const w of r.plan.warnings) s.push(`<p class="callout"><strong>Warning:</strong> ${escapeHtml(w)}</p>`);
    for (const f of r.plan.refusals)
      s.push(`<p class="callout bad"><strong>Refused (${escapeHtml(f.code)}):</strong> ${escapeHtml(f.message)}</p>`);
    for (const u of r.plan.units)
      s.push(
        `<h3>${escapeHtml(u.unit)}</h3>`,
        table(
          ['#', 'Step', 'Target', 'Reason'],
          u.steps.map((st, i) => [i + 1, st.kind, st.target, st.reason]),
        ),
      );
  }
  s.push('<h2>Steps</h2>');
  if (r.steps.length === 0) s.push('<p>No step ran.</p>');
  const stepUnits = [...new Set(r.steps.map((st) => st.unit))];
  for (const unit of stepUnits)
    s.push(
      ...(stepUnits.length > 1
        ? [
            `<h3>${escapeHtml(unit === 'rotation' ? 'The rotation (its discovery, the reads between units)' : unit)}</h3>`,
          ]
        : []),
      table(
        ['#', 'Step', 'Node', 'Sent', 'Status', 'Started', 'Took', 'Detail'],
        r.steps
          .filter((st) => st.unit === unit)
          .map((st, i) => [
            i + 1,
            st.description,
            st.nodeId,
            h(sentHtml(st.sent)),
            status(st.status),
            time(st.startedAt),
            st.durationSeconds === undefined ? undefined : `${st.durationSeconds} s`,
            st.detail,
          ]),
        'steps',
        ['n', 'step', 'node', 'cmd', 'st', 'when', 'took', 'detail'],
      ),
    );
  s.push('<h2>Certificates before and after</h2>');
  if (r.certificates.length === 0) s.push('<p>No certificate was changed.</p>');
  else
    s.push(
      table(
        ['Unit', 'Node', 'Before: serial / SHA-256', 'After: serial / SHA-256'],
        r.certificates.map((c) => [
          c.unit,
          c.nodeId,
          h(
            `<code>${escapeHtml(c.serialBefore)}</code><br><code class="fp">${escapeHtml(c.sha256Before ?? '—')}</code>`,
          ),
          h(
            `<code>${escapeHtml(c.serialAfter)}</code>${c.regeneratedNow ? '' : ' <span class="note">(by an earlier attempt)</span>'}<br><code class="fp">${escapeHtml(c.sha256After ?? '—')}</code>`,
          ),
        ]),
        'certificates',
        ['unit', 'node', 'cert', 'cert'],
      ),
    );
  s.push('<h2>Decisions</h2>');
  if (r.decisions.length === 0) s.push('<p>No gate was decided.</p>');
  else
    s.push(
      table(
        ['When', 'Unit', 'Gate', 'Decision', 'By', 'Verified', 'How', 'Comment'],
        r.decisions.map((d) => [
          time(d.at),
          d.unit,
          h(`<code>${escapeHtml(d.gateId)}</code> (${escapeHtml(d.kind)})`),
          d.decision,
          d.by ?? 'unknown',
          verifiedText(d),
          howText(d),
          d.comment,
        ]),
        'decisions',
      ),
    );
  if (r.ignoredDecisions.length > 0)
    s.push(
      '<h3>Decisions the run refused</h3>',
      table(
        ['When', 'Gate', 'Decision', 'By', 'Via', 'Why'],
        r.ignoredDecisions.map((d) => [time(d.at), d.gateId, d.decision, d.by, d.via, d.reason]),
      ),
    );
  s.push('<h2>Phone registration</h2>');
  if (r.phones.length === 0) s.push('<p>No registration baseline was taken (the plan waits for no phones).</p>');
  for (const p of r.phones) {
    s.push(
      `<h3>${escapeHtml(p.unit)}</h3>`,
      `<p>Before: ${p.before ? `<strong>${p.before.registered}</strong> of ${p.before.total} registered (${td(time(p.before.at))})` : '—'}. After: ${p.after ? `<strong>${p.after.registered}</strong> registered (${td(time(p.after.at))})` : '—'}. Missing: <strong>${p.missingCount}</strong>.${p.acceptedMissing ? ` Accepted as missing by an engineer: ${escapeHtml(p.acceptedMissing.join(', '))}.` : ''}</p>`,
    );
    if (p.byNode.length)
      s.push(
        table(
          ['Node', 'Registered before', 'Registered after', 'Missing'],
          p.byNode.map((n) => [n.node, n.registeredBefore, n.registeredAfter, n.missing.join(', ') || 'none']),
          'phones',
        ),
      );
  }
  s.push('<h2>Manual actions</h2>');
  s.push(
    r.manualActions.length === 0
      ? '<p>None: nothing is left to do by hand.</p>'
      : `<ol class="actions">${r.manualActions.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ol>`,
  );
  if (r.notes.length)
    s.push('<h2>Notes</h2>', `<ul class="note">${r.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(r.title)}</title>
<style>${CSS}</style></head>
<body><main>
<header><div class="kicker">cucm-cert-regen · change report</div><h1>${escapeHtml(r.title)}</h1></header>
${s.join('\n')}
<footer>Generated ${escapeHtml(r.generatedAt)} from Temporal namespace ${escapeHtml(r.run.namespace)}, run ${escapeHtml(r.run.id)}. The run's full event history is in the Temporal UI.</footer>
</main></body></html>
`;
}
