/**
 * Unified CCX trusts the cluster's tomcat (TN 214231, tomcat section, step 5): once the new tomcat (or tomcat-ECDSA)
 * is verified on CUCM, each UCCX node gets it in its tomcat-trust, restarts the services that read it, and shows
 * it there. The first UCCX step opens the before-uccx-trust gate (restarting Cisco Finesse Tomcat signs the agents
 * out of their desktops, so an engineer picks the moment); skip there leaves every UCCX upload as a manual action.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { PlanStep } from '../../domain/plan';
import type { UnitRunContext } from './context';
import { named, quick, slow } from './proxies';

type Step = Extract<PlanStep, { kind: 'uccx-trust' }>;

const failed = (problem: string) =>
  ApplicationFailure.nonRetryable(`Verification failed: ${problem}`, 'VerificationFailed');

/** The root and intermediates of the chains this run uploaded (CA-signed tomcat), each once. */
function caPemsOf(ctx: UnitRunContext): string[] {
  const pems = [...(ctx.ca?.chains.values() ?? [])].flatMap((c) => c.caPems);
  return pems.filter((p, i) => pems.indexOf(p) === i);
}

export async function uccxTrustStep(ctx: UnitRunContext, step: Step): Promise<boolean> {
  if ((await uccxDecision(ctx, step)) === 'skipped') {
    recordSkippedAtGate(ctx, step);
    return true;
  }
  const caPems = step.caSigned ? caPemsOf(ctx) : [];
  if (step.caSigned && caPems.length === 0) return true; // no chain was uploaded: nothing new for UCCX to trust

  await ctx.run.inWindow(`upload the new ${step.unit} to UCCX ${step.uccxNodeId}`);
  const uploaded = await uploadToUccx(ctx, step, caPems);
  if (!uploaded) return true;
  const serials = [...uploaded.imported, ...uploaded.present].map((c) => c.serial);
  const restartSkipped = await restartUccxServices(ctx, step);
  const verified = await verifyUccxTrust(ctx, step, serials);
  return restartSkipped || !verified;
}

/**
 * The before-uccx-trust gate, asked once for all the run's UCCX steps (at the first one): restarting Cisco Finesse
 * Tomcat signs the agents out, so an engineer picks the moment, or leaves the uploads to be done by hand.
 */
async function uccxDecision(ctx: UnitRunContext, step: Step): Promise<'approved' | 'skipped'> {
  if (ctx.uccxDecision === undefined) {
    const uccxSteps = ctx.steps.filter((s): s is Step => s.kind === 'uccx-trust');
    const decision = await ctx.run.gate(
      'before-uccx-trust',
      `Upload the new ${step.unit} ${step.caSigned ? 'CA chain' : `certificates of ${step.cucmNodeIds.join(', ')}`} into the tomcat-trust of Unified CCX ${uccxSteps.map((s) => s.uccxNodeId).join(', ')} and restart ${step.services.join(', ')} there (agents are signed out of Finesse while Cisco Finesse Tomcat restarts). Skip leaves it to be done by hand; Finesse desktop logins fail until it is.`,
      ['approve', 'skip', 'abort'],
    );
    ctx.uccxDecision = decision.decision === 'skip' ? 'skipped' : 'approved';
  }
  return ctx.uccxDecision;
}

function recordSkippedAtGate(ctx: UnitRunContext, step: Step): void {
  const { run } = ctx;
  run.state.steps.push({
    id: `step-${run.state.steps.length + 1}`,
    kind: 'uccx-trust',
    unit: step.unit,
    nodeId: step.uccxNodeId,
    description: `Upload the new ${step.unit} into UCCX ${step.uccxNodeId}'s tomcat-trust`,
    status: 'skipped',
    sent: { requests: [] },
    detail: 'skipped at the before-uccx-trust gate: to be done by hand',
  });
  run.publish();
}

const uccxRef = (ctx: UnitRunContext, step: Step) => ({
  clusterId: ctx.request.clusterId,
  uccxNodeId: step.uccxNodeId,
});

/**
 * The new certificates (self-signed: each CUCM node's new leaf; CA-signed: the root and intermediates) into UCCX's
 * tomcat-trust, recorded in the run's result. Undefined when an engineer skipped it at its step-failed gate.
 */
async function uploadToUccx(ctx: UnitRunContext, step: Step, caPems: string[]) {
  const uploaded = await ctx.run.attempt(
    {
      kind: 'uccx-trust',
      unit: step.unit,
      nodeId: step.uccxNodeId,
      description: `Upload the new ${step.unit} ${step.caSigned ? 'CA chain' : `of ${step.cucmNodeIds.join(', ')}`} into UCCX ${step.uccxNodeId}'s tomcat-trust`,
    },
    async () => {
      const r = await named(
        quick.uploadUccxTomcatTrust,
        `Upload the new ${step.unit} into UCCX ${step.uccxNodeId}'s tomcat-trust`,
        {
          ...uccxRef(ctx, step),
          unit: step.unit,
          cucmNodeIds: step.cucmNodeIds,
          ...(step.caSigned ? { caPems } : {}),
        },
      );
      // Self-signed: what UCCX now trusts must be the certificate this run put on each CUCM node.
      for (const cert of [...r.imported, ...r.present]) {
        const expected = ctx.newSerials.get(cert.from);
        if (!step.caSigned && expected && expected.toUpperCase() !== cert.serial)
          throw failed(`${cert.from} holds ${step.unit} serial ${cert.serial}, not ${expected} that this run made.`);
      }
      return r;
    },
    (r) => ({
      status: 'completed',
      detail: [
        r.imported.length ? `imported ${r.imported.map((c) => `${c.from} ${c.serial}`).join(', ')}` : '',
        r.present.length ? `already there ${r.present.map((c) => `${c.from} ${c.serial}`).join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    }),
  );
  if (uploaded)
    ctx.result.uccx = [
      ...(ctx.result.uccx ?? []),
      {
        uccxNodeId: step.uccxNodeId,
        certificates: [...uploaded.imported, ...uploaded.present].map(({ serial, sha256, from }) => ({
          serial,
          sha256,
          from,
        })),
      },
    ];
  return uploaded;
}

/** Each service that reads tomcat-trust on the UCCX node, in the window. True when one was skipped by an engineer. */
async function restartUccxServices(ctx: UnitRunContext, step: Step): Promise<boolean> {
  const { run } = ctx;
  let skipped = false;
  for (const service of step.services) {
    await run.inWindow(`restart ${service} on UCCX ${step.uccxNodeId}`);
    const restarted = await run.attempt(
      {
        kind: 'restart-service',
        nodeId: step.uccxNodeId,
        service,
        description: `Restart ${service} on UCCX ${step.uccxNodeId}`,
      },
      () =>
        named(slow.restartUccxServices, `Restart ${service} on UCCX ${step.uccxNodeId}`, {
          ...uccxRef(ctx, step),
          services: [service],
        }),
      (r) => ({
        status: 'completed',
        detail: r.restarted.length ? 'restarted' : `not restarted: ${r.notRestarted.join(', ')}`,
      }),
    );
    if (!restarted) skipped = true;
    else ctx.result.restarts.push({ nodeId: step.uccxNodeId, service, restarted: restarted.restarted.length > 0 });
  }
  return skipped;
}

/** UCCX's tomcat-trust holds every serial uploaded. False when an engineer skipped the check. */
async function verifyUccxTrust(ctx: UnitRunContext, step: Step, serials: string[]): Promise<boolean> {
  const verified = await ctx.run.attempt(
    {
      kind: 'verify',
      unit: step.unit,
      nodeId: step.uccxNodeId,
      description: `Verify UCCX ${step.uccxNodeId}'s tomcat-trust holds ${serials.join(', ')}`,
    },
    async () => {
      const v = await named(quick.verifyUccxTomcatTrust, `Verify UCCX ${step.uccxNodeId}'s tomcat-trust`, {
        ...uccxRef(ctx, step),
        serials,
      });
      if (!v.ok) throw failed(`UCCX ${step.uccxNodeId}'s tomcat-trust lacks ${v.missing.join(', ') || 'them'}.`);
      return v;
    },
    (v) => ({ status: 'completed', detail: v.found.map((f) => `${f.serial} in tomcat-trust/${f.file}`).join('; ') }),
  );
  return verified !== undefined;
}
