/**
 * readCallManagerGroupsWorkflow: the cluster's CallManager groups and device pools (AXL, read only), for the API's
 * dry run of a redundancy-groups plan. As for discovery, the API never talks to the cluster itself.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DISCOVERY_NON_RETRYABLE } from './discover';
import type { ReadCallManagerGroupsWorkflow } from '../domain/contract/reads';
import { withSentOf } from './run/evidence';

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

// Typed by its contract: the API starts it by name (domain/contract/reads.ts).
export const readCallManagerGroupsWorkflow: ReadCallManagerGroupsWorkflow = async (clusterId) =>
  withSentOf(readCallManagerGroups({ clusterId }));
