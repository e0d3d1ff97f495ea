/**
 * The rotation's current details (the Markdown the Temporal UI shows on the run's page): the headline with the
 * units in their safe order, the gate waiting for a decision, decisions the rotation ignored, then one line per
 * unit (finished, running now with its steps, not started yet) and what is left to do by hand.
 */
import type { RotationState } from '../../domain/contract/rotation';
import type { CertificateUnit } from '../../domain/units';

/** The details are a glance and are cut here (the last lines go first); the state query has everything. */
const MAX_DETAILS = 20_000;
/** How many ignored decisions the details show (the newest); the state keeps more. */
const SHOWN_IGNORED = 5;

export function rotationDetails(state: RotationState, requestedUnits: readonly CertificateUnit[]): string {
  const lines = [
    `**Rotation of ${state.order.join(' → ') || requestedUnits.join(', ')} on ${state.clusterId}**: ${state.phase}`,
    ...waitingLines(state),
    '',
    ...unitLines(state),
    ...(state.manualActions?.length
      ? ['', '**Still to do by hand:**', ...state.manualActions.map((a) => `- ${a}`)]
      : []),
  ];
  return lines.join('\n').slice(0, MAX_DETAILS);
}

/** The gates of the unit running now, and the decisions sent to the rotation that it could not apply. */
function waitingLines(state: RotationState): string[] {
  const pending = state.current?.summary?.pendingGates ?? [];
  return [
    ...pending.map(
      (g) =>
        `\n> **Waiting for a decision** at \`${g.id}\` (${g.allowed.join(' / ')})${g.expiresAt ? `, expires ${g.expiresAt}` : ''}: ${g.description}`,
    ),
    ...(state.ignoredDecisions ?? [])
      .slice(-SHOWN_IGNORED)
      .map((i) => `- ⚠️ ignored: ${i.decision} by ${i.by ?? 'unknown'} (${i.via}): ${i.reason}`),
  ];
}

/** One line per unit: finished (✅ / ❌), running now (▶️, with its steps), not started yet (⏳). */
function unitLines(state: RotationState): string[] {
  const cur = state.current;
  const steps = cur?.summary?.steps;
  return [
    ...(state.finished ?? []).map(
      (u) => `- ${u.phase === 'completed' ? '✅' : '❌'} ${u.unit}: ${u.phase} (${u.workflowId})`,
    ),
    ...(cur
      ? [
          `- ▶️ ${cur.unit} (${cur.workflowId}): ${cur.summary?.phase ?? 'starting'}, ${steps?.done ?? 0} of ${steps?.begun ?? 0} steps done${steps?.now ? `; now: ${steps.now}` : ''}`,
        ]
      : []),
    ...state.order
      .filter((u) => !state.done.includes(u) && u !== cur?.unit && !state.finished?.some((f) => f.unit === u))
      .map((u) => `- ⏳ ${u}`),
  ];
}
