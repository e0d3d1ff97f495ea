/**
 * The phones: the canaries first (reset, wait, the canary-phones-missing gate while any stays away), then the bulk
 * reset of the rest (behind the optional before-phone-reset gate), the engineer's own reset when the
 * reset mode is "none", and the wait until the baseline has registered again, with the accept-missing-phones gate
 * when some stay away (typically a bad ITL). The next certificate starts only after this.
 */
import { patched } from '@temporalio/workflow';
import { canaryGroups, canaryRecovery, likelyCanaryCause } from '../canary';
import { PATCHES } from '../patches';
import type { PlanRedundancy, PlanStep } from '../../domain/plan';
import type { PhoneReset, UnitRunContext } from './context';
import { named, NO_SKIP, phones } from './proxies';
import type { AwaitRegistrationResult, CanaryPhone, RegistrationBaseline } from '../../domain/phones';
import type { CanaryState } from '../../domain/types';

type Step<K extends PlanStep['kind']> = Extract<PlanStep, { kind: K }>;

export async function resetPhonesStep(ctx: UnitRunContext, step: Step<'reset-phones'>): Promise<boolean> {
  const { run, request } = ctx;
  if (ctx.approvals.has('before-phone-reset')) {
    const d = await run.gate(
      'before-phone-reset',
      `Reset ${step.mode === 'all' ? 'every phone' : 'the secure phones'} of ${request.clusterId} so they fetch the new ITL/CTL.`,
      ['approve', 'skip', 'reject', 'abort'],
    );
    if (d.decision === 'skip') return true;
  }
  await run.inWindow('reset the phones');
  // Chosen with the baseline, only on runs with the canary stage in their plan.
  const canaries = step.canary ? run.state.canaryPhones?.phones : undefined;
  const canaryReset = canaries?.length && step.canary ? await canaryStage(ctx, step.canary, canaries) : undefined;
  const what = canaries?.length
    ? `the other ${step.mode === 'secure-only' ? 'secure ' : ''}phones (the ${canaries.length} canaries are back or accepted)`
    : `phones (${step.mode})`;
  const reset = await run.attempt(
    { kind: 'reset-phones', description: `Reset ${what} through AXL, in throttled batches` },
    () =>
      named(
        phones.resetPhones,
        canaries?.length
          ? `Reset the rest of the ${step.mode === 'secure-only' ? 'secure ' : ''}phones of ${request.clusterId} (canaries done)`
          : `Reset the ${step.mode === 'secure-only' ? 'secure ' : ''}phones of ${request.clusterId}`,
        {
          clusterId: request.clusterId,
          ...(step.mode === 'secure-only' || canaries?.length
            ? {
                selection: {
                  ...(step.mode === 'secure-only' ? { secureOnly: true } : {}),
                  ...(canaries?.length ? { exclude: canaries.map((c) => c.name) } : {}),
                },
              }
            : {}),
        },
      ),
    (r) => ({
      status: 'completed',
      detail: `${r.reset + r.skippedAlreadyReset} of ${r.total} phones reset${r.resumedFrom !== undefined ? ` (resumed from ${r.resumedFrom})` : ''}`,
    }),
  );
  // The wait that follows counts a phone as back only once it registered since its own reset began.
  ctx.phoneReset =
    reset?.startedAt !== undefined
      ? {
          since: reset.startedAt,
          ...(canaryReset ? { earlier: [canaryReset] } : {}),
          ...(step.mode === 'secure-only' ? { secureOnly: true } : {}),
        }
      : undefined;
  return !reset;
}

/** The awaitRegistration arguments that make "back" mean "registered since the reset" (none without a reset). */
function sinceReset(reset: PhoneReset | undefined) {
  if (!reset) return {};
  return {
    changedSince: reset.since,
    ...(reset.earlier?.length ? { earlierResets: reset.earlier } : {}),
    ...(reset.secureOnly ? { secureOnly: true } : {}),
  };
}

/**
 * The canaries first: reset them, wait for them, and stop at the canary-phones-missing gate while any stays away,
 * before the rest of the fleet is touched. Returns once they are back or an engineer accepts the missing ones, with
 * their reset's start (none when they were reset by hand).
 */
async function canaryStage(
  ctx: UnitRunContext,
  canary: NonNullable<Step<'reset-phones'>['canary']>,
  canaries: readonly CanaryPhone[],
): Promise<{ since: number; names: string[] } | undefined> {
  const { run, request, baseline } = ctx;
  const state = run.state.canaryPhones;
  if (!state || !baseline) return undefined;
  const names = canaries.map((c) => c.name);
  const started = await resetCanaries(ctx, state, canaries);
  const minutes = canary.deadlineMinutes ?? Math.min(10, request.registrationDeadlineMinutes ?? 30);
  for (;;) {
    const back = await awaitCanaries(ctx, baseline, names, minutes, started);
    if (back.allBack) {
      state.status = 'back';
      delete state.missing;
      run.publish();
      return started;
    }
    const fleet = baseline.total - names.length;
    const d = await canariesMissingGate(ctx, state, canaries, back.missing, fleet);
    if (d.decision === 'approve') {
      state.status = 'accepted';
      run.publish();
      return started;
    }
  }
}

/** Resets the canaries alone; returns their reset's start (none when an engineer skipped it: reset by hand). */
async function resetCanaries(ctx: UnitRunContext, state: CanaryState, canaries: readonly CanaryPhone[]) {
  const { run, request } = ctx;
  const names = canaries.map((c) => c.name);
  const groups = canaryGroups(canaries).length;
  const reset = await run.attempt(
    {
      kind: 'reset-phones',
      description: `Reset ${names.length} canary phones first (${groups} node/model groups) through AXL`,
    },
    () =>
      named(phones.resetPhones, `Reset ${names.length} canary phones of ${request.clusterId} before the fleet`, {
        clusterId: request.clusterId,
        selection: { names },
      }),
    (r) => ({
      status: 'completed',
      detail: `${r.reset + r.skippedAlreadyReset} canaries reset: ${names.join(', ')}`.slice(0, 1_000),
    }),
  );
  // Skipped at its step-failed gate means reset by hand: wait for them all the same.
  state.status = 'reset';
  run.publish();
  return reset?.startedAt !== undefined ? { since: reset.startedAt, names } : undefined;
}

/** One wait for the canaries, until a deadline `minutes` from now; they count as back once registered since their reset. */
async function awaitCanaries(
  ctx: UnitRunContext,
  baseline: RegistrationBaseline,
  names: string[],
  minutes: number,
  started: PhoneReset | undefined,
) {
  const { run, request } = ctx;
  const deadline = new Date(Date.now() + minutes * 60_000).toISOString();
  const back = await run.attempt(
    {
      kind: 'await-registration',
      description: `Wait until the ${names.length} canary phones are registered again (deadline ${deadline})`,
    },
    () =>
      named(
        phones.awaitRegistration,
        `Wait for the ${names.length} canary phones to register again (until ${deadline})`,
        {
          clusterId: request.clusterId,
          // The canaries' own baseline: each was registered then. Since v1.1.0 (patch canary-counts) with the
          // fleet baseline's PerfMon counts, so the wait reads RisPort70 only once the counts are back.
          baseline: {
            takenAt: baseline.takenAt,
            total: names.length,
            registered: names.length,
            registeredNames: names,
            ...(baseline.counters && patched(PATCHES.canaryCounts) ? { counters: baseline.counters } : {}),
          },
          deadline,
          pollIntervalMs: (request.registrationPollSeconds ?? 10) * 1000,
          only: names,
          // Back means registered again since their reset (a reset by hand, after a skip, has no start).
          ...sinceReset(started),
        },
      ),
    (r) => ({
      status: r.allBack ? 'completed' : 'failed',
      detail: r.allBack
        ? `${names.length} canaries back`
        : `${r.missingCount} canaries missing: ${r.missing.join(', ')}`,
    }),
    NO_SKIP.canaries,
  );
  if (!back) throw new Error('unreachable: the canary wait cannot be skipped');
  return back;
}

/**
 * Some canaries stayed away: the state names them with the likely cause and the recovery, and the run stops before
 * the fleet is touched. Approve resets the fleet anyway, retry waits again, abort ends the run.
 */
async function canariesMissingGate(
  ctx: UnitRunContext,
  state: CanaryState,
  canaries: readonly CanaryPhone[],
  missingNames: string[],
  fleet: number,
) {
  const { run, discovery } = ctx;
  const gone = new Set(missingNames);
  const missing = canaries.filter((c) => gone.has(c.name));
  state.status = 'missing';
  state.missing = missing;
  state.likelyCause = likelyCanaryCause(ctx.unit, discovery, missing);
  state.recovery = canaryRecovery(discovery);
  run.state.missingPhones = { count: missing.length, sample: missing.map((c) => c.name) };
  return run.gate(
    'canary-phones-missing',
    `${missing.length} of ${canaries.length} canary phones registered at the baseline did not register again after their reset; the other ${fleet} phones have not been reset. Missing (node / model): ${canaryGroups(missing).join('; ')}. ${state.likelyCause} ${state.recovery} Approve resets the rest of the fleet anyway, retry waits for the canaries again (after recovering them), abort stops here with only the canaries reset.`,
    ['approve', 'retry', 'abort'],
  );
}

export async function confirmPhonesResetStep(ctx: UnitRunContext): Promise<boolean> {
  await ctx.run.gate(
    'confirm-phones-reset',
    'Reset the phones yourself (phone reset mode "none"), then approve to wait for them to register.',
    ['approve', 'abort'],
  );
  return false;
}

/**
 * Which source paced the wait, for the step's detail (state only, no command): results of runs before PerfMon say
 * nothing.
 */
function registrationSource(r: AwaitRegistrationResult): string {
  if (r.source === 'perfmon') return ' (paced by PerfMon counts, confirmed by RisPort70)';
  if (r.source === 'risport') return ` (RisPort70 pacing; PerfMon not used: ${r.perfmonNotUsed ?? 'unavailable'})`;
  return '';
}

/**
 * The wait until the baseline is registered again. `reset`: the phone reset it follows (ctx.phoneReset), so a phone
 * counts only once registered since its reset; none after a restart, or when the phones were reset by hand.
 * `homes`: after a redundancy batch, a phone counts only once registered with its own primary.
 */
export async function awaitRegistrationStep(
  ctx: UnitRunContext,
  reset?: PhoneReset,
  homes?: PlanRedundancy,
): Promise<boolean> {
  const { run, request, baseline } = ctx;
  if (!baseline) return false;
  for (;;) {
    const deadline = new Date(Date.now() + (request.registrationDeadlineMinutes ?? 30) * 60_000).toISOString();
    const back = await run.attempt(
      {
        kind: 'await-registration',
        description: `Wait until ${baseline.registered} phones are registered again${homes ? ', each with its primary CallManager' : ''} (deadline ${deadline})`,
      },
      () =>
        named(
          phones.awaitRegistration,
          `Wait for ${baseline.registered} phones to register again (until ${deadline})`,
          {
            clusterId: request.clusterId,
            baseline,
            deadline,
            pollIntervalMs: (request.registrationPollSeconds ?? 10) * 1000,
            ...sinceReset(reset),
            ...(homes ? { homes } : {}),
          },
        ),
      (r) => ({
        status: r.allBack ? 'completed' : 'failed',
        detail:
          (r.allBack
            ? `${r.registered} registered`
            : `${r.missingCount} missing: ${r.missing.slice(0, 20).join(', ')}`) + registrationSource(r),
      }),
      NO_SKIP.registration,
    );
    if (!back) throw new Error('unreachable: the registration wait cannot be skipped');
    ctx.result.phones = { allBack: back.allBack, registered: back.registered, missingCount: back.missingCount };
    run.state.missingPhones = { count: back.missingCount, sample: back.missing.slice(0, 50) };
    // State only (no command): the change report's registration after, per node.
    run.state.registration = {
      ...run.state.registration,
      after: {
        at: new Date().toISOString(),
        total: baseline.total,
        registered: back.registered,
        byNode: back.byNode ?? [],
      },
    };
    if (back.allBack) return false;
    // The next certificate only after phones are back, or an engineer accepting the ones still missing.
    const d = await run.gate(
      'accept-missing-phones',
      `${back.missingCount} phones are still not registered (${back.missing.slice(0, 20).join(', ')}). Approve to accept them as missing, retry to wait again, or abort.`,
      ['approve', 'retry', 'abort'],
    );
    if (d.decision === 'approve') {
      ctx.result.phones.acceptedMissing = back.missing;
      return false;
    }
  }
}
