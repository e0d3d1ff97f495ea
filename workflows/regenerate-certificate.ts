/**
 * regenerateCertificate: one certificate unit across a cluster, per Cisco TN 214231. Regenerate on the publisher,
 * then on each subscriber; then restart the unit's services on every node, publisher first, only where Started.
 *
 * This is the walking skeleton of the procedure (tomcat): it already has the shape the full procedure keeps: a small
 * state object answered by the `state` query, activities that are idempotent (they carry the serial seen before),
 * and search attributes so runs can be listed per cluster and phase.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { stateQuery } from './messages';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from './search-attributes';
import type { RegenerationRequest, RegenerationResult, RegenerationState, RunPhase, StepState } from './types';
import { RESTARTS_BY_UNIT, SUPPORTED_UNITS } from './units';

const quick = proxyActivities<Activities>({
  startToCloseTimeout: '3 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

// Regeneration and restarts are long on real nodes (a Tomcat restart can take 10 minutes); the heartbeat timeout
// notices a crashed worker long before the start-to-close timeout does.
const slow = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 10 },
});

/** The engineer-facing reason of a failure: the activity's own message, not the "Activity task failed" wrapper. */
function reasonOf(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Holds the run's state; the query handler returns a copy of it. */
class RunTracker {
  readonly state: RegenerationState;

  constructor(request: RegenerationRequest) {
    this.state = {
      clusterId: request.clusterId,
      units: request.units,
      phase: 'running',
      steps: [],
      pendingGates: [],
      startedAt: new Date().toISOString(),
      notBefore: request.notBefore,
    };
  }

  setPhase(phase: RunPhase): void {
    this.state.phase = phase;
    upsertSearchAttributes([{ key: RUN_PHASE, value: phase }]);
  }

  /** Runs one step: marks it running, records its outcome or its failure. */
  async step<T>(
    step: Omit<StepState, 'status' | 'id'>,
    work: () => Promise<T>,
    describe: (result: T) => Pick<StepState, 'status' | 'detail'>,
  ): Promise<T> {
    const entry: StepState = {
      ...step,
      id: `step-${this.state.steps.length + 1}`,
      status: 'running',
      startedAt: new Date().toISOString(),
    };
    this.state.steps.push(entry);
    try {
      const result = await work();
      Object.assign(entry, describe(result), { finishedAt: new Date().toISOString() });
      return result;
    } catch (err) {
      Object.assign(entry, { status: 'failed', finishedAt: new Date().toISOString(), detail: reasonOf(err) });
      throw err;
    }
  }
}

export async function regenerateCertificate(request: RegenerationRequest): Promise<RegenerationResult> {
  // State first, then handlers, so a query never sees an uninitialised run.
  const run = new RunTracker(request);
  setHandler(stateQuery, () => run.state, {
    description: 'Live state of the run: phase, steps with their status and detail, pending gates.',
  });
  upsertSearchAttributes([
    { key: CLUSTER_ID, value: request.clusterId },
    { key: CERT_UNITS, value: request.units },
  ]);

  const [unit, ...others] = request.units;
  if (!unit || others.length > 0 || !SUPPORTED_UNITS.includes(unit)) {
    // The API refuses these before starting a run; this guards direct starts from the CLI or UI.
    throw ApplicationFailure.nonRetryable(
      `regenerateCertificate takes exactly one supported unit (${SUPPORTED_UNITS.join(', ')}); got ${request.units.join(', ') || 'none'}.`,
      'InvalidRequest',
    );
  }

  try {
    if (request.notBefore) {
      const waitMs = Date.parse(request.notBefore) - Date.now();
      if (waitMs > 0) {
        run.setPhase('waiting-window');
        await run.step(
          { kind: 'wait-window', description: `Wait for the maintenance window at ${request.notBefore}` },
          () => sleep(waitMs),
          () => ({ status: 'completed' }),
        );
      }
    }
    run.setPhase('running');

    const cluster = await run.step(
      { kind: 'discover', description: `Read the nodes of cluster ${request.clusterId}` },
      () => quick.describeCluster(request.clusterId),
      (c) => ({ status: 'completed', detail: c.nodes.map((n) => `${n.id} (${n.role})`).join(', ') }),
    );

    const result: RegenerationResult = { clusterId: request.clusterId, unit, nodes: [], restarts: [] };
    // Publisher first, then the subscribers: describeCluster returns them in that order.
    for (const node of cluster.nodes) {
      const ref = { clusterId: request.clusterId, nodeId: node.id };
      const before = await quick.readCertificate({ ...ref, unit });
      const outcome = await run.step(
        { kind: 'regenerate', unit, nodeId: node.id, description: `Regenerate ${unit} on ${node.id}` },
        () => slow.regenerateCertificate({ ...ref, unit, serialBefore: before.serial }),
        (o) => ({
          status: 'completed',
          detail: `serial ${o.serialBefore} -> ${o.serialAfter}${o.regeneratedNow ? '' : ' (already regenerated by an earlier attempt)'}`,
        }),
      );
      result.nodes.push({ nodeId: node.id, ...outcome });
    }

    for (const service of RESTARTS_BY_UNIT[unit] ?? []) {
      for (const node of cluster.nodes) {
        const outcome = await run.step(
          { kind: 'restart-service', nodeId: node.id, service, description: `Restart ${service} on ${node.id}` },
          () => slow.restartService({ clusterId: request.clusterId, nodeId: node.id, service }),
          (o) => (o.restarted ? { status: 'completed' } : { status: 'skipped', detail: o.reason }),
        );
        result.restarts.push({ nodeId: node.id, service, ...outcome });
      }
    }

    run.setPhase('completed');
    return result;
  } catch (err) {
    run.setPhase('failed');
    throw err;
  }
}
