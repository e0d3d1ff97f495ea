/**
 * Talking to a cluster's entity from outside a workflow (the API, the lease activity): Update-with-Start, so the
 * entity is started by whoever asks first, and the ClusterBusy refusal read back from the update's failure.
 */
import {
  WithStartWorkflowOperation,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowUpdateOptions,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import {
  clusterEntityId,
  CLUSTER_BUSY,
  CLUSTER_ENTITY_TYPE,
  type ClusterEntityInput,
  type LeaseHolder,
} from '../domain/contract/cluster-entity';
import { CLUSTER_ID } from '../domain/search-attributes';

/** Sends `update` to the cluster's entity, starting the entity first if it does not run yet. */
export function updateClusterEntity<Ret, Args extends [unknown]>(
  client: Client,
  target: { clusterId: string; taskQueue: string },
  update: UpdateDefinition<Ret, Args>,
  args: Args,
  options: Omit<WorkflowUpdateOptions, 'updateId'> & { updateId?: string } = {},
): Promise<Ret> {
  const input: ClusterEntityInput = { clusterId: target.clusterId };
  const startWorkflowOperation = new WithStartWorkflowOperation(CLUSTER_ENTITY_TYPE, {
    workflowId: clusterEntityId(target.clusterId, target.taskQueue),
    taskQueue: target.taskQueue,
    args: [input],
    // Everyone shares the running entity; the first to ask starts it.
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [{ key: CLUSTER_ID, value: target.clusterId }],
    staticSummary: `Cluster ${target.clusterId}: its lease (one run at a time) and its recent runs`,
  });
  return client.workflow.executeUpdateWithStart(update, { ...options, args, startWorkflowOperation });
}

/** The holder named by a ClusterBusy refusal, or undefined when `err` is something else. */
export function clusterBusyHolder(err: unknown): { holder?: LeaseHolder; message: string } | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== CLUSTER_BUSY) return undefined;
  return { holder: cause.details?.[0] as LeaseHolder | undefined, message: cause.message };
}

/** The failure type of a failed update (an ApplicationFailure thrown by the handler), if any. */
export function updateFailureType(err: unknown): string | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  return err.cause instanceof ApplicationFailure ? (err.cause.type ?? undefined) : undefined;
}
