/**
 * The run's state as Markdown in the Temporal UI's "current details", so the UI alone tells where it stands: the
 * pending gate (what it takes, when it expires), an abort waiting for the next step, decisions that were ignored,
 * the steps (the last ones one by one, the earlier ones folded into a line per status, never dropped), and what is
 * left to do by hand. Pure: the same state always reads the same.
 */
import type { RegenerationState, StepState } from '../../domain/types';
import type { AbortRequest } from './state';

/** How many steps the current details show one by one; earlier ones are folded into a line per status. */
const DETAILED_STEPS = 10;
/** The UI shows current details up to about this size; the end (the newest steps) is what gets cut. */
const MAX_DETAILS = 20_000;

const ICON: Record<StepState['status'], string> = {
  pending: '⏳',
  running: '▶️',
  completed: '✅',
  skipped: '⏭️',
  failed: '❌',
};

export interface DetailsOptions {
  /** What the first line calls the run (default: its units). */
  title?: string;
  abortRequested?: AbortRequest;
}

/** ", 1 of 2 approvals (arthur); not the requester" under a policy that needs more than one. */
function approvalsOf(g: RegenerationState['pendingGates'][number]): string {
  const a = g.approvals;
  if (!a || a.needs < 2) return '';
  return `, ${a.by.length} of ${a.needs} approvals${a.by.length ? ` (${a.by.join(', ')})` : ''}, each by another person than the requester`;
}

export function currentDetails(s: RegenerationState, { title, abortRequested }: DetailsOptions): string {
  const lines = [
    `**${title ?? s.units.join(', ')} on ${s.clusterId}**: ${s.phase}`,
    ...s.pendingGates.map(
      (g) =>
        `\n> **Waiting for a decision** at \`${g.id}\` (${g.allowed.join(' / ')})${g.expiresAt ? `, expires ${g.expiresAt}` : ''}${approvalsOf(g)}: ${g.description}`,
    ),
    ...(abortRequested
      ? [`\n> **Abort requested** by ${abortRequested.by ?? 'unknown'}: the run stops before its next step.`]
      : []),
    ...ignoredLines(s),
    '',
    ...stepLines(s.steps),
    ...(s.manualActions?.length ? ['', '**Still to do by hand:**', ...s.manualActions.map((a) => `- ${a}`)] : []),
  ];
  return lines.join('\n').slice(0, MAX_DETAILS);
}

/** The last five decisions the run could not apply, after a blank line. */
function ignoredLines(s: RegenerationState): string[] {
  const ignored = (s.ignoredDecisions ?? []).slice(-5);
  if (ignored.length === 0) return [];
  return ['', ...ignored.map((i) => `- ⚠️ ignored: ${i.decision} by ${i.by ?? 'unknown'} (${i.via}): ${i.reason}`)];
}

/** The earlier steps folded into a line per status, then the last DETAILED_STEPS one by one. */
function stepLines(steps: StepState[]): string[] {
  const early = steps.slice(0, Math.max(0, steps.length - DETAILED_STEPS));
  const folded = (['completed', 'skipped', 'failed', 'running', 'pending'] as const).flatMap((status) => {
    const these = early.filter((st) => st.status === status);
    if (these.length === 0) return [];
    const names = these.map((st) => st.description.replace(/^Gate: (.{0,60}).*$/, 'gate: $1'));
    return [`- ${ICON[status]} ${these.length} earlier ${status}: ${names.join('; ')}`.slice(0, 4_000)];
  });
  const detailed = steps
    .slice(early.length)
    .map((st) => `- ${ICON[st.status]} ${st.description}${st.detail ? `: ${st.detail}` : ''}`);
  return [...folded, ...detailed];
}
