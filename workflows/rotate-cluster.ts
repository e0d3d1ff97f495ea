/**
 * rotateCluster: several units of one cluster, one after the other in the safe order of the plan (TVS last), each
 * as a child regenerateCertificate run, so each unit has its own history, gates and result. A unit starts only
 * after the previous one has completed, which includes its phones re-registering (or an engineer accepting the
 * missing ones). The whole rotation is planned first: a refusal stops it before anything changes. When a unit run
 * ends early (abort, reject, cancel, failure), the rotation ends too and reports that unit's manual actions and the
 * units it did not start.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { ChainChecks } from './chain-checks';
import { setGateHandlers } from './gate-handlers';
import { holdClusterLease } from './cluster-lease';
import { RunNotifier } from './notify';
import { rotationStateQuery, unitRunId, type RotationState } from '../domain/contract/rotation';
import {
  abortSignal,
  decideGateSignal,
  GATES_TAKE,
  signedChainCheckedSignal,
  submitSignedChainUpdate,
  unitProgressSignal,
  type SignedChainSubmission,
} from '../domain/messages';
import { buildPlan, planClusterOf } from '../domain/plan';
import { regenerateCertificate } from './regenerate-certificate';
import { named } from './steps/proxies';
import { endedEarly, manualActionsOf, reasonOf } from './run-tracker';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from '../domain/search-attributes';
import type {
  GateDecision,
  IgnoredDecision,
  PendingGate,
  RegenerationRequest,
  RegenerationResult,
  RunPhase,
  UnitRunRequest,
} from '../domain/types';
import { PATCHES } from './patches';

const { discoverCluster, refreshDiscovery } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { maximumAttempts: 5 },
});

const { validateSignedChain } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3 },
});

/** Throws (refusing the decision) unless the gate is pending in the current unit and takes the decision. */
function checkDecision(pending: readonly PendingGate[], d: GateDecision): PendingGate {
  const gate = pending.find((g) => g.id === d.gateId);
  if (!gate)
    throw new Error(`Gate "${d.gateId}" is not pending (pending: ${pending.map((g) => g.id).join(', ') || 'none'}).`);
  if (!gate.allowed.includes(d.decision))
    throw new Error(`Gate "${gate.id}" accepts ${gate.allowed.join(', ')}, not "${d.decision}".`);
  return gate;
}

export async function rotateCluster(request: RegenerationRequest): Promise<RegenerationResult[]> {
  const state: RotationState = { clusterId: request.clusterId, phase: 'running', order: [], done: [], finished: [] };
  // One signed-chain check per node of the unit running now (chain-checks.ts says why refusing, and why no patch).
  const chainChecks = new ChainChecks();
  const chainKey = (unitWorkflowId: string, nodeId: string) => `${unitWorkflowId} ${nodeId}`;
  /** An abort sent between units: the next unit is not started. */
  let abortRequested: { by?: string; comment?: string } | undefined;
  const publish = () => {
    const cur = state.current;
    const pending = cur?.state?.pendingGates ?? [];
    const steps = cur?.state?.steps ?? [];
    const lines = [
      `**Rotation of ${state.order.join(' → ') || request.units.join(', ')} on ${state.clusterId}**: ${state.phase}`,
      ...pending.map(
        (g) =>
          `\n> **Waiting for a decision** at \`${g.id}\` (${g.allowed.join(' / ')})${g.expiresAt ? `, expires ${g.expiresAt}` : ''}: ${g.description}`,
      ),
      ...(state.ignoredDecisions ?? [])
        .slice(-5)
        .map((i) => `- ⚠️ ignored: ${i.decision} by ${i.by ?? 'unknown'} (${i.via}): ${i.reason}`),
      '',
      ...(state.finished ?? []).map(
        (u) => `- ${u.phase === 'completed' ? '✅' : '❌'} ${u.unit}: ${u.phase} (${u.workflowId})`,
      ),
      ...(cur
        ? [
            `- ▶️ ${cur.unit} (${cur.workflowId}): ${cur.state?.phase ?? 'starting'}, ${steps.filter((s) => s.status === 'completed').length} of ${steps.length} steps done${steps.length ? `; now: ${steps[steps.length - 1]?.description}` : ''}`,
          ]
        : []),
      ...state.order
        .filter((u) => !state.done.includes(u) && u !== cur?.unit && !state.finished?.some((f) => f.unit === u))
        .map((u) => `- ⏳ ${u}`),
      ...(state.manualActions?.length
        ? ['', '**Still to do by hand:**', ...state.manualActions.map((a) => `- ${a}`)]
        : []),
    ];
    setCurrentDetails(lines.join('\n').slice(0, 20_000));
  };
  const ignore = (d: Omit<IgnoredDecision, 'at' | 'via' | 'reason'>, via: string, reason: string) => {
    state.ignoredDecisions = [
      ...(state.ignoredDecisions ?? []),
      { ...d, via, reason, at: new Date().toISOString() },
    ].slice(-50);
    log.warn('gate decision ignored by the rotation', { ...d, via, reason });
    publish();
  };
  /** Hands a checked decision to the unit run that holds the gate; a repeat is refused from now on. */
  const forward = async (d: GateDecision): Promise<PendingGate> => {
    const cur = state.current;
    const gate = checkDecision(cur?.state?.pendingGates ?? [], d);
    if (cur?.state) cur.state.pendingGates = cur.state.pendingGates.filter((g) => g.id !== gate.id);
    publish();
    await getExternalWorkflowHandle(cur?.workflowId ?? '').signal(decideGateSignal, d);
    return gate;
  };
  const signalled = (via: string, d: Omit<GateDecision, 'gateId'> & { gateId?: string }) => {
    const pending = state.current?.state?.pendingGates ?? [];
    const gateId = d.gateId ?? (pending.length === 1 ? pending[0]?.id : undefined);
    if (!gateId) {
      ignore(d, via, `name the gate ("gateId"): pending are ${pending.map((g) => g.id).join(', ') || 'none'}`);
      return;
    }
    try {
      checkDecision(pending, { ...d, gateId });
    } catch (err) {
      ignore({ ...d, gateId }, via, reasonOf(err));
      return;
    }
    void forward({ ...d, gateId }).catch((err: unknown) => ignore({ ...d, gateId }, via, reasonOf(err)));
  };

  setHandler(rotationStateQuery, () => state, {
    description:
      'The whole rotation: units in their safe order, the unit running now with its steps, gates (with expiry) and decisions, the units finished with their results or manual actions, ignored decisions.',
  });
  setHandler(
    unitProgressSignal,
    (report) => {
      if (state.current?.workflowId !== report.workflowId) return;
      state.current.state = report.state;
      publish();
    },
    { description: 'Internal: a unit run reports its state to its rotation. Not for people.' },
  );
  setGateHandlers(
    {
      validate: (d) => checkDecision(state.current?.state?.pendingGates ?? [], d),
      decide: forward,
      signalled,
      // The unit running now aborts (at its pending gate, or before its next step); between units, none starts.
      abort: (approver, comment, gateId) => {
        const cur = state.current;
        if (!cur) {
          abortRequested ??= { by: approver, comment };
          publish();
          return;
        }
        void getExternalWorkflowHandle(cur.workflowId)
          .signal(abortSignal, { gateId, approver, comment })
          .catch((err: unknown) => ignore({ gateId, decision: 'abort', by: approver }, 'abort', reasonOf(err)));
      },
    },
    { gatesTake: GATES_TAKE, whose: 'the pending gate of the unit running now', ends: 'the rotation' },
  );
  setHandler(
    submitSignedChainUpdate,
    async ({ nodeId, chainPem, by }) => {
      const cur = state.current;
      const csr = cur?.state?.csrs?.find((c) => c.nodeId === nodeId);
      if (!cur || !csr) throw new Error(`No CSR is waiting for ${nodeId}.`); // the validator checked
      const key = chainKey(cur.workflowId, nodeId);
      const check = await chainChecks.run(key, async () => {
        const checked = await validateSignedChain.executeWithOptions(
          { summary: `Check the signed ${csr.unit} chain for ${nodeId} against its CSR` },
          [
            {
              nodeId,
              unit: csr.unit,
              csrPem: csr.csrPem,
              chainPem,
              ...(csr.coversNodes ? { coversNodes: csr.coversNodes } : {}),
            },
          ],
        );
        if (!checked.ok) throw ApplicationFailure.nonRetryable(checked.problem, 'InvalidSignedChain');
        await getExternalWorkflowHandle(cur.workflowId).signal(signedChainCheckedSignal, {
          nodeId,
          check: checked,
          by,
        });
        // Until the unit run reports its state again, only this set knows the node's chain is taken.
        chainChecks.handOver(key);
        return checked;
      });
      const submitted = new Set([
        nodeId,
        ...(cur.state?.decisions ?? [])
          .filter((d) => d.kind === 'signed-certificate')
          .flatMap((d) => /for (\S+) submitted/.exec(d.comment ?? '')?.[1] ?? []),
      ]);
      return {
        nodeId,
        serial: check.serial,
        issuer: check.issuer,
        notAfter: check.notAfter,
        waitingFor: (cur.state?.csrs ?? []).map((c) => c.nodeId).filter((n) => !submitted.has(n)),
      };
    },
    {
      validator: ({ nodeId, chainPem }: SignedChainSubmission) => {
        const s = state.current?.state;
        if (!s?.pendingGates.some((g) => g.kind === 'signed-certificate'))
          throw new Error('No CSR is waiting for a signed certificate in this rotation.');
        if (!s.csrs?.some((c) => c.nodeId === nodeId))
          throw new Error(
            `No CSR is waiting for ${nodeId}; waiting for: ${(s.csrs ?? []).map((c) => c.nodeId).join(', ')}.`,
          );
        chainChecks.refuseIfChecking(nodeId, chainKey(state.current?.workflowId ?? '', nodeId));
        if (typeof chainPem !== 'string' || !chainPem.includes('BEGIN CERTIFICATE'))
          throw new Error('chainPem must hold PEM certificates: the signed leaf, then its intermediate and root CAs.');
        if (/PRIVATE KEY/.test(chainPem))
          throw new Error(
            'The submission contains a private key: send certificates only (and treat that key as exposed).',
          );
      },
      description:
        'Submit the CA-signed chain for a pending CSR of the unit running now: {"nodeId", "chainPem": leaf + intermediates + root, PEM}. Checked against the CSR before it is handed to the unit run.',
    },
  );
  const setPhase = (phase: RunPhase) => {
    state.phase = phase;
    upsertSearchAttributes([{ key: RUN_PHASE, value: phase }]);
    publish();
  };
  // Who is told: the rotation's end (its unit runs tell about their gates, linking to the rotation).
  const notifier = new RunNotifier(request.clusterId);
  const title = `Rotation of ${request.units.join(', ')} on ${request.clusterId}`;
  const settle = () =>
    CancellationScope.nonCancellable(async () => {
      await notifier.settle();
      await condition(allHandlersFinished);
    });
  upsertSearchAttributes([
    { key: CLUSTER_ID, value: request.clusterId },
    { key: CERT_UNITS, value: request.units },
  ]);
  setPhase('running');
  try {
    // Before anything changes: the cluster's lease (granted already when the cluster's entity started this run).
    await holdClusterLease({
      clusterId: request.clusterId,
      type: 'rotateCluster',
      units: request.units,
      requestedBy: request.requestedBy,
    });
    let discovery = await named(discoverCluster, `Discover cluster ${request.clusterId} over SSH`, request.clusterId);
    // Discovery once per rotation (patched: older rotations replay their per-unit discoveries): each unit run gets
    // this discovery, with the services and the previous units' certificates read again after each unit.
    const handOver = patched(PATCHES.rotationDiscoveryOnce);
    // The plan as shown (each unit run builds and follows its own, under its own patches).
    const plan = buildPlan(planClusterOf(discovery), {
      units: request.units,
      phoneReset: request.phoneReset,
      ...(request.csrDistribution ? { csrDistribution: request.csrDistribution } : {}),
      ...(request.canaryPhones !== undefined ? { canaryPhones: request.canaryPhones } : {}),
    });
    state.plan = plan;
    if (plan.refusals.length > 0)
      throw ApplicationFailure.nonRetryable(
        `The rotation was refused, nothing was changed: ${plan.refusals.map((r) => r.message).join(' ')}`,
        'PlanRefused',
      );
    state.order = plan.units.map((u) => u.unit);
    const results: RegenerationResult[] = [];
    for (const unit of state.order) {
      if (abortRequested)
        throw ApplicationFailure.nonRetryable(
          `Aborted by ${abortRequested.by ?? 'unknown'} before ${unit}${abortRequested.comment ? `: ${abortRequested.comment}` : ''}.`,
          'AbortedByEngineer',
        );
      const workflowId = unitRunId(workflowInfo().workflowId, unit);
      state.current = { unit, workflowId };
      publish();
      const args: UnitRunRequest = {
        ...request,
        units: [unit],
        rotationId: workflowInfo().workflowId,
        ...(handOver ? { discovery } : {}),
      };
      const result = await executeChild(regenerateCertificate, {
        workflowId,
        args: [args],
        staticSummary: `${unit} on ${request.clusterId}: unit ${results.length + 1} of ${state.order.length} of rotation ${workflowInfo().workflowId}`,
      });
      results.push(result);
      state.finished?.push({ unit, workflowId, phase: 'completed', state: state.current.state, result });
      state.done.push(unit);
      state.current = undefined;
      publish();
      // What the unit changed: its certificates (new serials and dates) and the services it restarted.
      if (handOver && state.done.length < state.order.length)
        discovery = await named(
          refreshDiscovery,
          `Read again what ${unit} changed on ${request.clusterId} (services, certificates)`,
          { discovery, units: [unit] },
        );
    }
    state.current = undefined;
    setPhase('completed');
    notifier.ended(title, 'completed');
    await settle();
    return results;
  } catch (err) {
    const notStarted = state.order.filter((u) => !state.done.includes(u) && u !== state.current?.unit);
    const unitActions = manualActionsOf(err);
    state.manualActions = [
      ...(unitActions.length > 0 || !state.current
        ? unitActions
        : [`${state.current.unit}: see the state of ${state.current.workflowId} for what is left to do by hand.`]),
      ...(notStarted.length > 0
        ? [`Not started, nothing changed for them: ${notStarted.join(', ')}; start them in a new run when ready.`]
        : []),
    ];
    const ended = endedEarly(
      err,
      `${state.current ? `${state.current.unit}: ` : ''}${reasonOf(err)}${notStarted.length > 0 ? ` Not started: ${notStarted.join(', ')}.` : ''}`,
      state.manualActions,
    );
    if (state.current) {
      state.finished?.push({
        unit: state.current.unit,
        workflowId: state.current.workflowId,
        phase: state.current.state?.phase ?? ended.phase,
        state: state.current.state,
        manualActions: unitActions.length > 0 ? unitActions : state.current.state?.manualActions,
      });
    }
    setPhase(ended.phase);
    notifier.ended(title, ended.phase, state.manualActions);
    await settle();
    throw ended.error;
  }
}
