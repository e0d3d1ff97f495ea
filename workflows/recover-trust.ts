/**
 * recoverTrust: brings back phones that lost trust in their ITL (or, in mixed mode, their CTL), per the Security
 * Guide's ITL recovery and the CLI reference (TN 214231, ITLRecovery section; FN70613). Started by a person only
 * (REST or the Temporal UI), never by the expiry watch.
 *
 *   lease → pre-flight (discovery, the phones RisPort70 lists, registered or not) → the pure plan (./plan/trust-recovery.ts,
 *   the API's dry run) → [gate before-start] → non-secure: `utils itl reset localkey` on the publisher, `show itl`
 *   on every TFTP node (a new file) → [gate before-phone-reset] phone reset, wait → Cisco Tftp restarted, `show itl`
 *   (the usual signer again) → [gate before-phone-reset] phone reset, wait. Mixed mode: `utils ctl reset localkey`,
 *   `show ctl` (signed by CallManager), Cisco Tftp, CallManager and CTIManager restarted where Started (FN70613),
 *   phones; `utils ctl update CTLFile`, `show ctl` (the usual signer), the same restarts, phones.
 *
 * Its state, gates, decisions, step-failed recovery, notifications and manual actions are a regeneration's (the
 * RunTracker, the phone steps, the notifier), so GET /v1/regenerations/{id} and the Temporal UI show it the same way.
 * The resets' outputs are not public, so the run judges each by the file it leaves (`show itl` / `show ctl`).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { holdClusterLease } from './cluster-lease';
import type {
  TrustFileReading,
  TrustRecoveryPlan,
  TrustRecoveryRequest,
  TrustRecoveryResult,
  TrustRecoveryStep,
} from '../domain/contract/trust-recovery';
import { LONG_UNREGISTERED_HOURS, TRUST_RECOVERY_GATES } from '../domain/contract/trust-recovery';
import { setGateHandlers } from './gate-handlers';
import { GATE_TAKES, stateQuery } from '../domain/messages';
import { RunNotifier } from './notify';
import { PATCHES } from './patches';
import { planClusterOf } from '../domain/plan';
import {
  ctlNormalSigner,
  judgeTrustFile,
  planTrustRecovery,
  trustRecoveryManualActions,
} from '../domain/plan/trust-recovery';
import { endedEarly, reasonOf, RunTracker, windowProblemOf } from './run-tracker';
import { CLUSTER_ID } from '../domain/search-attributes';
import { NO_SKIP, phones, quick, type UnitRunContext } from './steps';
import { awaitRegistrationStep, resetPhonesStep } from './steps/phones';
import { restartInWindow } from './steps/services';
import { named, slow } from './steps/proxies';
import type { GateKind, RegenerationRequest } from '../domain/types';
import type { DiscoveredNode } from '../domain/discovery';

const GATES_TAKE = (['before-start', 'before-phone-reset', 'accept-missing-phones', 'step-failed'] as const)
  .map((kind) => `${kind}: ${GATE_TAKES[kind]}`)
  .join('; ');

const certificateSerial = (node: DiscoveredNode | undefined, unit: string) =>
  node?.certificates.find((c) => c.unit === unit)?.serial;

export async function recoverTrust(request: TrustRecoveryRequest): Promise<TrustRecoveryResult> {
  const approvals = new Set<GateKind>(request.approvals ?? TRUST_RECOVERY_GATES);
  // The tracker and the phone steps speak RegenerationRequest: a run with no unit, every phone reset.
  const asRun: RegenerationRequest = {
    clusterId: request.clusterId,
    units: [],
    phoneReset: 'all',
    approvals: [...approvals],
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.notBefore ? { notBefore: request.notBefore } : {}),
    ...(request.maintenanceWindow ? { maintenanceWindow: request.maintenanceWindow } : {}),
    ...(request.registrationDeadlineMinutes
      ? { registrationDeadlineMinutes: request.registrationDeadlineMinutes }
      : {}),
    ...(request.registrationPollSeconds ? { registrationPollSeconds: request.registrationPollSeconds } : {}),
  };
  const title = `Trust recovery on ${request.clusterId}`;
  const notifier = new RunNotifier(request.clusterId, undefined, (failure) => {
    run.state.notificationFailures = [...(run.state.notificationFailures ?? []), failure].slice(-20);
  });
  const run: RunTracker = new RunTracker(asRun, {
    title: 'Trust recovery',
    onGateOpened: (gate) =>
      notifier.gateOpened(gate, {
        title,
        warnings: run.state.recoveryPlan?.warnings,
        missingPhones: run.state.missingPhones,
      }),
  });
  setHandler(stateQuery, () => run.state, {
    description:
      'Live state of the trust recovery: phase, recovery plan, steps with their status and detail, pending gates (with their expiry), decisions, ignored decisions, missing phones, manual actions.',
  });
  setGateHandlers(run, { gatesTake: GATES_TAKE, whose: 'the pending gate', ends: 'the trust recovery' });
  upsertSearchAttributes([{ key: CLUSTER_ID, value: request.clusterId }]);
  const settle = () =>
    CancellationScope.nonCancellable(async () => {
      await notifier.settle();
      await condition(allHandlersFinished);
    });

  const badWindow = request.maintenanceWindow ? await windowProblemOf(request.maintenanceWindow) : undefined;
  if (badWindow) throw ApplicationFailure.nonRetryable(badWindow, 'InvalidRequest');

  let plan: TrustRecoveryPlan | undefined;
  // The index of the first plan step not finished (what the manual actions start from).
  let next = 0;
  try {
    await holdClusterLease({
      clusterId: request.clusterId,
      type: 'recoverTrust',
      units: [],
      requestedBy: request.requestedBy,
    });
    await run.inWindow('pre-flight');
    run.setPhase('running');
    const discovery = await run.attempt(
      {
        kind: 'preflight',
        description: `Discover cluster ${request.clusterId} (version, security mode, ITL signer, services, certificates)`,
      },
      () => named(quick.discoverCluster, `Discover cluster ${request.clusterId} over SSH`, request.clusterId),
      (d) => ({
        status: 'completed',
        detail: `CUCM ${d.version}, ${d.securityMode === 1 ? 'mixed mode' : 'non-secure'}, ITL signed by ${d.itlSigner}; ${d.nodes.map((n) => `${n.id} (${n.role})`).join(', ')}`,
      }),
      NO_SKIP.preflight,
    );
    if (!discovery) throw new Error('unreachable: pre-flight cannot be skipped');
    // Only a mixed-mode recovery restarts CTIManager, so only it needs (and records) the patch marker.
    plan = planTrustRecovery(planClusterOf(discovery), {
      unmanagedNodes: discovery.unmanagedNodes,
      ctiManager: discovery.securityMode === 1 && patched(PATCHES.trustRecoveryCtiManager),
    });
    run.state.recoveryPlan = plan;
    run.publish();
    if (plan.refusals.length > 0)
      throw ApplicationFailure.nonRetryable(
        `The trust recovery was refused, nothing was changed: ${plan.refusals.map((r) => r.message).join(' ')}`,
        'PlanRefused',
      );
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
    run.state.registration = {
      before: {
        at: new Date().toISOString(),
        total: baseline.total,
        registered: baseline.registered,
        byNode: baseline.byNode ?? [],
      },
    };
    // State only (no command): the phones left out, so an engineer sees who the recovery does not wait for.
    const longDown = baseline.longUnregistered;
    if (longDown?.count)
      run.state.excludedLongUnregistered = {
        count: longDown.count,
        names: longDown.names,
        unregisteredBefore: new Date(unregisteredBefore * 1000).toISOString(),
      };
    // The wait is for every phone RisPort70 lists but those down since before the incident: the locked-out ones are
    // the point of the run.
    const target = {
      ...baseline,
      registered: baseline.total - (longDown?.count ?? 0),
      ...(baseline.registeredNames
        ? { registeredNames: [...baseline.registeredNames, ...(baseline.unregisteredNames ?? [])].sort() }
        : {}),
    };
    delete target.unregisteredNames;

    const pubNode = discovery.nodes.find((n) => n.id === plan?.publisherId);
    const first = plan.steps[0];
    if (approvals.has('before-start')) {
      await run.gate(
        'before-start',
        `Recover the phones' trust on ${request.clusterId} (${plan.mode}): ${first?.kind === 'reset-trust-file' ? first.command : 'reset'} on ${plan.publisherId}, then every phone reset twice (${plan.steps.length} steps). ${baseline.total - baseline.registered} of ${baseline.total} phones are not registered now${longDown?.count ? ` (${longDown.count} of them since before ${new Date(unregisteredBefore * 1000).toISOString()}: not waited for)` : ''}.${request.reason ? ` Reason: ${request.reason}.` : ''} ${plan.warnings.join(' ')}`.trim(),
      );
    }

    const ctx: UnitRunContext = {
      request: asRun,
      // The phone steps name no unit; the recovery's is the one it works with.
      unit: 'ITLRecovery',
      run,
      discovery,
      steps: [],
      approvals,
      baseline: target,
      result: { clusterId: request.clusterId, unit: 'ITLRecovery', nodes: [], restarts: [] },
      newSerials: new Map(),
      restartsApproved: true,
      uploadedAny: false,
    };
    const result: TrustRecoveryResult = {
      clusterId: request.clusterId,
      mode: plan.mode,
      commands: [],
      files: [],
      phones: [],
    };
    // The files before the reset, per node: the first verification compares with them.
    const before = new Map<string, TrustFileReading>();
    const resetFile = plan.mode === 'mixed' ? 'CTL' : 'ITL';
    for (const nodeId of resetFile === 'CTL' ? [plan.publisherId ?? ''] : plan.tftpNodeIds)
      before.set(
        nodeId,
        await named(
          quick.readTrustFile,
          `Read the ${resetFile} on ${nodeId} before the reset (show ${resetFile.toLowerCase()})`,
          {
            clusterId: request.clusterId,
            nodeId,
            file: resetFile,
          },
        ),
      );

    const expectedSigner = (step: Extract<TrustRecoveryStep, { kind: 'verify-trust-file' }>, nodeId: string) => {
      if (step.expect === 'signed-by-callmanager')
        return { signerUnit: 'CallManager', signerSerial: certificateSerial(pubNode, 'CallManager') };
      const unit = step.file === 'CTL' ? ctlNormalSigner(discovery.version) : discovery.itlSigner;
      // The ITL of a TFTP node is signed by that node's own CallManager certificate before 12.0.
      const holder =
        unit === 'CallManager' && step.file === 'ITL' ? discovery.nodes.find((n) => n.id === nodeId) : pubNode;
      return { signerUnit: unit, signerSerial: certificateSerial(holder, unit) };
    };

    for (const [index, step] of plan.steps.entries()) {
      next = index;
      switch (step.kind) {
        case 'reset-trust-file': {
          await run.inWindow(step.command);
          const done = await run.attempt(
            { kind: 'reset-trust-file', nodeId: step.nodeId, description: `${step.command} on ${step.nodeId}` },
            () =>
              named(
                slow.resetTrustLocalKey,
                `Reset the ${step.file} with the local key (${step.command}) on ${step.nodeId}`,
                {
                  clusterId: request.clusterId,
                  file: step.file,
                },
              ),
            (o) => ({ status: 'completed', detail: o.output || 'ran' }),
            'the phones need the reset file; retry, or abort.',
          );
          if (done) result.commands.push({ nodeId: done.nodeId, command: done.command });
          break;
        }
        case 'verify-trust-file':
          for (const nodeId of step.nodeIds) {
            const reading = await run.attempt(
              {
                kind: 'verify',
                nodeId,
                description: `Verify the ${step.file} on ${nodeId} (show ${step.file.toLowerCase()}): ${step.expect === 'changed' ? 'a new file' : step.expect === 'signed-by-callmanager' ? "signed by the publisher's CallManager" : 'signed by its usual signer'}`,
              },
              async () => {
                const r = await named(
                  quick.readTrustFile,
                  `Read the ${step.file} on ${nodeId} (show ${step.file.toLowerCase()})`,
                  {
                    clusterId: request.clusterId,
                    nodeId,
                    file: step.file,
                  },
                );
                const problem = judgeTrustFile(r, step.expect, {
                  before: before.get(nodeId),
                  ...expectedSigner(step, nodeId),
                });
                if (problem) throw ApplicationFailure.nonRetryable(problem, 'TrustFileNotAsExpected');
                return r;
              },
              (r) => ({
                status: 'completed',
                detail: `${r.records} records, signed by ${r.signerName ?? 'unknown'} (serial ${r.signerSerial ?? 'unknown'}), SHA1 ${r.sha1 ?? 'unknown'}`,
              }),
            );
            if (reading)
              result.files = [...result.files.filter((f) => !(f.nodeId === nodeId && f.file === step.file)), reading];
          }
          break;
        case 'restart-service': {
          const outcome = await restartInWindow(
            run,
            { clusterId: request.clusterId, nodeId: step.nodeId },
            step.service,
          );
          if (outcome?.restarted)
            result.commands.push({ nodeId: step.nodeId, command: `utils service restart ${step.service}` });
          break;
        }
        case 'update-ctl': {
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
          if (ctl?.updated) result.commands.push({ nodeId: step.nodeId, command: 'utils ctl update CTLFile' });
          break;
        }
        case 'reset-phones':
          await resetPhonesStep(ctx, { kind: 'reset-phones', mode: 'all', reason: step.reason });
          break;
        case 'await-registration':
          await awaitRegistrationStep(ctx, ctx.phoneReset);
          if (ctx.result.phones) result.phones.push({ ...ctx.result.phones, round: step.round });
          break;
      }
    }
    next = plan.steps.length;
    run.setPhase('completed');
    notifier.ended(title, 'completed');
    await settle();
    return result;
  } catch (err) {
    const actions = trustRecoveryManualActions(plan, next, run.state.missingPhones);
    run.state.manualActions = actions;
    const ended = endedEarly(err, `${reasonOf(err)} Still to do by hand: ${actions.join(' ')}`, actions);
    run.setPhase(ended.phase);
    notifier.ended(title, ended.phase, actions);
    await settle();
    throw ended.error;
  }
}
