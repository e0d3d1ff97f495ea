/** The CTL update (mixed mode) and the service restarts, behind the optional before-restarts gate. */
import type { PlanStep } from '../../domain/plan';
import type { RunTracker } from '../run-tracker';
import { nodeRef, type UnitRunContext } from './context';
import { named, NO_SKIP, slow } from './proxies';

type Step<K extends PlanStep['kind']> = Extract<PlanStep, { kind: K }>;

export async function updateCtlStep(ctx: UnitRunContext, step: Step<'update-ctl'>): Promise<boolean> {
  await ctx.run.inWindow('update the CTL');
  const ctl = await ctx.run.attempt(
    { kind: 'update-ctl', nodeId: step.nodeId, description: `utils ctl update CTLFile on ${step.nodeId}` },
    () =>
      named(slow.updateCtlFile, `Update the CTL file (utils ctl update CTLFile) on ${step.nodeId}`, {
        clusterId: ctx.request.clusterId,
      }),
    (o) => ({ status: o.updated ? 'completed' : 'skipped', detail: o.reason }),
    ctx.discovery.securityMode === 1 ? NO_SKIP.ctl : undefined,
  );
  if (!ctl) return true;
  ctx.result.ctlUpdated = ctl.updated;
  return false;
}

/** The optional before-restarts gate, once per unit run, before its first restart. */
export async function approveRestarts(ctx: UnitRunContext): Promise<void> {
  if (ctx.restartsApproved) return;
  const restarts = ctx.steps.reduce(
    (n, s) => n + (s.kind === 'restart-service' ? 1 : s.kind === 'restart-batch' ? s.nodeIds.length : 0),
    0,
  );
  await ctx.run.gate(
    'before-restarts',
    `Restart the services for ${ctx.unit} (${restarts} restarts, publisher first). Services drop calls and registrations while they restart.`,
  );
  ctx.restartsApproved = true;
}

export async function restartStep(ctx: UnitRunContext, step: Step<'restart-service'>): Promise<boolean> {
  const { run } = ctx;
  await approveRestarts(ctx);
  const outcome = await restartInWindow(run, nodeRef(ctx, step.nodeId), step.service);
  if (!outcome) return true;
  ctx.result.restarts.push({ nodeId: step.nodeId, service: step.service, ...outcome });
  return false;
}

/**
 * One service restart as a step of a run: inside the maintenance window, with the step-failed recovery, skipped
 * (not failed) where the service is not Started. Undefined when an engineer skipped it at its step-failed gate.
 */
export async function restartInWindow(run: RunTracker, ref: { clusterId: string; nodeId: string }, service: string) {
  await run.inWindow(`restart ${service} on ${ref.nodeId}`);
  return run.attempt(
    { kind: 'restart-service', nodeId: ref.nodeId, service, description: `Restart ${service} on ${ref.nodeId}` },
    // scheduledAt (workflow time): what a retry after a worker crash compares the service's uptime with.
    () =>
      named(slow.restartService, `Restart ${service} on ${ref.nodeId}`, {
        ...ref,
        service,
        scheduledAt: new Date().toISOString(),
      }),
    (o) => (o.restarted ? { status: 'completed' } : { status: 'skipped', detail: o.reason }),
  );
}
