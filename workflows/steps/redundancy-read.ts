/**
 * restartStrategy redundancy-groups: the CallManager groups and device pools, read over AXL before the plan (the
 * plan batches the restarts by them). A serial run reads nothing and records no marker, so its commands are those
 * of every run before this option (the patch guards histories of runs started while it was being rolled out).
 */
import type { PlanRedundancy } from '../../domain/plan';
import type { RunTracker } from '../run-tracker';
import type { RegenerationRequest } from '../../domain/types';
import { withSentOf } from '../run/evidence';
import { NO_SKIP, quick } from './proxies';

export async function readRedundancy(
  run: RunTracker,
  request: RegenerationRequest,
): Promise<PlanRedundancy | undefined> {
  if (request.restartStrategy !== 'redundancy-groups') return undefined;
  return run.attempt(
    {
      kind: 'preflight',
      description: `Read the CallManager groups and device pools of ${request.clusterId} (AXL), to restart in redundancy-safe batches`,
    },
    () => withSentOf(quick.readCallManagerGroups({ clusterId: request.clusterId })),
    (r) => ({
      status: 'completed',
      detail: `${r.groups.map((g) => `${g.name}: ${g.members.join(' > ')}${g.unmatched ? ` (not in this cluster: ${g.unmatched.join(', ')})` : ''}`).join('; ') || 'no CallManager group'}; ${r.devicePools.length} device pools`,
    }),
    NO_SKIP.redundancy,
  );
}
