/**
 * regenerateCertificate: one certificate unit across a cluster, per Cisco TN 214231.
 *
 *   pre-flight (discovery over SSH, registration baseline) → the plan (pure rules, shared with the API's dry run;
 *   refusals stop the run before anything changes) → [gate before-start] → the plan's steps, each disruptive one
 *   inside the maintenance window: regenerate (publisher first) or, for a CA-signed unit, CSRs → [signed chains] →
 *   upload; CTL update; [gate before-restarts] restarts where Started; verification; [gate before-phone-reset]
 *   phone reset: the canary phones first ([gate canary-phones-missing] if some stay away), then the fleet; wait
 *   for registration ([gate accept-missing-phones] if some stay away).
 *
 * A step whose activity exhausts its retries opens a step-failed gate (retry, skip where safe, abort) instead of
 * failing the run. However the run ends early (abort, reject, cancel, failure) its state lists the manual actions
 * still needed. State lives in one object answered by the `state` query; gates are decided by an update
 * (validated) or a signal (for the Web UI). Activities are idempotent (they carry the serial seen before), so a
 * retry after a crash never regenerates twice. This file tells the run's story and holds its frame (handlers, the
 * plan, the end); pre-flight and each kind of plan step are in ./steps, the gates, step-failed recovery and window
 * waits in ./run (through ./run-tracker.ts).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { setGateHandlers } from './gate-handlers';
import { holdClusterLease } from './cluster-lease';
import { RunNotifier } from './notify';
import { manualActionsFor, summarizeManualActions, type PlanStepProgress } from './manual-actions';
import { GATES_TAKE, stateQuery } from '../domain/messages';
import {
  buildPlan,
  checkPlanInvariants,
  planClusterOf,
  type Plan,
  type PlanRedundancy,
  type PlanStep,
} from '../domain/plan';
import { endedEarly, reasonOf, RunTracker, windowProblemOf } from './run-tracker';
import { CERT_UNITS, CLUSTER_ID } from '../domain/search-attributes';
import { readRedundancy, runPlanStep, type UnitRunContext } from './steps';
import { checkPreflight, discoverAtWindowStart, takeRegistrationBaseline } from './steps/preflight';
import { setSignedChainHandlers } from './steps/signed-chains';
import type { ClusterDiscovery } from '../domain/discovery';
import type { GateKind, RegenerationResult, UnitRunRequest } from '../domain/types';
import type { CertificateUnit } from '../domain/units';
import { UnitReport } from './unit-report';

export async function regenerateCertificate(request: UnitRunRequest): Promise<RegenerationResult> {
  const frame = openUnitRun(request);
  const { run } = frame;
  const unit = await checkRequest(request);
  const approvals = new Set<GateKind>(request.approvals ?? ['before-start']);
  let steps: PlanStep[] = [];
  const progress: PlanStepProgress[] = [];
  try {
    // Before anything else: the cluster's lease (granted already when the cluster's entity started this run).
    await holdClusterLease({
      clusterId: request.clusterId,
      type: 'regenerateCertificate',
      units: request.units,
      requestedBy: request.requestedBy,
    });
    const discovery = await discoverAtWindowStart(run, request);
    // The approval policy of the gates from here depends on the cluster's mode and version; it may add optional
    // gates (two approvers before CallManager starts in mixed mode) that the request left out.
    run.learned({ securityMode: discovery.securityMode === 1 ? 'mixed' : 'non-secure', version: discovery.version });
    for (const kind of run.requiredGates()) approvals.add(kind);
    await checkPreflight(run, request, discovery);
    const redundancy = await readRedundancy(run, request);
    const plan = planUnitRun(run, request, unit, discovery, redundancy);
    steps = plan.units.flatMap((u) => u.steps);
    const baseline = await takeRegistrationBaseline(run, request, discovery, steps);
    if (approvals.has('before-start')) {
      await run.gate(
        'before-start',
        `Start regenerating ${unit} on ${request.clusterId}: ${steps.length} steps (${plan.warnings.length} warnings). ${plan.warnings.join(' ')}`.trim(),
      );
    }
    const result: RegenerationResult = { clusterId: request.clusterId, unit, nodes: [], restarts: [] };
    frame.ctx = {
      request,
      unit,
      run,
      discovery,
      steps,
      approvals,
      baseline,
      result,
      newSerials: new Map(),
      restartsApproved: !approvals.has('before-restarts'),
      uploadedAny: false,
      ...(redundancy ? { redundancy } : {}),
    };
    await runPlanSteps(frame.ctx, progress);
    await complete(frame, request, unit, steps, progress);
    return result;
  } catch (err) {
    throw await endEarly(frame, request, unit, steps, progress, err);
  }
}

/** What the run's handlers and its end share. */
interface UnitRunFrame {
  run: RunTracker;
  /** "tomcat on lab": what the notifications call the run. */
  title: string;
  notifier: RunNotifier;
  /** What the unit's steps share, once the plan is built (the signed-chain handlers read its CA renewal). */
  ctx?: UnitRunContext;
  /** Before the run ends: handlers still working (a chain being checked) finish, the rotation gets the last state. */
  settle(): Promise<void>;
}

/**
 * The run's frame, before any step: its gate ids, its state and who is told about it, the handlers (state first,
 * then handlers, so a query never sees an uninitialised run) and the search attributes that find it.
 */
function openUnitRun(request: UnitRunRequest): UnitRunFrame {
  // Gate ids name the unit (unique across a rotation), joined with a dot so an id goes into a URL as it is.
  const gatePrefix = request.units[0] ?? 'run';
  // A rotation's unit run reports its state to the rotation, which answers for the whole rotation.
  let report: UnitReport | undefined;
  // Who is told: gates, failures and the end (a rotation's unit run links to its rotation and leaves the end to it).
  const notifier = new RunNotifier(request.clusterId, request.rotationId, (failure) => {
    run.state.notificationFailures = [...(run.state.notificationFailures ?? []), failure].slice(-20);
    report?.changed();
  });
  const title = `${request.units.join(', ')} on ${request.clusterId}`;
  const run: RunTracker = new RunTracker(request, {
    gatePrefix,
    onChange: () => report?.changed(),
    onGateOpened: (gate) =>
      notifier.gateOpened(gate, { title, warnings: run.state.plan?.warnings, missingPhones: run.state.missingPhones }),
    reminders: notifier.gateReminders(title),
  });
  if (request.rotationId)
    report = new UnitReport(request.rotationId, request.units[0] ?? '', workflowInfo().workflowId, () => run.state);
  const frame: UnitRunFrame = {
    run,
    title,
    notifier,
    settle: () =>
      CancellationScope.nonCancellable(async () => {
        await notifier.settle();
        await condition(allHandlersFinished);
        await report?.flush();
      }),
  };
  setHandler(stateQuery, () => run.state, {
    description:
      'Live state of the run: phase, plan, steps with their status and detail, pending gates (with their expiry), decisions, ignored decisions, serials, missing phones, manual actions.',
  });
  setGateHandlers(run, { gatesTake: GATES_TAKE, whose: 'the pending gate', ends: 'the run' });
  setSignedChainHandlers(run, () => frame.ctx?.ca);
  upsertSearchAttributes([
    { key: CLUSTER_ID, value: request.clusterId },
    { key: CERT_UNITS, value: request.units },
  ]);
  return frame;
}

/**
 * The API refuses a bad request before it starts a run; a run started from the Temporal UI or CLI gets the same
 * checks here: exactly one unit, and a maintenance window that makes sense. Returns the unit.
 */
async function checkRequest(request: UnitRunRequest): Promise<CertificateUnit> {
  const [unit, ...others] = request.units;
  if (!unit || others.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `regenerateCertificate takes exactly one unit; got ${request.units.join(', ') || 'none'} (use rotateCluster for several).`,
      'InvalidRequest',
    );
  }
  const badWindow = request.maintenanceWindow ? await windowProblemOf(request.maintenanceWindow) : undefined;
  if (badWindow) throw ApplicationFailure.nonRetryable(badWindow, 'InvalidRequest');
  return unit;
}

/**
 * The plan from the discovery (pure rules, the API's dry run gives the same), kept in the state. A refusal or a
 * broken safety invariant ends the run here, before anything changes.
 */
function planUnitRun(
  run: RunTracker,
  request: UnitRunRequest,
  unit: CertificateUnit,
  discovery: ClusterDiscovery,
  redundancy: PlanRedundancy | undefined,
): Plan {
  const planCluster = { ...planClusterOf(discovery), ...(redundancy ? { redundancy } : {}) };
  const planRequest = {
    units: [unit],
    phoneReset: request.phoneReset,
    ...(request.restartStrategy ? { restartStrategy: request.restartStrategy } : {}),
    ...(request.csrDistribution ? { csrDistribution: request.csrDistribution } : {}),
    ...(request.canaryPhones !== undefined ? { canaryPhones: request.canaryPhones } : {}),
  };
  const plan = buildPlan(planCluster, planRequest);
  run.state.plan = plan;
  if (plan.refusals.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `The plan was refused, nothing was changed: ${plan.refusals.map((r) => r.message).join(' ')}`,
      'PlanRefused',
    );
  }
  // A second, independent reading of the safety rules before anything changes.
  const violations = checkPlanInvariants(planCluster, planRequest, plan);
  if (violations.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `The plan breaks a safety invariant, nothing was changed: ${violations.join('; ')}`,
      'PlanInvariantBroken',
    );
  }
  return plan;
}

/** The plan's steps in order, each one's progress kept for the manual actions should the run end inside it. */
async function runPlanSteps(ctx: UnitRunContext, progress: PlanStepProgress[]): Promise<void> {
  for (const [index, step] of ctx.steps.entries()) {
    progress[index] = 'interrupted'; // what the manual actions say if the run ends inside this step
    progress[index] = (await runPlanStep(ctx, step, index)) ? 'skipped' : 'done';
  }
}

/**
 * The run completed: the steps an engineer skipped are what is left to do by hand, and the people are told (a
 * rotation's unit run leaves that to its rotation).
 */
async function complete(
  frame: UnitRunFrame,
  request: UnitRunRequest,
  unit: CertificateUnit,
  steps: readonly PlanStep[],
  progress: readonly PlanStepProgress[],
): Promise<void> {
  const { run } = frame;
  const skippedSteps = progress.flatMap((p, i) => (p === 'skipped' ? [steps[i] as PlanStep] : []));
  if (skippedSteps.length > 0)
    run.state.manualActions = manualActionsFor({
      unit,
      steps: skippedSteps,
      progress: skippedSteps.map(() => 'skipped'),
      missingPhones: run.state.missingPhones,
    });
  run.setPhase('completed');
  if (!request.rotationId) frame.notifier.ended(frame.title, 'completed', run.state.manualActions);
  await frame.settle();
}

/**
 * However the run ends early (abort, reject, cancellation, failure), its state lists what is left to do by hand,
 * from what each plan step got to; the people are told. Returns the error to end the run with.
 */
async function endEarly(
  frame: UnitRunFrame,
  request: UnitRunRequest,
  unit: CertificateUnit,
  steps: readonly PlanStep[],
  progress: readonly PlanStepProgress[],
  err: unknown,
): Promise<unknown> {
  const { run } = frame;
  run.state.manualActions = manualActionsFor({
    unit,
    steps,
    // A CA renewal stopped before its first upload changed nothing but the CSRs: report it as not run.
    progress: steps.map((step, i) =>
      step.kind === 'ca-signed-renewal' && progress[i] === 'interrupted' && !frame.ctx?.uploadedAny
        ? 'not-run'
        : (progress[i] ?? 'not-run'),
    ),
    missingPhones: run.state.missingPhones,
    ...(run.state.canaryPhones ? { canary: run.state.canaryPhones } : {}),
  });
  const actions = run.state.manualActions;
  const ended = endedEarly(err, `${reasonOf(err)} ${summarizeManualActions(actions)}`, actions);
  run.setPhase(ended.phase);
  if (!request.rotationId) frame.notifier.ended(frame.title, ended.phase, actions);
  await frame.settle();
  return ended.error;
}
