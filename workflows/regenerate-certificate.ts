/**
 * regenerateCertificate: one certificate unit across a cluster, per Cisco TN 214231.
 *
 *   pre-flight (discovery over SSH, registration baseline) → the plan (pure rules, shared with the API's dry run;
 *   refusals stop the run before anything changes) → [gate before-start] → the plan's steps, each disruptive one
 *   inside the maintenance window: regenerate (publisher first) or, for a CA-signed unit, CSRs → [signed chains] →
 *   upload; CTL update; [gate before-restarts] restarts where Started; verification; [gate before-phone-reset]
 *   phone reset; wait for registration ([gate accept-missing-phones] if some stay away).
 *
 * A step whose activity exhausts its retries opens a step-failed gate (retry, skip where safe, abort) instead of
 * failing the run. However the run ends early (abort, reject, cancel, failure) its state lists the manual actions
 * still needed. State lives in one object answered by the `state` query; gates are decided by an update
 * (validated) or a signal (for the Web UI). Activities are idempotent (they carry the serial seen before), so a
 * retry after a crash never regenerates twice.
 */
import {
  ApplicationFailure,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities, RegistrationBaseline, SignedChainCheck } from '../activities';
import { windowProblem } from './maintenance-window';
import { manualActionsFor, type PlanStepProgress } from './manual-actions';
import {
  approveSignal,
  decideGateSignal,
  decideGateUpdate,
  rejectSignal,
  stateQuery,
  submitSignedChainUpdate,
  type SignedChainSubmission,
} from './messages';
import { buildPlan, checkPlanInvariants, planClusterOf, type PlanStep } from './plan';
import { ENDED_BY_ENGINEER, failureTypeOf, reasonOf, RunTracker } from './run-tracker';
import { CERT_UNITS, CLUSTER_ID } from './search-attributes';
import type { GateDecision, RegenerationRequest, RegenerationResult } from './types';
import type { CertificateUnit } from './units';

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

/** Why some steps may not be skipped at a step-failed gate. */
const NO_SKIP = {
  regenerate: 'the nodes would be left on different certificates; retry, or abort and finish by hand.',
  upload: 'the node would keep its old certificate while the others move on; retry, or abort.',
  ctl: 'in mixed mode the secure phones reject the new certificate until the CTL lists it.',
  registration: 'the next certificate must wait for the phones; decide at the accept-missing-phones gate instead.',
} as const;

/** Units whose certificates the ITL/CTL files carry (ITLRecovery as their signer from 12.0). */
const TRUST_FILE_UNITS: ReadonlySet<CertificateUnit> = new Set(['CallManager', 'TVS', 'CAPF', 'ITLRecovery']);

/** CSRs waiting for their signed chain, and the chains accepted so far, per node. */
interface CaRenewal {
  unit: CertificateUnit;
  csrs: Map<string, string>;
  chains: Map<string, Extract<SignedChainCheck, { ok: true }>>;
}

export async function regenerateCertificate(request: RegenerationRequest): Promise<RegenerationResult> {
  // State first, then handlers, so a query never sees an uninitialised run.
  const run = new RunTracker(request);
  let ca: CaRenewal | undefined;
  setHandler(stateQuery, () => run.state, {
    description:
      'Live state of the run: phase, plan, steps with their status and detail, pending gates, decisions, serials, missing phones, manual actions.',
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
        'Decide a pending gate from the Web UI: {"gateId", "decision": approve|reject|retry|skip|abort, "comment", "by"}.',
    },
  );
  // approve / reject: the simplest way to decide from the Temporal UI (Send a Signal, input {"approver", "comment"}).
  for (const [signal, decision] of [
    [approveSignal, 'approve'],
    [rejectSignal, 'reject'],
  ] as const)
    setHandler(
      signal,
      ({ gateId, approver, comment }) => {
        const pending = run.state.pendingGates;
        const id = gateId ?? (pending.length === 1 ? pending[0]?.id : undefined);
        try {
          if (!id) throw new Error(`name the gate: pending are ${pending.map((g) => g.id).join(', ') || 'none'}`);
          run.decide({ gateId: id, decision, by: approver, comment });
        } catch (err) {
          log.warn(`${decision} signal ignored`, { gateId: id, reason: reasonOf(err) });
        }
      },
      {
        description: `${decision === 'approve' ? 'Approve' : 'Reject'} the pending gate: {"approver", "comment"} (and "gateId" when several are pending). Ignored, with a log line, where the gate does not take it.`,
      },
    );
  setHandler(
    submitSignedChainUpdate,
    async ({ nodeId, chainPem, by }) => {
      const renewal = ca as CaRenewal; // the validator guarantees a pending CSR
      const csrPem = renewal.csrs.get(nodeId) as string;
      const check = await quick.validateSignedChain({ nodeId, unit: renewal.unit, csrPem, chainPem });
      if (!check.ok) throw ApplicationFailure.nonRetryable(check.problem, 'InvalidSignedChain');
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
        if (!ca || !run.state.pendingGates.some((g) => g.kind === 'signed-certificate'))
          throw new Error('No CSR is waiting for a signed certificate in this run.');
        if (!ca.csrs.has(nodeId))
          throw new Error(`No CSR is waiting for ${nodeId}; waiting for: ${[...ca.csrs.keys()].join(', ')}.`);
        if (ca.chains.has(nodeId)) throw new Error(`The signed chain for ${nodeId} was already accepted.`);
        if (typeof chainPem !== 'string' || !chainPem.includes('BEGIN CERTIFICATE'))
          throw new Error('chainPem must hold PEM certificates: the signed leaf, then its intermediate and root CAs.');
        if (/PRIVATE KEY/.test(chainPem))
          throw new Error(
            'The submission contains a private key: send certificates only (and treat that key as exposed).',
          );
      },
      description:
        'Submit the CA-signed chain for a pending CSR: {"nodeId", "chainPem": leaf + intermediates + root, PEM}. Checked against the CSR (same key, names the node, complete chain) before it is accepted.',
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
  // The API validates the window; a run started from the Temporal UI or CLI gets the same check here.
  const badWindow = request.maintenanceWindow ? windowProblem(request.maintenanceWindow) : undefined;
  if (badWindow) throw ApplicationFailure.nonRetryable(badWindow, 'InvalidRequest');
  const approvals = new Set(request.approvals ?? ['before-start']);
  const ref = (nodeId: string) => ({ clusterId: request.clusterId, nodeId });
  let steps: PlanStep[] = [];
  const progress: PlanStepProgress[] = [];
  let uploadedAny = false;

  try {
    // Pre-flight at the start of the window, so the plan is built from a fresh discovery; every disruptive step
    // checks the window again (an approval can take longer than the window lasts).
    await run.inWindow('pre-flight');
    run.setPhase('running');
    // Pre-flight: every node reachable and discovered; the plan must hold before anything changes.
    const discovery = await run.attempt(
      {
        kind: 'preflight',
        description: `Discover cluster ${request.clusterId} (version, security mode, ITL signer, services, certificates)`,
      },
      () => quick.discoverCluster(request.clusterId),
      (d) => ({
        status: 'completed',
        detail: `CUCM ${d.version}, ${d.securityMode === 1 ? 'mixed mode' : 'non-secure'}, ITL signed by ${d.itlSigner}; ${d.nodes.map((n) => `${n.id} (${n.role})`).join(', ')}`,
      }),
      'the plan needs the discovery.',
    );
    if (!discovery) throw new Error('unreachable: pre-flight cannot be skipped');
    // A failed pre-flight ends the run with its reasons: nothing has changed, so there is nothing to recover.
    await run.step(
      {
        kind: 'preflight',
        description: 'Pre-flight: database replication healthy (utils dbreplication runtimestate), every node on HTTPS',
      },
      () => quick.preflightChecks({ clusterId: request.clusterId, nodeIds: discovery.nodes.map((n) => n.id) }),
      (r) => ({ status: 'completed', detail: r.checks.join('; ') }),
    );
    const planCluster = planClusterOf(discovery);
    const planRequest = { units: [unit], phoneReset: request.phoneReset };
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
    steps = plan.units.flatMap((u) => u.steps);
    let baseline: RegistrationBaseline | undefined;
    if (steps.some((s) => s.kind === 'await-registration')) {
      baseline = await run.attempt(
        { kind: 'preflight', description: 'Take the phone registration baseline (RisPort70)' },
        () => phones.registrationSnapshot({ clusterId: request.clusterId }),
        (b) => ({ status: 'completed', detail: `${b.registered} of ${b.total} phones registered` }),
        'the wait for the phones needs the baseline.',
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
    for (const [index, step] of steps.entries()) {
      progress[index] = 'interrupted';
      let skipped = false;
      switch (step.kind) {
        case 'regenerate': {
          await run.inWindow(`regenerate ${step.unit} on ${step.nodeId}`);
          const outcome = await run.attempt(
            {
              kind: 'regenerate',
              unit: step.unit,
              nodeId: step.nodeId,
              description: `Regenerate ${step.unit} on ${step.nodeId}`,
            },
            async () => {
              const before = await quick.readCertificate({ ...ref(step.nodeId), unit: step.unit });
              return slow.regenerateCertificate({ ...ref(step.nodeId), unit: step.unit, serialBefore: before.serial });
            },
            (o) => ({
              status: 'completed',
              detail: `serial ${o.serialBefore} -> ${o.serialAfter}${o.regeneratedNow ? '' : ' (already regenerated by an earlier attempt)'}`,
            }),
            NO_SKIP.regenerate,
          );
          if (!outcome) break;
          newSerials.set(step.nodeId, outcome.serialAfter);
          result.nodes.push({ nodeId: step.nodeId, ...outcome });
          run.state.certificates.push({ nodeId: step.nodeId, ...outcome });
          break;
        }
        case 'ca-signed-renewal': {
          ca = { unit: step.unit, csrs: new Map(), chains: new Map() };
          const renewal = ca;
          for (const nodeId of step.nodeIds) {
            const csr = await run.attempt(
              { kind: 'csr', unit: step.unit, nodeId, description: `Generate a CSR for ${step.unit} on ${nodeId}` },
              () => quick.generateCsr({ ...ref(nodeId), unit: step.unit, altNames: [nodeId] }),
              () => ({ status: 'completed', detail: 'the CSR is in the run state (csrs)' }),
              NO_SKIP.upload,
            );
            if (!csr) throw new Error('unreachable: a CSR cannot be skipped');
            renewal.csrs.set(nodeId, csr.csrPem);
            run.state.csrs = [...(run.state.csrs ?? []), { nodeId, unit: step.unit, csrPem: csr.csrPem }];
          }
          await run.waitAtGate(
            {
              id: `signed-certificate-${index + 1}`,
              kind: 'signed-certificate',
              description: `${step.unit} is CA-signed: have the CSRs of ${step.nodeIds.join(', ')} (in the run state, csrs) signed by your CA, then submit each chain (leaf, intermediates, root) with the submitSignedChain update or POST .../chains. Abort stops the run; nothing was changed but the CSRs.`,
              allowed: ['abort'],
            },
            () => step.nodeIds.every((n) => renewal.chains.has(n)),
          );
          for (const nodeId of step.nodeIds) {
            const chain = renewal.chains.get(nodeId);
            if (!chain) continue;
            await run.inWindow(`upload the signed ${step.unit} to ${nodeId}`);
            const before = await quick.readCertificate({ ...ref(nodeId), unit: step.unit });
            const uploaded = await run.attempt(
              {
                kind: 'upload-certificate',
                unit: step.unit,
                nodeId,
                description: `Upload the CA chain as ${step.unit}-trust, then the signed ${step.unit}, on ${nodeId}`,
              },
              () =>
                slow.uploadCertificateChain({
                  ...ref(nodeId),
                  unit: step.unit,
                  leafPem: chain.leafPem,
                  caPems: chain.caPems,
                }),
              (u) => ({
                status: 'completed',
                detail: `serial ${before.serial} -> ${u.serial}, issued by ${chain.issuer}`,
              }),
              NO_SKIP.upload,
            );
            if (!uploaded) continue;
            const outcome = { serialBefore: before.serial, serialAfter: uploaded.serial, regeneratedNow: true };
            uploadedAny = true;
            newSerials.set(nodeId, uploaded.serial);
            result.nodes.push({ nodeId, ...outcome });
            run.state.certificates.push({ nodeId, ...outcome });
          }
          break;
        }
        case 'update-ctl': {
          await run.inWindow('update the CTL');
          const ctl = await run.attempt(
            { kind: 'update-ctl', nodeId: step.nodeId, description: `utils ctl update CTLFile on ${step.nodeId}` },
            () => slow.updateCtlFile({ clusterId: request.clusterId }),
            (o) => ({ status: o.updated ? 'completed' : 'skipped', detail: o.reason }),
            discovery.securityMode === 1 ? NO_SKIP.ctl : undefined,
          );
          if (ctl) result.ctlUpdated = ctl.updated;
          else skipped = true;
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
          await run.inWindow(`restart ${step.service} on ${step.nodeId}`);
          const outcome = await run.attempt(
            {
              kind: 'restart-service',
              nodeId: step.nodeId,
              service: step.service,
              description: `Restart ${step.service} on ${step.nodeId}`,
            },
            () => slow.restartService({ ...ref(step.nodeId), service: step.service }),
            (o) => (o.restarted ? { status: 'completed' } : { status: 'skipped', detail: o.reason }),
          );
          if (outcome) result.restarts.push({ nodeId: step.nodeId, service: step.service, ...outcome });
          else skipped = true;
          break;
        }
        case 'verify-certificate':
          for (const nodeId of step.nodeIds) {
            const expected = newSerials.get(nodeId) ?? newSerials.get(discovery.nodes[0]?.id ?? '');
            if (!expected) continue;
            const verified = await run.attempt(
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
            if (!verified) skipped = true;
          }
          // Units the ITL (and in mixed mode the CTL) carry: the files every TFTP node serves must list the new ones.
          if (TRUST_FILE_UNITS.has(step.unit) && newSerials.size > 0)
            for (const node of discovery.nodes.filter((n) =>
              n.services.some((sv) => sv.name === 'Cisco Tftp' && sv.state === 'STARTED'),
            )) {
              const files = await run.attempt(
                {
                  kind: 'verify',
                  unit: step.unit,
                  nodeId: node.id,
                  description: `Verify the ITL${discovery.securityMode === 1 ? ' and CTL' : ''} served by ${node.id} list the new ${step.unit}`,
                },
                async () => {
                  const v = await quick.verifyTrustFiles({
                    ...ref(node.id),
                    unit: step.unit,
                    newSerials: [...newSerials.values()],
                    checkCtl: discovery.securityMode === 1,
                  });
                  if (!v.ok)
                    throw ApplicationFailure.nonRetryable(
                      `Verification failed: ${v.problems.join('; ')}`,
                      'VerificationFailed',
                    );
                  return v;
                },
                (v) => ({ status: 'completed', detail: v.checked.join('; ') || 'no record of this unit' }),
              );
              if (!files) skipped = true;
            }
          break;
        case 'verify-ipsec-trust': {
          const serial = newSerials.get(step.publisherId);
          if (!serial) break;
          for (const sub of step.subscriberIds) {
            const verified = await run.attempt(
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
                return true;
              },
              () => ({ status: 'completed', detail: `serial ${serial} present` }),
            );
            if (!verified) skipped = true;
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
            if (d.decision === 'skip') {
              skipped = true;
              break;
            }
          }
          await run.inWindow('reset the phones');
          const reset = await run.attempt(
            { kind: 'reset-phones', description: `Reset phones (${step.mode}) through AXL, in throttled batches` },
            () =>
              phones.resetPhones({
                clusterId: request.clusterId,
                ...(step.mode === 'secure-only' ? { selection: { secureOnly: true } } : {}),
              }),
            (r) => ({
              status: 'completed',
              detail: `${r.reset + r.skippedAlreadyReset} of ${r.total} phones reset${r.resumedFrom !== undefined ? ` (resumed from ${r.resumedFrom})` : ''}`,
            }),
          );
          if (!reset) skipped = true;
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
          const known = baseline;
          for (;;) {
            const deadline = new Date(Date.now() + (request.registrationDeadlineMinutes ?? 30) * 60_000).toISOString();
            const back = await run.attempt(
              {
                kind: 'await-registration',
                description: `Wait until ${known.registered} phones are registered again (deadline ${deadline})`,
              },
              () =>
                phones.awaitRegistration({
                  clusterId: request.clusterId,
                  baseline: known,
                  deadline,
                  pollIntervalMs: (request.registrationPollSeconds ?? 10) * 1000,
                }),
              (r) => ({
                status: r.allBack ? 'completed' : 'failed',
                detail: r.allBack
                  ? `${r.registered} registered`
                  : `${r.missingCount} missing: ${r.missing.slice(0, 20).join(', ')}`,
              }),
              NO_SKIP.registration,
            );
            if (!back) throw new Error('unreachable: the registration wait cannot be skipped');
            result.phones = { allBack: back.allBack, registered: back.registered, missingCount: back.missingCount };
            run.state.missingPhones = { count: back.missingCount, sample: back.missing.slice(0, 50) };
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
      progress[index] = skipped ? 'skipped' : 'done';
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
    return result;
  } catch (err) {
    run.state.manualActions = manualActionsFor({
      unit,
      steps,
      // A CA renewal stopped before its first upload changed nothing but the CSRs: report it as not run.
      progress: steps.map((step, i) =>
        step.kind === 'ca-signed-renewal' && progress[i] === 'interrupted' && !uploadedAny
          ? 'not-run'
          : (progress[i] ?? 'not-run'),
      ),
      missingPhones: run.state.missingPhones,
    });
    if (isCancellation(err)) {
      run.setPhase('cancelled');
      throw err;
    }
    const type = failureTypeOf(err);
    run.setPhase(type && ENDED_BY_ENGINEER.includes(type) ? 'aborted' : 'failed');
    const message = reasonOf(err);
    throw ApplicationFailure.create({
      message: `${message} ${run.state.manualActions.length === 1 && /^Nothing was changed/.test(run.state.manualActions[0] ?? '') ? (run.state.manualActions[0] ?? '') : `Still to do by hand: ${run.state.manualActions.join(' | ')}`}`,
      type: type ?? 'RunFailed',
      nonRetryable: true,
      details: [{ manualActions: run.state.manualActions, phase: run.state.phase }],
      cause: err instanceof Error ? err : undefined,
    });
  }
}
