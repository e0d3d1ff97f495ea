/**
 * recoverTrust: brings back phones that lost trust in their ITL (or, in mixed mode, their CTL), per the Security
 * Guide's ITL recovery and the CLI reference (TN 214231, ITLRecovery section; FN70613). Started by a person only
 * (REST or the Temporal UI), never by the expiry watch.
 *
 *   lease → pre-flight (discovery, the phones RisPort70 lists, registered or not) → the pure plan
 *   (domain/plan/trust-recovery.ts, the API's dry run) → [gate before-start] → non-secure: `utils itl reset
 *   localkey` on the publisher, `show itl` on every TFTP node (a new file) → [gate before-phone-reset] phone reset,
 *   wait → Cisco Tftp restarted, `show itl` (the usual signer again) → [gate before-phone-reset] phone reset, wait.
 *   Mixed mode: `utils ctl reset localkey`, `show ctl` (signed by CallManager), Cisco Tftp, CallManager and
 *   CTIManager restarted where Started (FN70613), phones; `utils ctl update CTLFile`, `show ctl` (the usual signer),
 *   the same restarts, phones.
 *
 * Its state, gates, decisions, step-failed recovery, notifications and manual actions are a regeneration's (the
 * RunTracker, the phone steps, the notifier), so GET /v1/regenerations/{id} and the Temporal UI show it the same way.
 * The resets' outputs are not public, so the run judges each by the file it leaves (`show itl` / `show ctl`).
 *
 * The story is below; its parts are in workflows/trust-recovery/: the session (tracker, notifier, handlers), the
 * pre-flight (discovery, plan, phones, before-start gate), the trust files (read and judged) and one function per
 * plan step.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { TrustRecoveryPlan, TrustRecoveryRequest, TrustRecoveryResult } from '../domain/contract/trust-recovery';
import { trustRecoveryManualActions } from '../domain/plan/trust-recovery';
import { holdClusterLease } from './cluster-lease';
import { endedEarly, reasonOf, windowProblemOf } from './run-tracker';
import { askBeforeStart, planRecovery, readPhonesToBringBack, refuseUnlessPlanned } from './trust-recovery/preflight';
import { recoveryContext } from './trust-recovery/recovery';
import { openTrustRecovery, type TrustRecoverySession } from './trust-recovery/session';
import { runRecoveryStep } from './trust-recovery/steps';
import { readTrustFilesBeforeReset } from './trust-recovery/trust-files';

import { discoverAtWindowStart } from './steps/preflight';
/** How far a recovery got: what the manual actions start from when it ends early. */
interface Progress {
  plan?: TrustRecoveryPlan;
  /** The index of the first plan step not finished. */
  next: number;
}

export async function recoverTrust(request: TrustRecoveryRequest): Promise<TrustRecoveryResult> {
  const session = openTrustRecovery(request);
  const { run, notifier, title } = session;
  const badWindow = request.maintenanceWindow ? await windowProblemOf(request.maintenanceWindow) : undefined;
  if (badWindow) throw ApplicationFailure.nonRetryable(badWindow, 'InvalidRequest');

  const progress: Progress = { next: 0 };
  try {
    const result = await recover(session, progress);
    run.setPhase('completed');
    notifier.ended(title, 'completed');
    await session.settle();
    return result;
  } catch (err) {
    const actions = trustRecoveryManualActions(progress.plan, progress.next, run.state.missingPhones);
    run.state.manualActions = actions;
    const ended = endedEarly(err, `${reasonOf(err)} Still to do by hand: ${actions.join(' ')}`, actions);
    run.setPhase(ended.phase);
    notifier.ended(title, ended.phase, actions);
    await session.settle();
    throw ended.error;
  }
}

/** The recovery itself, from the cluster's lease to the last phone round, as the Security Guide orders it. */
async function recover(session: TrustRecoverySession, progress: Progress): Promise<TrustRecoveryResult> {
  const { run, request } = session;
  await holdClusterLease({
    clusterId: request.clusterId,
    type: 'recoverTrust',
    units: [],
    requestedBy: request.requestedBy,
  });
  const discovery = await discoverAtWindowStart(run, request);
  // The approval policy (two approvers for a trust recovery by default) may require gates the request left out.
  run.learned({ securityMode: discovery.securityMode === 1 ? 'mixed' : 'non-secure', version: discovery.version });
  for (const kind of run.requiredGates()) session.approvals.add(kind);
  const plan = (progress.plan = planRecovery(run, discovery));
  refuseUnlessPlanned(plan);
  const phones = await readPhonesToBringBack(session);
  await askBeforeStart(session, plan, phones);

  const before = await readTrustFilesBeforeReset(request.clusterId, plan);
  const recovery = recoveryContext(session, discovery, plan, phones.target, before);
  for (const [index, step] of plan.steps.entries()) {
    progress.next = index;
    await runRecoveryStep(recovery, step);
  }
  progress.next = plan.steps.length;
  return recovery.result;
}
