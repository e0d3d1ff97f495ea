/**
 * The phones: the bulk reset (behind the optional before-phone-reset gate), the engineer's own reset when the
 * reset mode is "none", and the wait until the baseline has registered again, with the accept-missing-phones gate
 * when some stay away (typically a bad ITL). The next certificate starts only after this.
 */
import type { PlanStep } from '../plan';
import type { UnitRunContext } from './context';
import { named, NO_SKIP, phones } from './proxies';

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
  const reset = await run.attempt(
    { kind: 'reset-phones', description: `Reset phones (${step.mode}) through AXL, in throttled batches` },
    () =>
      named(
        phones.resetPhones,
        `Reset the ${step.mode === 'secure-only' ? 'secure ' : ''}phones of ${request.clusterId}`,
        {
          clusterId: request.clusterId,
          ...(step.mode === 'secure-only' ? { selection: { secureOnly: true } } : {}),
        },
      ),
    (r) => ({
      status: 'completed',
      detail: `${r.reset + r.skippedAlreadyReset} of ${r.total} phones reset${r.resumedFrom !== undefined ? ` (resumed from ${r.resumedFrom})` : ''}`,
    }),
  );
  return !reset;
}

export async function confirmPhonesResetStep(ctx: UnitRunContext): Promise<boolean> {
  await ctx.run.gate(
    'confirm-phones-reset',
    'Reset the phones yourself (phone reset mode "none"), then approve to wait for them to register.',
    ['approve', 'abort'],
  );
  return false;
}

export async function awaitRegistrationStep(ctx: UnitRunContext): Promise<boolean> {
  const { run, request, baseline } = ctx;
  if (!baseline) return false;
  for (;;) {
    const deadline = new Date(Date.now() + (request.registrationDeadlineMinutes ?? 30) * 60_000).toISOString();
    const back = await run.attempt(
      {
        kind: 'await-registration',
        description: `Wait until ${baseline.registered} phones are registered again (deadline ${deadline})`,
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
          },
        ),
      (r) => ({
        status: r.allBack ? 'completed' : 'failed',
        detail: r.allBack
          ? `${r.registered} registered`
          : `${r.missingCount} missing: ${r.missing.slice(0, 20).join(', ')}`,
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
