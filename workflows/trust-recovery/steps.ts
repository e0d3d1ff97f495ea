/**
 * The plan's steps as a recovery runs them, one function per kind. Each runs inside the maintenance window with the
 * tracker's step-failed recovery, and records in the result what it did on the cluster (what the manual actions and
 * the API's answer say was done).
 */
import type { TrustRecoveryStep } from '../../domain/contract/trust-recovery';
import { NO_SKIP } from '../steps';
import { awaitRegistrationStep, resetPhonesStep } from '../steps/phones';
import { named, slow } from '../steps/proxies';
import { restartInWindow } from '../steps/services';
import type { Recovery } from './recovery';
import { verifyTrustFileStep } from './trust-files';

type StepOf<K extends TrustRecoveryStep['kind']> = Extract<TrustRecoveryStep, { kind: K }>;

export async function runRecoveryStep(recovery: Recovery, step: TrustRecoveryStep): Promise<void> {
  switch (step.kind) {
    case 'reset-trust-file':
      return resetTrustFileStep(recovery, step);
    case 'verify-trust-file':
      return verifyTrustFileStep(recovery, step);
    case 'restart-service':
      return restartServiceStep(recovery, step);
    case 'update-ctl':
      return updateCtlStep(recovery, step);
    case 'reset-phones':
      await resetPhonesStep(recovery.phoneSteps, { kind: 'reset-phones', mode: 'all', reason: step.reason });
      return;
    case 'await-registration':
      return awaitPhonesStep(recovery, step);
  }
}

/** `utils itl reset localkey` or `utils ctl reset localkey` on the publisher. */
async function resetTrustFileStep(recovery: Recovery, step: StepOf<'reset-trust-file'>): Promise<void> {
  const { run, request } = recovery.session;
  await run.inWindow(step.command);
  const done = await run.attempt(
    { kind: 'reset-trust-file', nodeId: step.nodeId, description: `${step.command} on ${step.nodeId}` },
    () =>
      named(slow.resetTrustLocalKey, `Reset the ${step.file} with the local key (${step.command}) on ${step.nodeId}`, {
        clusterId: request.clusterId,
        file: step.file,
      }),
    (o) => ({ status: 'completed', detail: o.output || 'ran' }),
    'the phones need the reset file; retry, or abort.',
  );
  if (done) recovery.result.commands.push({ nodeId: done.nodeId, command: done.command });
}

/** Cisco Tftp, CallManager or CTIManager, where Started (skipped, not failed, where not). */
async function restartServiceStep(recovery: Recovery, step: StepOf<'restart-service'>): Promise<void> {
  const { run, request } = recovery.session;
  const outcome = await restartInWindow(run, { clusterId: request.clusterId, nodeId: step.nodeId }, step.service);
  if (outcome?.restarted)
    recovery.result.commands.push({ nodeId: step.nodeId, command: `utils service restart ${step.service}` });
}

/** Mixed mode, after the phones took the reset CTL: `utils ctl update CTLFile`, so ITLRecovery signs it again. */
async function updateCtlStep(recovery: Recovery, step: StepOf<'update-ctl'>): Promise<void> {
  const { run, request } = recovery.session;
  await run.inWindow('update the CTL');
  const ctl = await run.attempt(
    { kind: 'update-ctl', nodeId: step.nodeId, description: `utils ctl update CTLFile on ${step.nodeId}` },
    () =>
      named(slow.updateCtlFile, `Update the CTL file (utils ctl update CTLFile) on ${step.nodeId}`, {
        clusterId: request.clusterId,
      }),
    (o) => ({ status: o.updated ? 'completed' : 'skipped', detail: o.reason }),
    NO_SKIP.ctl,
  );
  if (ctl?.updated) recovery.result.commands.push({ nodeId: step.nodeId, command: 'utils ctl update CTLFile' });
}

/** Every phone listed before the recovery registered again (the accept-missing-phones gate for the rest). */
async function awaitPhonesStep(recovery: Recovery, step: StepOf<'await-registration'>): Promise<void> {
  const { phoneSteps, result } = recovery;
  await awaitRegistrationStep(phoneSteps, phoneSteps.phoneReset);
  if (phoneSteps.result.phones) result.phones.push({ ...phoneSteps.result.phones, round: step.round });
}
