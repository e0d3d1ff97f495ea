/**
 * A trust recovery before it changes anything: discover the cluster, plan (the pure plan the API's dry run shows),
 * read every phone RisPort70 lists to know which ones to bring back, and ask at the before-start gate. Each reads
 * only; a refusal or a rejection here leaves the cluster as it was.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { TrustRecoveryPlan } from '../../domain/contract/trust-recovery';
import { LONG_UNREGISTERED_HOURS } from '../../domain/contract/trust-recovery';
import type { ClusterDiscovery } from '../../domain/discovery';
import type { RegistrationBaseline } from '../../domain/phones';
import { planClusterOf } from '../../domain/plan';
import { planTrustRecovery } from '../../domain/plan/trust-recovery';
import type { RunTracker } from '../run-tracker';
import { NO_SKIP, phones } from '../steps';
import { named } from '../steps/proxies';
import type { TrustRecoverySession } from './session';
import { registrationBefore } from '../steps/preflight';

/** The plan, shown in the run's state (recoveryPlan) as soon as it is made, refusals included. */
export function planRecovery(run: RunTracker, discovery: ClusterDiscovery): TrustRecoveryPlan {
  // Only a mixed-mode recovery restarts CTIManager, so only it needs (and records) the patch marker.
  const plan = planTrustRecovery(planClusterOf(discovery), {
    unmanagedNodes: discovery.unmanagedNodes,
    ctiManager: discovery.securityMode === 1,
  });
  run.state.recoveryPlan = plan;
  run.publish();
  return plan;
}

/** A plan with refusals (no publisher, no TFTP) ends the run before anything changes. */
export function refuseUnlessPlanned(plan: TrustRecoveryPlan): void {
  if (plan.refusals.length > 0)
    throw ApplicationFailure.nonRetryable(
      `The trust recovery was refused, nothing was changed: ${plan.refusals.map((r) => r.message).join(' ')}`,
      'PlanRefused',
    );
}

/** The phones as RisPort70 lists them before the recovery, and the ones the registration waits are for. */
export interface PhonesToBringBack {
  baseline: RegistrationBaseline;
  /** The baseline the registration waits compare with: every phone listed, but those down since before the incident. */
  target: RegistrationBaseline;
  /** Epoch seconds: phones unregistered since before this are not waited for. */
  unregisteredBefore: number;
}

export async function readPhonesToBringBack(session: TrustRecoverySession): Promise<PhonesToBringBack> {
  const { run, request } = session;
  // Phones unregistered since before this were down before the incident (RisPort70's TimeStamp): not waited for.
  const unregisteredBefore =
    Math.floor(Date.now() / 1000) - (request.longUnregisteredHours ?? LONG_UNREGISTERED_HOURS) * 3600;
  const baseline = await run.attempt(
    {
      kind: 'preflight',
      description: 'Read every phone RisPort70 lists, registered or not (the phones to bring back)',
    },
    () =>
      named(phones.registrationSnapshot, `Phones of ${request.clusterId}, registered or not (RisPort70)`, {
        clusterId: request.clusterId,
        withUnregistered: true,
        longUnregisteredBefore: unregisteredBefore,
      }),
    (b) => ({ status: 'completed', detail: `${b.registered} of ${b.total} phones registered` }),
    NO_SKIP.baseline,
  );
  if (!baseline) throw new Error('unreachable: the baseline cannot be skipped');
  run.state.registration = { before: registrationBefore(baseline) };
  // State only (no command): the phones left out, so an engineer sees who the recovery does not wait for.
  const longDown = baseline.longUnregistered;
  if (longDown?.count)
    run.state.excludedLongUnregistered = {
      count: longDown.count,
      names: longDown.names,
      unregisteredBefore: new Date(unregisteredBefore * 1000).toISOString(),
    };
  return { baseline, target: registrationTarget(baseline), unregisteredBefore };
}

/**
 * The wait is for every phone RisPort70 lists but those down since before the incident: the locked-out ones are the
 * point of the run, so they count as "registered before" and must come back.
 */
function registrationTarget(baseline: RegistrationBaseline): RegistrationBaseline {
  const target = {
    ...baseline,
    registered: baseline.total - (baseline.longUnregistered?.count ?? 0),
    ...(baseline.registeredNames
      ? { registeredNames: [...baseline.registeredNames, ...(baseline.unregisteredNames ?? [])].sort() }
      : {}),
  };
  delete target.unregisteredNames;
  return target;
}

/** The before-start gate (when the request asks for it): what will happen, to how many phones, and the warnings. */
export async function askBeforeStart(
  session: TrustRecoverySession,
  plan: TrustRecoveryPlan,
  { baseline, unregisteredBefore }: PhonesToBringBack,
): Promise<void> {
  if (!session.approvals.has('before-start')) return;
  const { request } = session;
  const first = plan.steps[0];
  const reset = first?.kind === 'reset-trust-file' ? first.command : 'reset';
  const longDown = baseline.longUnregistered;
  const notWaitedFor = longDown?.count
    ? ` (${longDown.count} of them since before ${new Date(unregisteredBefore * 1000).toISOString()}: not waited for)`
    : '';
  const reason = request.reason ? ` Reason: ${request.reason}.` : '';
  await session.run.gate(
    'before-start',
    `Recover the phones' trust on ${request.clusterId} (${plan.mode}): ${reset} on ${plan.publisherId}, then every phone reset twice (${plan.steps.length} steps). ${baseline.total - baseline.registered} of ${baseline.total} phones are not registered now${notWaitedFor}.${reason} ${plan.warnings.join(' ')}`.trim(),
  );
}
