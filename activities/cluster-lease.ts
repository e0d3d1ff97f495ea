/**
 * The cluster entity's activities (workflows/cluster-entity.ts, workflows/cluster-lease.ts). They talk to Temporal
 * itself, with the worker's own client (activity context), never to a CUCM node.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { clusterBusyHolder, updateClusterEntity } from '../clients/cluster-entity';
import { acquireLeaseUpdate, type LeaseAnswer, type LeaseRequest } from '../domain/contract/cluster-entity';

export function clusterLeaseActivities() {
  return {
    /** A directly started run asks its cluster's entity for the lease (the entity is started if need be). */
    async acquireClusterLease(request: LeaseRequest): Promise<LeaseAnswer> {
      const { client, info } = Context.current();
      try {
        return await updateClusterEntity(
          client,
          { clusterId: request.clusterId, taskQueue: info.taskQueue },
          acquireLeaseUpdate,
          [request],
        );
      } catch (err) {
        const busy = clusterBusyHolder(err);
        if (busy) return { granted: false, holder: busy.holder };
        throw err;
      }
    },

    /**
     * Waits until a run has ended, however it ends (terminated and timed out included), and says how. A long-poll
     * on the run's close event (what the client's result() does), checked with describe, heartbeating meanwhile.
     */
    async awaitRunClosed(run: { workflowId: string; runId: string }): Promise<{ status: string }> {
      const ctx = Context.current();
      const handle = ctx.client.workflow.getHandle(run.workflowId, run.runId, { followRuns: false });
      const beat = setInterval(() => ctx.heartbeat(), 10_000);
      try {
        for (;;) {
          ctx.heartbeat();
          let status: string;
          try {
            status = (await handle.describe()).status.name;
          } catch (err) {
            // Gone from Temporal (its retention passed): it has long ended.
            if (err instanceof WorkflowNotFoundError) return { status: 'UNKNOWN' };
            throw err;
          }
          if (status !== 'RUNNING') return { status };
          // result() settles when the run closes (or the connection fails: describe again either way).
          await Promise.race([handle.result().catch(() => undefined), ctx.cancelled]);
        }
      } finally {
        clearInterval(beat);
      }
    },
  };
}
