/**
 * A restart-batch step (restartStrategy redundancy-groups): one service restarted on the batch's nodes at once, then,
 * after a CallManager batch, the wait until the registration baseline is back before the next batch starts.
 */
import type { PlanStep } from '../../domain/plan';
import { nodeRef, type UnitRunContext } from './context';
import { awaitRegistrationStep } from './phones';
import { withSentOf } from '../run/evidence';
import { slow } from './proxies';
import { approveRestarts } from './services';

type Step<K extends PlanStep['kind']> = Extract<PlanStep, { kind: K }>;

export async function restartBatchStep(ctx: UnitRunContext, step: Step<'restart-batch'>): Promise<boolean> {
  const { run } = ctx;
  await approveRestarts(ctx);
  const where = step.nodeIds.join(', ');
  await run.inWindow(`restart ${step.service} on ${where}`);
  // Kept across a retry from the step-failed gate: a node already restarted in this batch is not restarted again.
  const done = new Map<string, { restarted: boolean; reason?: string }>();
  const outcome = await run.attempt(
    {
      kind: 'restart-service',
      service: step.service,
      description: `Restart ${step.service} on ${where} together (batch ${step.batch} of ${step.batches})`,
    },
    async () => {
      await Promise.all(
        step.nodeIds
          .filter((nodeId) => !done.has(nodeId))
          .map(async (nodeId) => {
            done.set(
              nodeId,
              await withSentOf(
                slow.restartService({
                  ...nodeRef(ctx, nodeId),
                  service: step.service,
                  // Workflow time: what a retry after a worker crash compares the service's uptime with.
                  scheduledAt: new Date().toISOString(),
                }),
              ),
            );
          }),
      );
      return step.nodeIds.map((nodeId) => ({ nodeId, ...(done.get(nodeId) ?? { restarted: false }) }));
    },
    (outcomes) => {
      const notRestarted = outcomes.filter((o) => !o.restarted);
      return {
        status: notRestarted.length === outcomes.length ? 'skipped' : 'completed',
        ...(notRestarted.length > 0 ? { detail: notRestarted.map((o) => o.reason ?? o.nodeId).join('; ') } : {}),
      };
    },
  );
  if (!outcome) return true;
  for (const o of outcome) ctx.result.restarts.push({ service: step.service, ...o });
  // The phones of the batch's nodes are on their backups (or on their way back): the next batch only once the
  // baseline is registered again on its own primaries (a phone left on a backup would drop a second time when the
  // backup restarts next), or an engineer accepted the ones still missing.
  if (step.awaitPhones) await awaitRegistrationStep(ctx, undefined, ctx.redundancy);
  return false;
}
