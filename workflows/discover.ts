/**
 * discoverClusterWorkflow: reads a cluster (version, security mode, ITL signer, services and certificates per node)
 * through the worker's `discoverCluster` activity. The API never opens SSH itself: it runs this small workflow and
 * awaits the result, so credentials stay with the worker and every read is in Temporal's history.
 */
import { proxyActivities } from '@temporalio/workflow';
import { named } from './steps/proxies';
import type { Activities } from '../activities';
import type { DiscoverClusterWorkflow } from '../domain/contract/reads';

/** Failures no retry can fix: wrong credentials, a changed host key, a cluster or secret the worker does not know. */
export const DISCOVERY_NON_RETRYABLE = [
  'CliError.auth',
  'CliError.host-key-mismatch',
  'CliError.not-allowed',
  'CliError.invalid-command',
  'UnknownCluster',
  'SecretResolutionError',
];

const { discoverCluster } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // discoverCluster heartbeats every 5 s: a crashed worker is noticed long before the start-to-close timeout.
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    // Someone is waiting on an HTTP answer: a node that stays unreachable fails the discovery within a few minutes.
    maximumAttempts: 4,
    nonRetryableErrorTypes: DISCOVERY_NON_RETRYABLE,
  },
});

// Typed by its contract: the API starts it by name (domain/contract/reads.ts).
export const discoverClusterWorkflow: DiscoverClusterWorkflow = async (clusterId) =>
  named(discoverCluster, `Discover cluster ${clusterId} over SSH`, clusterId);
