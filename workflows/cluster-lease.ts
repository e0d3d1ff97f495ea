/**
 * How a cluster-changing run holds its cluster's lease before it changes anything (the entity:
 * workflows/cluster-entity.ts).
 *
 * - A run with a parent holds it already: the parent is either the cluster's entity, which granted the lease before
 *   it started the run (the API's way), or a rotation, which holds it for its unit runs.
 * - A run started directly (Temporal UI "Start Workflow Like This One", the CLI, a script) asks the entity with the
 *   acquireClusterLease activity (Update-with-Start: the entity is started if it does not run yet). While another
 *   run holds the cluster the run ends at once with a ClusterBusy failure naming the holder, having changed nothing:
 *   it does not queue, so no change starts unattended hours later when the other run ends.
 */
import { ApplicationFailure, proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { busyMessage, clusterEntityId, CLUSTER_BUSY, type ClusterRunType } from '../domain/contract/cluster-entity';
import type { CertificateUnit } from '../domain/units';

const LEASE_OPTIONS = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 10 },
} as const;
const { acquireClusterLease } = proxyActivities<Activities>(LEASE_OPTIONS);

export async function holdClusterLease(run: {
  clusterId: string;
  type: ClusterRunType;
  units: CertificateUnit[];
  requestedBy?: string;
}): Promise<void> {
  const info = workflowInfo();
  if (info.parent) return;
  const entityId = clusterEntityId(run.clusterId, info.taskQueue);
  setCurrentDetails(
    `**${run.units.join(', ') || run.type} on ${run.clusterId}**: asking ${entityId} for the cluster's lease`,
  );
  const answer = await acquireClusterLease.executeWithOptions(
    {
      ...LEASE_OPTIONS,
      summary: `Ask ${entityId} for the lease of cluster ${run.clusterId}`,
    },
    [{ ...run, workflowId: info.workflowId, runId: info.runId }],
  );
  if (!answer.granted) {
    const message = `${answer.holder ? busyMessage(run.clusterId, answer.holder) : `Cluster "${run.clusterId}" is held by another run.`} Nothing was changed: start this run again once that one has ended.`;
    setCurrentDetails(`**${run.units.join(', ') || run.type} on ${run.clusterId}**: refused\n\n${message}`);
    throw ApplicationFailure.create({ message, type: CLUSTER_BUSY, nonRetryable: true, details: [answer.holder] });
  }
}
