/** The CallManager groups for a redundancy-groups dry run, read by the worker (readCallManagerGroupsWorkflow). */
import { randomBytes } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { READ_CALLMANAGER_GROUPS_WORKFLOW, type ReadCallManagerGroupsWorkflow } from '../domain/contract/reads';
import { HttpProblem, isTemporalUnavailable } from './problem';
import { withDeadline, type ApiDeps } from './deps';
import type { CallManagerRedundancy } from '../domain/discovery';

export async function readRedundancy(deps: ApiDeps, clusterId: string): Promise<CallManagerRedundancy> {
  const workflowId = `read-cm-groups-${clusterId}-${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(2).toString('hex')}`;
  const handle = await withDeadline(deps, 10_000, () =>
    deps.temporal.workflow.start<ReadCallManagerGroupsWorkflow>(READ_CALLMANAGER_GROUPS_WORKFLOW, {
      workflowId,
      taskQueue: deps.taskQueue,
      args: [clusterId],
      workflowExecutionTimeout: '10 minutes',
      staticSummary: `Read the CallManager groups of ${clusterId} (read only)`,
    }),
  );
  try {
    return await handle.result();
  } catch (err) {
    if (isTemporalUnavailable(err) && !(err instanceof WorkflowFailedError)) throw err;
    let cause: unknown = err;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    throw new HttpProblem(
      502,
      'Bad Gateway',
      `Reading the CallManager groups of "${clusterId}" failed (workflow ${workflowId}): ${cause instanceof Error ? cause.message : String(cause)}`,
      { workflowId },
    );
  }
}
