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
 * retry after a crash never regenerates twice. This file holds the run's frame (handlers, pre-flight, plan, the
 * end); each kind of plan step is in ./steps, the gates and the step-failed recovery in ./run-tracker.ts.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { ChainChecks } from './chain-checks';
import { setGateHandlers } from './gate-handlers';
import { holdClusterLease } from './cluster-lease';
import { RunNotifier } from './notify';
import { manualActionsFor, summarizeManualActions, type PlanStepProgress } from './manual-actions';
import {
  GATES_TAKE,
  signedChainCheckedSignal,
  stateQuery,
  submitSignedChainUpdate,
  type SignedChainSubmission,
} from '../domain/messages';
import { PATCHES } from './patches';
import { buildPlan, checkPlanInvariants, planClusterOf, type PlanStep } from '../domain/plan';
import { endedEarly, reasonOf, RunTracker, windowProblemOf } from './run-tracker';
import { CERT_UNITS, CLUSTER_ID } from '../domain/search-attributes';
import { named } from './steps/proxies';
import { NO_SKIP, phones, quick, readRedundancy, runPlanStep, type UnitRunContext } from './steps';
import type { GateKind, RegenerationResult, UnitRunRequest } from '../domain/types';
import { UnitReport } from './unit-report';

export async function regenerateCertificate(request: UnitRunRequest): Promise<RegenerationResult> {
  // Gate ids name the unit (unique across a rotation), joined with a dot so an id goes into a URL as it is; runs
  // started before either change keep the ids their recorded decisions name (see ./patches.ts).
  const gatePrefix = patched(PATCHES.gateIdsNameUnit) ? (request.units[0] ?? 'run') : undefined;
  const gateSeparator = gatePrefix && patched(PATCHES.gateIdsWithoutSlash) ? '.' : '/';
  // A rotation's unit run reports its state to the rotation, which answers for the whole rotation.
  let report: UnitReport | undefined;
  // State first, then handlers, so a query never sees an uninitialised run.
  // Who is told: gates, failures and the end (a rotation's unit run links to its rotation and leaves the end to it).
  const notifier = new RunNotifier(request.clusterId, request.rotationId, (failure) => {
    run.state.notificationFailures = [...(run.state.notificationFailures ?? []), failure].slice(-20);
    report?.changed();
  });
  const title = `${request.units.join(', ')} on ${request.clusterId}`;
  const run: RunTracker = new RunTracker(request, {
    gatePrefix,
    gateSeparator,
    onChange: () => report?.changed(),
    onGateOpened: (gate) =>
      notifier.gateOpened(gate, {
        title,
        warnings: run.state.plan?.warnings,
        missingPhones: run.state.missingPhones,
      }),
  });
  if (request.rotationId)
    report = new UnitReport(request.rotationId, request.units[0] ?? '', workflowInfo().workflowId, () => run.state);
  // The unit's steps share this once the plan is built; the submitSignedChain handler reads its CA renewal.
  let unitRun: UnitRunContext | undefined;
  const chainChecks = new ChainChecks();
  setHandler(stateQuery, () => run.state, {
    description:
      'Live state of the run: phase, plan, steps with their status and detail, pending gates (with their expiry), decisions, ignored decisions, serials, missing phones, manual actions.',
  });
  setGateHandlers(run, { gatesTake: GATES_TAKE, whose: 'the pending gate', ends: 'the run' });
  // A chain a rotation has already checked against this unit run's CSR (the rotation answers its update).
  setHandler(signedChainCheckedSignal, ({ nodeId, check, by }) => {
    const renewal = unitRun?.ca;
    if (!renewal?.csrs.has(nodeId) || renewal.chains.has(nodeId)) {
      run.ignore({ decision: 'approve', by }, 'signedChainChecked', `no CSR of ${nodeId} is waiting for its chain`);
      return;
    }
    acceptChain(nodeId, check, by);
  });
  const acceptChain = (
    nodeId: string,
    check: Parameters<NonNullable<UnitRunContext['ca']>['chains']['set']>[1],
    by?: string,
  ) => {
    const renewal = unitRun?.ca;
    if (!renewal) return;
    renewal.chains.set(nodeId, check);
    run.state.decisions.push({
      gateId: run.state.pendingGates.find((g) => g.kind === 'signed-certificate')?.id ?? 'signed-certificate',
      kind: 'signed-certificate',
      decision: 'approve',
      by,
      comment: `signed ${renewal.unit} for ${nodeId} submitted: serial ${check.serial}, issued by ${check.issuer}, valid to ${check.notAfter}`,
      at: new Date().toISOString(),
    });
    run.publish();
  };
  setHandler(
    submitSignedChainUpdate,
    async ({ nodeId, chainPem, by }) => {
      const renewal = unitRun?.ca;
      if (!renewal) throw new Error('No CSR is waiting for a signed certificate in this run.'); // the validator checked
      const csrPem = renewal.csrs.get(nodeId) as string;
      const check = await chainChecks.run(nodeId, () =>
        quick.validateSignedChain.executeWithOptions(
          { summary: `Check the signed ${renewal.unit} chain for ${nodeId} against its CSR` },
          [
            {
              nodeId,
              unit: renewal.unit,
              csrPem,
              chainPem,
              ...(renewal.coversNodes ? { coversNodes: renewal.coversNodes } : {}),
            },
          ],
        ),
      );
      if (!check.ok) throw ApplicationFailure.nonRetryable(check.problem, 'InvalidSignedChain');
      acceptChain(nodeId, check, by);
      return {
        nodeId,
        serial: check.serial,
        issuer: check.issuer,
        notAfter: check.notAfter,
        waitingFor: [...renewal.csrs.keys()].filter((n) => !renewal.chains.has(n)),
      };
    },
    {
      validator: ({ nodeId, chainPem }: SignedChainSubmission) => {
        const ca = unitRun?.ca;
        if (!ca || !run.state.pendingGates.some((g) => g.kind === 'signed-certificate'))
          throw new Error('No CSR is waiting for a signed certificate in this run.');
        if (!ca.csrs.has(nodeId))
          throw new Error(`No CSR is waiting for ${nodeId}; waiting for: ${[...ca.csrs.keys()].join(', ')}.`);
        if (ca.chains.has(nodeId)) throw new Error(`The signed chain for ${nodeId} was already accepted.`);
        chainChecks.refuseIfChecking(nodeId);
        if (typeof chainPem !== 'string' || !chainPem.includes('BEGIN CERTIFICATE'))
          throw new Error('chainPem must hold PEM certificates: the signed leaf, then its intermediate and root CAs.');
        if (/PRIVATE KEY/.test(chainPem))
          throw new Error(
            'The submission contains a private key: send certificates only (and treat that key as exposed).',
          );
      },
      description:
        'Submit the CA-signed chain for a pending CSR: {"nodeId", "chainPem": leaf + intermediates + root, PEM}. Checked against the CSR (same key, names the node, complete chain) before it is accepted. A multi-server CSR: nodeId is the publisher that made it, and the leaf must name every node in its SANs.',
    },
  );
  /** Before the run ends: handlers still working (a chain being checked) finish, the rotation gets the last state. */
  const settle = () =>
    CancellationScope.nonCancellable(async () => {
      await notifier.settle();
      await condition(allHandlersFinished);
      await report?.flush();
    });
  upsertSearchAttributes([
    { key: CLUSTER_ID, value: request.clusterId },
    { key: CERT_UNITS, value: request.units },
  ]);

  const [unit, ...others] = request.units;
  if (!unit || others.length > 0) {
    // The API refuses these before starting a run; this guards direct starts from the CLI or UI.
    throw ApplicationFailure.nonRetryable(
      `regenerateCertificate takes exactly one unit; got ${request.units.join(', ') || 'none'} (use rotateCluster for several).`,
      'InvalidRequest',
    );
  }
  // The API validates the window; a run started from the Temporal UI or CLI gets the same check here.
  const badWindow = request.maintenanceWindow ? await windowProblemOf(request.maintenanceWindow) : undefined;
  if (badWindow) throw ApplicationFailure.nonRetryable(badWindow, 'InvalidRequest');
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
    // Pre-flight at the start of the window, so the plan is built from a fresh discovery; every disruptive step
    // checks the window again (an approval can take longer than the window lasts).
    const beforeWindow = Date.now();
    await run.inWindow('pre-flight');
    run.setPhase('running');
    // A rotation hands over its discovery (refreshed where the previous unit changed it); after a wait for the
    // window the cluster may have changed, so discover again.
    const { discovery: handed } = request;
    const reuse = handed !== undefined && Date.now() === beforeWindow && patched(PATCHES.reuseRotationDiscovery);
    // Pre-flight: every node reachable and discovered; the plan must hold before anything changes.
    const discovery = await run.attempt(
      {
        kind: 'preflight',
        description: reuse
          ? `Cluster ${request.clusterId} as the rotation discovered it at ${handed.discoveredAt} (services and this rotation's certificates read again since)`
          : `Discover cluster ${request.clusterId} (version, security mode, ITL signer, services, certificates)`,
      },
      () =>
        reuse
          ? Promise.resolve(handed)
          : named(quick.discoverCluster, `Discover cluster ${request.clusterId} over SSH`, request.clusterId),
      (d) => ({
        status: 'completed',
        detail: `CUCM ${d.version}, ${d.securityMode === 1 ? 'mixed mode' : 'non-secure'}, ITL signed by ${d.itlSigner}; ${d.nodes.map((n) => `${n.id} (${n.role})`).join(', ')}`,
      }),
      NO_SKIP.preflight,
    );
    if (!discovery) throw new Error('unreachable: pre-flight cannot be skipped');
    // A failed pre-flight ends the run with its reasons: nothing has changed, so there is nothing to recover.
    await run.step(
      {
        kind: 'preflight',
        description: 'Pre-flight: database replication healthy (utils dbreplication runtimestate), every node on HTTPS',
      },
      () =>
        named(quick.preflightChecks, `Pre-flight checks on ${request.clusterId} (replication, HTTPS)`, {
          clusterId: request.clusterId,
          nodeIds: discovery.nodes.map((n) => n.id),
        }),
      (r) => ({ status: 'completed', detail: r.checks.join('; ') }),
    );
    const redundancy = await readRedundancy(run, request);
    const planCluster = { ...planClusterOf(discovery), ...(redundancy ? { redundancy } : {}) };
    const planRequest = {
      units: [unit],
      phoneReset: request.phoneReset,
      ...(request.restartStrategy ? { restartStrategy: request.restartStrategy } : {}),
      ...(request.csrDistribution ? { csrDistribution: request.csrDistribution } : {}),
      ...(request.canaryPhones !== undefined ? { canaryPhones: request.canaryPhones } : {}),
    };
    // Rule revisions since the first release of this workflow: a run started before one replays without it.
    const planOptions = {
      ipsecTomcatRestart: patched(PATCHES.ipsecTomcatRestart15),
      canaryPhones: patched(PATCHES.canaryPhones),
      // Asked only where it can matter, so runs without UCCX record no marker for it.
      uccxTrust: planCluster.uccxNodes?.length ? patched(PATCHES.uccxTrust) : false,
    };
    const plan = buildPlan(planCluster, planRequest, planOptions);
    run.state.plan = plan;
    if (plan.refusals.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `The plan was refused, nothing was changed: ${plan.refusals.map((r) => r.message).join(' ')}`,
        'PlanRefused',
      );
    }
    // A second, independent reading of the safety rules before anything changes.
    const violations = checkPlanInvariants(planCluster, planRequest, plan, planOptions);
    if (violations.length > 0) {
      throw ApplicationFailure.nonRetryable(
        `The plan breaks a safety invariant, nothing was changed: ${violations.join('; ')}`,
        'PlanInvariantBroken',
      );
    }
    steps = plan.units.flatMap((u) => u.steps);
    // The canaries are chosen with the baseline: the same RisPort70 reading says who is registered, where.
    const canaryStep = steps.find(
      (s): s is Extract<PlanStep, { kind: 'reset-phones' }> => s.kind === 'reset-phones' && s.canary !== undefined,
    );
    const canary = canaryStep?.canary && {
      perNodeModel: canaryStep.canary.perNodeModel,
      max: canaryStep.canary.max,
      ...(canaryStep.mode === 'secure-only' ? { secureOnly: true } : {}),
      ...(discovery.securityMode === 1 && canaryStep.mode !== 'secure-only' ? { bySecurity: true } : {}),
    };
    const baseline = steps.some((s) => s.kind === 'await-registration')
      ? await run.attempt(
          {
            kind: 'preflight',
            description: `Take the phone registration baseline (RisPort70)${canary ? ' and choose the canary phones' : ''}`,
          },
          () =>
            named(
              phones.registrationSnapshot,
              `Phone registration baseline of ${request.clusterId} (RisPort70)${canary ? ', canaries chosen' : ''}`,
              { clusterId: request.clusterId, ...(canary ? { canary } : {}) },
            ),
          (b) => ({
            status: 'completed',
            detail: `${b.registered} of ${b.total} phones registered${b.canaries ? `; ${b.canaries.length} canaries: ${b.canaries.map((c) => c.name).join(', ')}`.slice(0, 1_000) : ''}`,
          }),
          NO_SKIP.baseline,
        )
      : undefined;
    if (baseline?.canaries?.length) run.state.canaryPhones = { phones: baseline.canaries, status: 'selected' };
    if (baseline)
      run.state.registration = {
        before: {
          at: new Date().toISOString(),
          total: baseline.total,
          registered: baseline.registered,
          byNode: baseline.byNode ?? [],
        },
      };

    if (approvals.has('before-start')) {
      await run.gate(
        'before-start',
        `Start regenerating ${unit} on ${request.clusterId}: ${steps.length} steps (${plan.warnings.length} warnings). ${plan.warnings.join(' ')}`.trim(),
      );
    }

    const result: RegenerationResult = { clusterId: request.clusterId, unit, nodes: [], restarts: [] };
    const ctx: UnitRunContext = {
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
    unitRun = ctx;
    for (const [index, step] of steps.entries()) {
      progress[index] = 'interrupted'; // what the manual actions say if the run ends inside this step
      progress[index] = (await runPlanStep(ctx, step, index)) ? 'skipped' : 'done';
    }
    const skippedSteps = progress.flatMap((p, i) => (p === 'skipped' ? [steps[i] as PlanStep] : []));
    if (skippedSteps.length > 0)
      run.state.manualActions = manualActionsFor({
        unit,
        steps: skippedSteps,
        progress: skippedSteps.map(() => 'skipped'),
        missingPhones: run.state.missingPhones,
      });
    run.setPhase('completed');
    if (!request.rotationId) notifier.ended(title, 'completed', run.state.manualActions);
    await settle();
    return result;
  } catch (err) {
    run.state.manualActions = manualActionsFor({
      unit,
      steps,
      // A CA renewal stopped before its first upload changed nothing but the CSRs: report it as not run.
      progress: steps.map((step, i) =>
        step.kind === 'ca-signed-renewal' && progress[i] === 'interrupted' && !unitRun?.uploadedAny
          ? 'not-run'
          : (progress[i] ?? 'not-run'),
      ),
      missingPhones: run.state.missingPhones,
      ...(run.state.canaryPhones ? { canary: run.state.canaryPhones } : {}),
    });
    const actions = run.state.manualActions;
    const ended = endedEarly(err, `${reasonOf(err)} ${summarizeManualActions(actions)}`, actions);
    run.setPhase(ended.phase);
    if (!request.rotationId) notifier.ended(title, ended.phase, actions);
    await settle();
    throw ended.error;
  }
}
