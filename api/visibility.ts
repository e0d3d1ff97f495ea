/**
 * Temporal visibility as the API uses it: which workflow types are "regeneration runs", their status in the API's
 * words, list queries, paging tokens, and the per-status counts behind /metrics.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from '../domain/search-attributes';
import { withDeadline, type ApiDeps } from './deps';
import { HttpProblem } from './problem';

/** The workflow types that are regeneration runs (children of a rotation included); discovery runs are not. */
export const RUN_WORKFLOW_TYPES = ['regenerateCertificate', 'rotateCluster', 'recoverTrust'] as const;
const RUN_TYPES_CLAUSE = `WorkflowType IN (${RUN_WORKFLOW_TYPES.map((t) => `'${t}'`).join(', ')})`;

export type RunStatus = 'running' | 'awaiting-approval' | 'completed' | 'failed' | 'cancelled' | 'aborted';
/** Statuses a caller may filter on (awaiting approval has its own filter). */
export const FILTER_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'aborted'] as const;
type FilterStatus = (typeof FILTER_STATUSES)[number];

/**
 * ExecutionStatus values of visibility queries, per API status. A run an engineer ended (reject or abort at a gate)
 * fails with CucmRunPhase = 'aborted': it is "aborted", not "failed", like a terminated one (STATUS_CLAUSES).
 */
const EXECUTION_STATUSES: Record<FilterStatus, string[]> = {
  running: ['Running'],
  completed: ['Completed'],
  failed: ['Failed', 'TimedOut'],
  cancelled: ['Canceled'],
  aborted: ['Terminated'],
};

const ABORTED_FAILURE = `ExecutionStatus = 'Failed' AND ${RUN_PHASE.name} = 'aborted'`;

/** The visibility clause of each API status. */
const STATUS_CLAUSES: Record<FilterStatus, string> = {
  running: `ExecutionStatus = 'Running'`,
  completed: `ExecutionStatus = 'Completed'`,
  failed: `ExecutionStatus IN ('Failed', 'TimedOut') AND (${RUN_PHASE.name} IS NULL OR ${RUN_PHASE.name} != 'aborted')`,
  cancelled: `ExecutionStatus = 'Canceled'`,
  aborted: `(ExecutionStatus = 'Terminated' OR (${ABORTED_FAILURE}))`,
};

/**
 * Temporal's execution status in the words of the API (and of a UC engineer). `phase` is the run's own (its state,
 * or the CucmRunPhase search attribute): a failed run whose phase is 'aborted' was ended by an engineer.
 */
export function statusFromTemporal(name: string, phase?: string): RunStatus {
  switch (name) {
    case 'COMPLETED':
    case 'Completed':
      return 'completed';
    case 'FAILED':
    case 'Failed':
      return phase === 'aborted' ? 'aborted' : 'failed';
    case 'TIMED_OUT':
    case 'TimedOut':
      return 'failed';
    case 'CANCELLED':
    case 'Canceled':
      return 'cancelled';
    case 'TERMINATED':
    case 'Terminated':
      return 'aborted';
    default:
      return phase === 'awaiting-approval' ? 'awaiting-approval' : 'running';
  }
}

/** Values are schema-validated before they get here; quotes are refused anyway, so nothing can end a literal. */
function literal(value: string): string {
  if (/['"\\]/.test(value)) throw new HttpProblem(400, 'Bad Request', `Invalid character in "${value}".`);
  return `'${value}'`;
}

interface RunFilters {
  clusterId?: string;
  status?: FilterStatus;
  awaitingApproval?: boolean;
}

export function runsQuery(filters: RunFilters): string {
  const parts = [RUN_TYPES_CLAUSE];
  if (filters.clusterId) parts.push(`${CLUSTER_ID.name} = ${literal(filters.clusterId)}`);
  if (filters.status) parts.push(STATUS_CLAUSES[filters.status]);
  if (filters.awaitingApproval === true)
    parts.push(`ExecutionStatus = 'Running' AND ${RUN_PHASE.name} = 'awaiting-approval'`);
  if (filters.awaitingApproval === false)
    parts.push(`(${RUN_PHASE.name} IS NULL OR ${RUN_PHASE.name} != 'awaiting-approval')`);
  return parts.join(' AND ');
}

interface RunListItem {
  id: string;
  type: string;
  clusterId?: string;
  units: string[];
  status: RunStatus;
  phase?: string;
  startedAt: string;
  closedAt?: string;
  /** Set for a unit run of a rotation: the rotation's id. */
  parentId?: string;
  location: string;
}

/**
 * Paging tokens, self-contained so that any API process answers them, before or after a restart: Temporal's own
 * token and a checksum of it with the query it belongs to. A token from another filter set, a truncated or an
 * invented one gets a 400 that says to list again, and never reaches Temporal (which answers a malformed token with
 * an internal error, retried for seconds). The checksum is not a signature: the token holds only Temporal's cursor
 * over runs the caller may list anyway.
 */
export class PageTokens {
  private check(query: string, payload: string): Buffer {
    return createHash('sha256').update(query).update('\n').update(payload).digest().subarray(0, 16);
  }

  encode(query: string, raw: Uint8Array): string {
    const payload = Buffer.from(raw).toString('base64url');
    return `${payload}.${this.check(query, payload).toString('base64url')}`;
  }

  decode(query: string, token: string): Buffer {
    const [payload, sum] = token.split('.');
    const expected = payload ? this.check(query, payload) : undefined;
    const given = sum ? Buffer.from(sum, 'base64url') : undefined;
    if (!payload || !expected || !given || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpProblem(
        400,
        'Bad Request',
        'querystring.nextPageToken is not a token this API issued for these filters: list again without it.',
      );
    }
    return Buffer.from(payload, 'base64url');
  }
}

/**
 * The parent the API shows: a rotation, for its unit runs. The runs the API starts are children of their cluster's
 * entity (`cluster:...`), which is not a run.
 */
export function rotationParent(parentWorkflowId: string | undefined | null): string | undefined {
  return parentWorkflowId && !parentWorkflowId.startsWith('cluster:') ? parentWorkflowId : undefined;
}

export async function listRuns(
  deps: ApiDeps,
  query: string,
  pageSize: number,
  pageToken?: Buffer,
): Promise<{ items: RunListItem[]; nextPageToken?: Uint8Array }> {
  const response = await withDeadline(deps, 5_000, () =>
    deps.temporal.workflowService.listWorkflowExecutions({
      namespace: deps.namespace,
      query,
      pageSize,
      nextPageToken: pageToken ?? Buffer.alloc(0),
    }),
  );
  const items: RunListItem[] = [];
  for (const raw of response.executions) {
    const info = await executionInfoFromRaw(raw, deps.temporal.options.loadedDataConverter, raw, deps.namespace);
    const phase = info.typedSearchAttributes.get(RUN_PHASE);
    items.push({
      id: info.workflowId,
      type: info.type,
      clusterId: info.typedSearchAttributes.get(CLUSTER_ID),
      units: info.typedSearchAttributes.get(CERT_UNITS) ?? [],
      status: statusFromTemporal(info.status.name, phase),
      phase,
      startedAt: info.startTime.toISOString(),
      closedAt: info.closeTime?.toISOString(),
      parentId: rotationParent(info.parentExecution?.workflowId),
      location: `/v1/regenerations/${info.workflowId}`,
    });
  }
  const next = response.nextPageToken;
  return { items, nextPageToken: next && next.length > 0 ? next : undefined };
}

export interface RunCounts {
  byStatus: Record<FilterStatus, number>;
  awaitingApproval: number;
}

/** Runs per status (one GROUP BY count, then the aborted failures moved over) and the runs stopped at a gate. */
export async function countRuns(deps: ApiDeps): Promise<RunCounts> {
  const [grouped, awaiting, abortedFailures] = await withDeadline(deps, 5_000, () =>
    Promise.all([
      deps.temporal.workflow.count(`${RUN_TYPES_CLAUSE} GROUP BY ExecutionStatus`),
      deps.temporal.workflow.count(runsQuery({ awaitingApproval: true })),
      deps.temporal.workflow.count(`${RUN_TYPES_CLAUSE} AND ${ABORTED_FAILURE}`),
    ]),
  );
  const byStatus: Record<FilterStatus, number> = { running: 0, completed: 0, failed: 0, cancelled: 0, aborted: 0 };
  for (const group of grouped.groups) {
    const value = String(group.groupValues[0]);
    const status = FILTER_STATUSES.find((s) => EXECUTION_STATUSES[s].includes(value));
    if (status) byStatus[status] += group.count;
  }
  const aborted = Math.min(abortedFailures.count, byStatus.failed);
  byStatus.failed -= aborted;
  byStatus.aborted += aborted;
  return { byStatus, awaitingApproval: awaiting.count };
}
