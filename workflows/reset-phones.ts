/**
 * bulkResetPhones: reset every phone of a cluster (or a list) through AXL, in throttled batches, as one
 * heartbeating activity whose cursor survives a worker crash: the retry resumes where the last one stopped and
 * resets no phone twice. The procedure workflows reset phones the same way; this workflow exposes it on its own
 * (an engineer's "reset all phones" after a manual change).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { named } from './steps/proxies';
import type { Duration } from '@temporalio/common';
import type { ResetPhonesResult } from '../domain/phones';

interface BulkResetRequest {
  clusterId: string;
  names?: string[];
  batchSize?: number;
  /** How fast a dead worker is noticed; the retry then resumes from the last heartbeat. */
  heartbeatTimeout?: Duration;
}

export async function bulkResetPhones(request: BulkResetRequest): Promise<ResetPhonesResult> {
  const { resetPhones } = proxyActivities<Activities>({
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: request.heartbeatTimeout ?? '1 minute',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
  });
  return named(
    resetPhones,
    `Reset ${request.names ? `${request.names.length} named` : 'all'} phones of ${request.clusterId}`,
    {
      clusterId: request.clusterId,
      selection: request.names ? { names: request.names } : undefined,
      batchSize: request.batchSize,
    },
  );
}
