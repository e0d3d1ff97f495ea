/**
 * What a trust recovery holds from its first line to its last: the request as the tracker and the phone steps speak
 * it, the RunTracker (state, gates, step-failed recovery, window), the notifier, and the handlers a person or the API
 * reaches it by. Opened before the first command, so a query or a gate decision is answered from the start.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { TrustRecoveryRequest } from '../../domain/contract/trust-recovery';
import { TRUST_RECOVERY_GATES } from '../../domain/contract/trust-recovery';
import { GATE_TAKES, stateQuery } from '../../domain/messages';
import { CLUSTER_ID } from '../../domain/search-attributes';
import type { GateKind, RegenerationRequest } from '../../domain/types';
import { setGateHandlers } from '../gate-handlers';
import { RunNotifier } from '../notify';
import { RunTracker } from '../run-tracker';

const GATES_TAKE = (['before-start', 'before-phone-reset', 'accept-missing-phones', 'step-failed'] as const)
  .map((kind) => `${kind}: ${GATE_TAKES[kind]}`)
  .join('; ');

export interface TrustRecoverySession {
  request: TrustRecoveryRequest;
  /** The gates this run stops at (all of them unless the request names fewer). */
  approvals: Set<GateKind>;
  /** The request as a regeneration with no unit and every phone reset: what the tracker and phone steps take. */
  asRun: RegenerationRequest;
  /** "Trust recovery on <cluster>": the notifications' title. */
  title: string;
  run: RunTracker;
  notifier: RunNotifier;
  /** Sends the notifications still queued and lets running handlers finish, even while the run is cancelled. */
  settle(): Promise<void>;
}

export function openTrustRecovery(request: TrustRecoveryRequest): TrustRecoverySession {
  const approvals = new Set<GateKind>(request.approvals ?? TRUST_RECOVERY_GATES);
  const asRun = asRegenerationRequest(request, approvals);
  const title = `Trust recovery on ${request.clusterId}`;
  // The notifier records its failures in the tracker's state, and the tracker's gates notify: each needs the other.
  const notifier = new RunNotifier(request.clusterId, undefined, (failure) => {
    run.state.notificationFailures = [...(run.state.notificationFailures ?? []), failure].slice(-20);
  });
  const run: RunTracker = new RunTracker(asRun, {
    title: 'Trust recovery',
    policyRun: 'trust-recovery',
    onGateOpened: (gate) =>
      notifier.gateOpened(gate, {
        title,
        warnings: run.state.recoveryPlan?.warnings,
        missingPhones: run.state.missingPhones,
      }),
    reminders: notifier.gateReminders(title),
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
  return { request, approvals, asRun, title, run, notifier, settle };
}

/** The tracker and the phone steps speak RegenerationRequest: a run with no unit, every phone reset. */
function asRegenerationRequest(request: TrustRecoveryRequest, approvals: Set<GateKind>): RegenerationRequest {
  return {
    clusterId: request.clusterId,
    units: [],
    phoneReset: 'all',
    approvals: [...approvals],
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.approvalPolicy ? { approvalPolicy: request.approvalPolicy } : {}),
    ...(request.notBefore ? { notBefore: request.notBefore } : {}),
    ...(request.maintenanceWindow ? { maintenanceWindow: request.maintenanceWindow } : {}),
    ...(request.registrationDeadlineMinutes
      ? { registrationDeadlineMinutes: request.registrationDeadlineMinutes }
      : {}),
    ...(request.registrationPollSeconds ? { registrationPollSeconds: request.registrationPollSeconds } : {}),
  };
}
