/** What the steps of a trust recovery share while they run (built after the before-start gate), and what it returns. */
import type { TrustFileReading, TrustRecoveryPlan, TrustRecoveryResult } from '../../domain/contract/trust-recovery';
import type { ClusterDiscovery } from '../../domain/discovery';
import type { RegistrationBaseline } from '../../domain/phones';
import type { UnitRunContext } from '../steps';
import type { TrustRecoverySession } from './session';

export interface Recovery {
  session: TrustRecoverySession;
  discovery: ClusterDiscovery;
  plan: TrustRecoveryPlan;
  /** The reset file (ITL, or CTL in mixed mode) per node before the reset: the first verification compares with it. */
  before: Map<string, TrustFileReading>;
  /** What the phone steps of a unit run take: the phones reset and waited for are the recovery's. */
  phoneSteps: UnitRunContext;
  /** Filled as the steps finish: the commands run, the files verified, each phone round. */
  result: TrustRecoveryResult;
}

export function recoveryContext(
  session: TrustRecoverySession,
  discovery: ClusterDiscovery,
  plan: TrustRecoveryPlan,
  target: RegistrationBaseline,
  before: Map<string, TrustFileReading>,
): Recovery {
  const { request, run, approvals, asRun } = session;
  const phoneSteps: UnitRunContext = {
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
  return { session, discovery, plan, before, phoneSteps, result };
}
