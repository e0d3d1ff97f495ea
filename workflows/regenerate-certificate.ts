/**
 * regenerateCertificate: one certificate unit across a cluster, per Cisco TN 214231.
 *
 *   wait for the window → pre-flight (discovery over SSH, registration baseline) → the plan (pure rules, shared with
 *   the API's dry run; refusals stop the run before anything changes) → [gate before-start] → the plan's steps:
 *   regenerate (publisher first), CTL update, [gate before-restarts] restarts where Started, verification,
 *   [gate before-phone-reset] phone reset, wait for registration ([gate accept-missing-phones] if some stay away).
 *
 * State lives in one small object answered by the `state` query; gates are decided by an update (validated) or a
 * signal (for the Web UI). Activities are idempotent (they carry the serial seen before), so a retry after a crash
 * never regenerates twice.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities, RegistrationBaseline } from '../activities';
import { decideGateSignal, decideGateUpdate, stateQuery } from './messages';
import { buildPlan, checkPlanInvariants, planClusterOf, type PlanStep } from './plan';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from './search-attributes';
import type {
  GateDecision,
  GateDecisionKind,
  GateKind,
  PendingGate,
  RegenerationRequest,
  RegenerationResult,
  RegenerationState,
  RunPhase,
  StepState,
} from './types';

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

// Regeneration and restarts are long on real nodes (a Tomcat restart can take 10 minutes); the heartbeat timeout
// notices a crashed worker long before the start-to-close timeout does.
const slow = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
});

const phones = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '2 minutes', maximumAttempts: 20 },
});

/** How long a gate waits for an engineer before the run fails (nothing half done: gates sit between steps). */
const GATE_TIMEOUT = '7 days';

/** The engineer-facing reason of a failure: the activity's own message, not the "Activity task failed" wrapper. */
function reasonOf(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Holds the run's state and its gates; the query handler returns it. */
class RunTracker {
  readonly state: RegenerationState;
  private gateCount = 0;
  private readonly decided = new Map<string, GateDecision>();

  constructor(request: RegenerationRequest) {
    this.state = {
      clusterId: request.clusterId,
      units: request.units,
      phase: 'running',
      steps: [],
      pendingGates: [],
      decisions: [],
      startedAt: new Date().toISOString(),
      notBefore: request.notBefore,
      maintenanceWindow: request.maintenanceWindow,
      requestedBy: request.requestedBy,
      certificates: [],
    };
  }

  setPhase(phase: RunPhase): void {
    this.state.phase = phase;
    upsertSearchAttributes([{ key: RUN_PHASE, value: phase }]);
    this.publish();
  }

  /** The run's state as Markdown in the Temporal UI's "current details", so the UI alone tells where it stands. */
  publish(): void {
    const s = this.state;
    const icon: Record<StepState['status'], string> = {
      pending: '⏳',
      running: '▶️',
      completed: '✅',
      skipped: '⏭️',
      failed: '❌',
    };
    const lines = [
      `**${s.units.join(', ')} on ${s.clusterId}**: ${s.phase}`,
      ...s.pendingGates.map(
        (g) => `\n> **Waiting for a decision** at \`${g.id}\` (${g.allowed.join(' / ')}): ${g.description}`,
      ),
      '',
      ...s.steps.slice(-12).map((st) => `- ${icon[st.status]} ${st.description}${st.detail ? `: ${st.detail}` : ''}`),
    ];
    setCurrentDetails(lines.join('\n').slice(0, 20_000));
  }

  /** Runs one step: marks it running, records its outcome or its failure. */
  async step<T>(
    step: Omit<StepState, 'status' | 'id'>,
    work: () => Promise<T>,
    describe: (result: T) => Pick<StepState, 'status' | 'detail'>,
  ): Promise<T> {
    const entry: StepState = {
      ...step,
      id: `step-${this.state.steps.length + 1}`,
      status: 'running',
      startedAt: new Date().toISOString(),
    };
    this.state.steps.push(entry);
    try {
      const result = await work();
      Object.assign(entry, describe(result), { finishedAt: new Date().toISOString() });
      this.publish();
      return result;
    } catch (err) {
      Object.assign(entry, { status: 'failed', finishedAt: new Date().toISOString(), detail: reasonOf(err) });
      this.publish();
      throw err;
    }
  }

  /** Throws (rejecting the update) unless the gate is pending and the decision allowed there. */
  validate(decision: GateDecision): PendingGate {
    const gate = this.state.pendingGates.find((g) => g.id === decision.gateId);
    if (!gate)
      throw new Error(
        `Gate "${decision.gateId}" is not pending (pending: ${this.state.pendingGates.map((g) => g.id).join(', ') || 'none'}).`,
      );
    if (!gate.allowed.includes(decision.decision))
      throw new Error(`Gate "${gate.id}" accepts ${gate.allowed.join(', ')}, not "${decision.decision}".`);
    return gate;
  }

  decide(decision: GateDecision): PendingGate {
    const gate = this.validate(decision);
    this.decided.set(gate.id, decision);
    this.state.decisions.push({ ...decision, kind: gate.kind, at: new Date().toISOString() });
    return gate;
  }

  /** Stops the run until an engineer decides; reject and abort end the run without another change. */
  async gate(
    kind: GateKind,
    description: string,
    allowed: GateDecisionKind[] = ['approve', 'reject', 'abort'],
  ): Promise<GateDecision> {
    this.gateCount += 1;
    const gate: PendingGate = { id: `${kind}-${this.gateCount}`, kind, description, allowed };
    this.state.pendingGates.push(gate);
    this.setPhase('awaiting-approval');
    const decided = await this.step(
      { kind: 'gate', description: `Gate: ${description}` },
      async () => {
        if (!(await condition(() => this.decided.has(gate.id), GATE_TIMEOUT))) {
          throw ApplicationFailure.nonRetryable(
            `Gate ${gate.id} was not decided within ${GATE_TIMEOUT}; nothing after it was done.`,
            'GateTimedOut',
          );
        }
        return this.decided.get(gate.id) as GateDecision;
      },
      (d) => ({
        status: 'completed',
        detail: `${d.decision} by ${d.by ?? 'unknown'}${d.comment ? `: ${d.comment}` : ''}`,
      }),
    );
    this.state.pendingGates = this.state.pendingGates.filter((g) => g.id !== gate.id);
    this.setPhase('running');
    if (decided.decision === 'reject' || decided.decision === 'abort') {
      throw ApplicationFailure.nonRetryable(
        `${decided.decision === 'reject' ? 'Rejected' : 'Aborted'} at gate ${gate.id} by ${decided.by ?? 'unknown'}${decided.comment ? `: ${decided.comment}` : ''}.`,
        decided.decision === 'reject' ? 'RejectedAtGate' : 'AbortedAtGate',
      );
    }
    return decided;
  }
}

export async function regenerateCertificate(request: RegenerationRequest): Promise<RegenerationResult> {
  // State first, then handlers, so a query never sees an uninitialised run.
  const run = new RunTracker(request);
  setHandler(stateQuery, () => run.state, {
    description: 'Live state of the run: phase, steps with their status and detail, pending gates, decisions.',
  });
  setHandler(decideGateUpdate, (decision) => run.decide(decision), {
    validator: (decision: GateDecision) => void run.validate(decision),
    description:
      'Decide a pending gate: {"gateId", "decision": approve|reject|retry|skip|abort, "comment", "by"}. Answers whether it was accepted.',
  });
  setHandler(
    decideGateSignal,
    (decision) => {
      try {
        run.decide(decision);
      } catch (err) {
        log.warn('gate decision ignored', { decision, reason: reasonOf(err) });
      }
    },
    {
      description:
        'Decide a pending gate from the Web UI: {"gateId", "decision": approve|reject|abort, "comment", "by"}.',
    },
  );
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
  const approvals = new Set(request.approvals ?? ['before-start']);
  const ref = (nodeId: string) => ({ clusterId: request.clusterId, nodeId });

  try {
    if (request.notBefore) {
      const waitMs = Date.parse(request.notBefore) - Date.now();
      if (waitMs > 0) {
        run.setPhase('waiting-window');
        await run.step(
          { kind: 'wait-window', description: `Wait for the maintenance window at ${request.notBefore}` },
          () => sleep(waitMs),
          () => ({ status: 'completed' }),
        );
      }
    }
    run.setPhase('running');

    // Pre-flight: every node reachable and discovered; the plan must hold before anything changes.
    const discovery = await run.step(
      {
        kind: 'preflight',
        description: `Discover cluster ${request.clusterId} (version, security mode, ITL signer, services, certificates)`,
      },
      () => quick.discoverCluster(request.clusterId),
      (d) => ({
        status: 'completed',
        detail: `CUCM ${d.version}, ${d.securityMode === 1 ? 'mixed mode' : 'non-secure'}, ITL signed by ${d.itlSigner}; ${d.nodes.map((n) => `${n.id} (${n.role})`).join(', ')}`,
      }),
    );
    const planCluster = planClusterOf(discovery);
    const planRequest = { units: [unit], phoneReset: request.phoneReset };
    const plan = buildPlan(planCluster, planRequest);
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
    const steps: PlanStep[] = plan.units.flatMap((u) => u.steps);
    let baseline: RegistrationBaseline | undefined;
    if (steps.some((s) => s.kind === 'await-registration')) {
      baseline = await run.step(
        { kind: 'preflight', description: 'Take the phone registration baseline (RisPort70)' },
        () => phones.registrationSnapshot({ clusterId: request.clusterId }),
        (b) => ({ status: 'completed', detail: `${b.registered} of ${b.total} phones registered` }),
      );
    }

    if (approvals.has('before-start')) {
      await run.gate(
        'before-start',
        `Start regenerating ${unit} on ${request.clusterId}: ${steps.length} steps (${plan.warnings.length} warnings). ${plan.warnings.join(' ')}`.trim(),
      );
    }

    const result: RegenerationResult = { clusterId: request.clusterId, unit, nodes: [], restarts: [] };
    const newSerials = new Map<string, string>();
    let restartsApproved = !approvals.has('before-restarts');
    for (const step of steps) {
      switch (step.kind) {
        case 'regenerate': {
          const before = await quick.readCertificate({ ...ref(step.nodeId), unit: step.unit });
          const outcome = await run.step(
            {
              kind: 'regenerate',
              unit: step.unit,
              nodeId: step.nodeId,
              description: `Regenerate ${step.unit} on ${step.nodeId}`,
            },
            () => slow.regenerateCertificate({ ...ref(step.nodeId), unit: step.unit, serialBefore: before.serial }),
            (o) => ({
              status: 'completed',
              detail: `serial ${o.serialBefore} -> ${o.serialAfter}${o.regeneratedNow ? '' : ' (already regenerated by an earlier attempt)'}`,
            }),
          );
          newSerials.set(step.nodeId, outcome.serialAfter);
          result.nodes.push({ nodeId: step.nodeId, ...outcome });
          break;
        }
        case 'ca-signed-renewal':
          throw ApplicationFailure.nonRetryable(
            `${step.unit} is CA-signed on ${step.nodeIds.join(', ')}: this build does not renew CA-signed certificates yet, and will not replace them with self-signed ones. Nothing further was changed.`,
            'CaSignedNotSupported',
          );
        case 'update-ctl': {
          const ctl = await run.step(
            { kind: 'update-ctl', nodeId: step.nodeId, description: `utils ctl update CTLFile on ${step.nodeId}` },
            () => slow.updateCtlFile({ clusterId: request.clusterId }),
            (o) => ({ status: o.updated ? 'completed' : 'skipped', detail: o.reason }),
          );
          result.ctlUpdated = ctl.updated;
          break;
        }
        case 'restart-service': {
          if (!restartsApproved) {
            await run.gate(
              'before-restarts',
              `Restart the services for ${unit} (${steps.filter((s) => s.kind === 'restart-service').length} restarts, publisher first). Services drop calls and registrations while they restart.`,
            );
            restartsApproved = true;
          }
          const outcome = await run.step(
            {
              kind: 'restart-service',
              nodeId: step.nodeId,
              service: step.service,
              description: `Restart ${step.service} on ${step.nodeId}`,
            },
            () => slow.restartService({ ...ref(step.nodeId), service: step.service }),
            (o) => (o.restarted ? { status: 'completed' } : { status: 'skipped', detail: o.reason }),
          );
          result.restarts.push({ nodeId: step.nodeId, service: step.service, ...outcome });
          break;
        }
        case 'verify-certificate':
          for (const nodeId of step.nodeIds) {
            const expected = newSerials.get(nodeId) ?? newSerials.get(discovery.nodes[0]?.id ?? '');
            if (!expected) continue;
            await run.step(
              { kind: 'verify', unit: step.unit, nodeId, description: `Verify ${step.unit} on ${nodeId}` },
              async () => {
                const v = await quick.verifyCertificate({ ...ref(nodeId), unit: step.unit, expectedSerial: expected });
                if (!v.ok)
                  throw ApplicationFailure.nonRetryable(
                    `Verification failed: ${v.problem ?? 'unknown'}`,
                    'VerificationFailed',
                  );
                return v;
              },
              (v) => ({
                status: 'completed',
                detail: `serial ${v.serial}${v.servedSerial ? ', served on HTTPS' : ''}`,
              }),
            );
          }
          break;
        case 'verify-ipsec-trust': {
          const serial = newSerials.get(step.publisherId);
          if (!serial) break;
          for (const sub of step.subscriberIds) {
            await run.step(
              {
                kind: 'verify',
                nodeId: sub,
                description: `Verify ${sub}'s ipsec-trust holds the publisher's new ipsec certificate`,
              },
              async () => {
                if (!(await quick.trustHolds({ ...ref(sub), store: 'ipsec-trust', serial })))
                  throw ApplicationFailure.nonRetryable(
                    `${sub}'s ipsec-trust does not hold the publisher's ipsec serial ${serial}.`,
                    'VerificationFailed',
                  );
              },
              () => ({ status: 'completed', detail: `serial ${serial} present` }),
            );
          }
          break;
        }
        case 'reset-phones': {
          if (approvals.has('before-phone-reset')) {
            const d = await run.gate(
              'before-phone-reset',
              `Reset ${step.mode === 'all' ? 'every phone' : 'the secure phones'} of ${request.clusterId} so they fetch the new ITL/CTL.`,
              ['approve', 'skip', 'reject', 'abort'],
            );
            if (d.decision === 'skip') break;
          }
          await run.step(
            { kind: 'reset-phones', description: `Reset phones (${step.mode}) through AXL, in throttled batches` },
            () => phones.resetPhones({ clusterId: request.clusterId }),
            (r) => ({
              status: 'completed',
              detail: `${r.reset + r.skippedAlreadyReset} of ${r.total} phones reset${r.resumedFrom !== undefined ? ` (resumed from ${r.resumedFrom})` : ''}`,
            }),
          );
          break;
        }
        case 'confirm-phones-reset':
          await run.gate(
            'confirm-phones-reset',
            'Reset the phones yourself (phone reset mode "none"), then approve to wait for them to register.',
            ['approve', 'abort'],
          );
          break;
        case 'await-registration': {
          if (!baseline) break;
          for (;;) {
            const deadline = new Date(Date.now() + (request.registrationDeadlineMinutes ?? 30) * 60_000).toISOString();
            const back = await run.step(
              {
                kind: 'await-registration',
                description: `Wait until ${baseline.registered} phones are registered again (deadline ${deadline})`,
              },
              () =>
                phones.awaitRegistration({
                  clusterId: request.clusterId,
                  baseline,
                  deadline,
                  pollIntervalMs: (request.registrationPollSeconds ?? 10) * 1000,
                }),
              (r) => ({
                status: r.allBack ? 'completed' : 'failed',
                detail: r.allBack
                  ? `${r.registered} registered`
                  : `${r.missingCount} missing: ${r.missing.slice(0, 20).join(', ')}`,
              }),
            );
            result.phones = { allBack: back.allBack, registered: back.registered, missingCount: back.missingCount };
            if (back.allBack) break;
            // The next certificate only after phones are back, or an engineer accepting the ones still missing.
            const d = await run.gate(
              'accept-missing-phones',
              `${back.missingCount} phones are still not registered (${back.missing.slice(0, 20).join(', ')}). Approve to accept them as missing, retry to wait again, or abort.`,
              ['approve', 'retry', 'abort'],
            );
            if (d.decision === 'approve') {
              result.phones.acceptedMissing = back.missing;
              break;
            }
          }
          break;
        }
      }
    }
    run.setPhase('completed');
    return result;
  } catch (err) {
    run.setPhase('failed');
    throw err;
  }
}
