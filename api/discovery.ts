/**
 * Discovery for the API: it never opens SSH itself. It runs discoverClusterWorkflow on the worker's task queue
 * (workflow id `discover-<clusterId>-<time>`), waits for the result within a bound, and keeps the last discovery per
 * cluster in memory with its time. Requests for a cluster whose discovery is already running share it (one SSH
 * round per cluster at a time, however many callers).
 */
import { randomBytes } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { DISCOVER_CLUSTER_WORKFLOW, type DiscoverClusterWorkflow } from '../domain/contract/reads';
import type { ApiMetrics } from './metrics';
import { HttpProblem, isTemporalUnavailable } from './problem';
import { withDeadline, type ApiDeps } from './deps';
import type { ClusterDiscovery } from '../domain/discovery';

export interface DiscoveryRecord {
  clusterId: string;
  workflowId: string;
  /** When the API received the result. */
  receivedAt: string;
  discovery: ClusterDiscovery;
}

/** The innermost message of a failure chain (workflow → activity → application failure). */
function rootMessage(err: unknown): { message: string; type?: string } {
  let current: unknown = err;
  let type: string | undefined;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  if (current && typeof current === 'object' && 'type' in current && typeof current.type === 'string')
    type = current.type;
  return { message: current instanceof Error ? current.message : String(current), type };
}

const HINTS: Record<string, string> = {
  'CliError.auth': ' Check the credentials of the cluster in the inventory (credentials.osAdmin).',
  'CliError.host-key-mismatch':
    " The node's SSH host key is not the pinned one: verify the node, then update sshHostKeySha256 in the inventory.",
  SecretResolutionError: " The worker could not read a secret reference of the cluster's inventory.",
};

export class DiscoveryService {
  private readonly last = new Map<string, DiscoveryRecord>();
  private readonly inflight = new Map<string, Promise<DiscoveryRecord>>();

  constructor(
    private readonly deps: ApiDeps,
    private readonly timeoutMs: number,
    private readonly metrics?: ApiMetrics,
  ) {}

  /** The last discovery this API process received for the cluster, if any. */
  lastOf(clusterId: string): DiscoveryRecord | undefined {
    return this.last.get(clusterId);
  }

  /** Runs a discovery (or joins the one running); a cached one younger than `maxAgeMs` answers at once. */
  async discover(clusterId: string, maxAgeMs = 0): Promise<DiscoveryRecord> {
    const cached = this.last.get(clusterId);
    if (cached && maxAgeMs > 0 && Date.now() - Date.parse(cached.receivedAt) <= maxAgeMs) return cached;
    let running = this.inflight.get(clusterId);
    if (!running) {
      running = this.run(clusterId).finally(() => this.inflight.delete(clusterId));
      this.inflight.set(clusterId, running);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new HttpProblem(
              504,
              'Gateway Timeout',
              `Discovery of cluster "${clusterId}" did not finish within ${Math.round(this.timeoutMs / 1000)} s. ` +
                'It goes on in the background (discover-* workflows in the Temporal UI); check GET /healthz for a polling worker and retry.',
            ),
          ),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(clusterId: string): Promise<DiscoveryRecord> {
    const time = new Date().toISOString().replace(/[-:.]/g, '');
    const workflowId = `discover-${clusterId}-${time}-${randomBytes(2).toString('hex')}`;
    const started = Date.now();
    const observe = (result: string) =>
      this.metrics?.discoveryDuration.observe({ result }, (Date.now() - started) / 1000);
    let handle;
    try {
      handle = await withDeadline(this.deps, 10_000, () =>
        this.deps.temporal.workflow.start<DiscoverClusterWorkflow>(DISCOVER_CLUSTER_WORKFLOW, {
          workflowId,
          taskQueue: this.deps.taskQueue,
          args: [clusterId],
          // Nobody waits longer than this; a discovery stuck without a worker must not linger for ever.
          workflowExecutionTimeout: '15 minutes',
          staticSummary: `Discover cluster ${clusterId} (read only)`,
        }),
      );
    } catch (err) {
      observe('failed');
      throw err;
    }
    try {
      const discovery = await handle.result();
      const record: DiscoveryRecord = { clusterId, workflowId, receivedAt: new Date().toISOString(), discovery };
      this.last.set(clusterId, record);
      observe('ok');
      return record;
    } catch (err) {
      observe('failed');
      if (isTemporalUnavailable(err) && !(err instanceof WorkflowFailedError)) throw err;
      const { message, type } = rootMessage(err);
      throw new HttpProblem(
        502,
        'Bad Gateway',
        `Discovery of cluster "${clusterId}" failed (workflow ${workflowId}): ${message}${(type && HINTS[type]) ?? ''}`,
        { workflowId, ...(type ? { failureType: type } : {}) },
      );
    }
  }
}
