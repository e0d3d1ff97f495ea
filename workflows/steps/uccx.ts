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
  const { run } = ctx;
  const uccxSteps = ctx.steps.filter((s): s is Step => s.kind === 'uccx-trust');
  if (ctx.uccxDecision === undefined) {
    const decision = await run.gate(
      'before-uccx-trust',
      `Upload the new ${step.unit} ${step.caSigned ? 'CA chain' : `certificates of ${step.cucmNodeIds.join(', ')}`} into the tomcat-trust of Unified CCX ${uccxSteps.map((s) => s.uccxNodeId).join(', ')} and restart ${step.services.join(', ')} there (agents are signed out of Finesse while Cisco Finesse Tomcat restarts). Skip leaves it to be done by hand; Finesse desktop logins fail until it is.`,
      ['approve', 'skip', 'abort'],
    );
    ctx.uccxDecision = decision.decision === 'skip' ? 'skipped' : 'approved';
  }
  if (ctx.uccxDecision === 'skipped') {
    run.state.steps.push({
      id: `step-${run.state.steps.length + 1}`,
      kind: 'uccx-trust',
      unit: step.unit,
      nodeId: step.uccxNodeId,
      description: `Upload the new ${step.unit} into UCCX ${step.uccxNodeId}'s tomcat-trust`,
      status: 'skipped',
      detail: 'skipped at the before-uccx-trust gate: to be done by hand',
    });
    run.publish();
    return true;
  }
  const ref = { clusterId: ctx.request.clusterId, uccxNodeId: step.uccxNodeId };
  const caPems = step.caSigned ? caPemsOf(ctx) : [];
  if (step.caSigned && caPems.length === 0) return true; // no chain was uploaded: nothing new for UCCX to trust
  let skipped = false;

  await run.inWindow(`upload the new ${step.unit} to UCCX ${step.uccxNodeId}`);
  const uploaded = await run.attempt(
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
        { ...ref, unit: step.unit, cucmNodeIds: step.cucmNodeIds, ...(step.caSigned ? { caPems } : {}) },
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
  if (!uploaded) return true;
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
          ...ref,
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

  const serials = [...uploaded.imported, ...uploaded.present].map((c) => c.serial);
  const verified = await run.attempt(
    {
      kind: 'verify',
      unit: step.unit,
      nodeId: step.uccxNodeId,
      description: `Verify UCCX ${step.uccxNodeId}'s tomcat-trust holds ${serials.join(', ')}`,
    },
    async () => {
      const v = await named(quick.verifyUccxTomcatTrust, `Verify UCCX ${step.uccxNodeId}'s tomcat-trust`, {
        ...ref,
        serials,
      });
      if (!v.ok) throw failed(`UCCX ${step.uccxNodeId}'s tomcat-trust lacks ${v.missing.join(', ') || 'them'}.`);
      return v;
    },
    (v) => ({ status: 'completed', detail: v.found.map((f) => `${f.serial} in tomcat-trust/${f.file}`).join('; ') }),
  );
  if (!verified) skipped = true;
  return skipped;
}
