/**
 * readCallManagerGroupsWorkflow: the cluster's CallManager groups and device pools (AXL, read only), for the API's
 * dry run of a redundancy-groups plan. As for discovery, the API never talks to the cluster itself.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities, CallManagerRedundancy } from '../activities';
import { DISCOVERY_NON_RETRYABLE } from './discover';

const { readCallManagerGroups } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    // Someone is waiting on an HTTP answer.
    maximumAttempts: 4,
    nonRetryableErrorTypes: [...DISCOVERY_NON_RETRYABLE, 'HttpError.auth'],
  },
});

export async function readCallManagerGroupsWorkflow(clusterId: string): Promise<CallManagerRedundancy> {
  return readCallManagerGroups({ clusterId });
}
