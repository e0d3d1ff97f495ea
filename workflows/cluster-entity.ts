/**
 * clusterEntity: one long-lived workflow per cluster (id `cluster:<clusterId>`, see contract/cluster-entity.ts) that
 * holds the cluster's lease and the list of its runs, in the shape of Temporal's safe-message-handlers sample
 * (ClusterManager): state in a small class, handlers set first, validators that refuse without touching history,
 * continue-as-new once idle with all handlers finished.
 *
 * How the lease is released however its holder ends, with nobody's help:
 * - Runs the API starts (startRun) are child workflows of the entity. Temporal records the child's close in the
 *   entity's history whatever the cause (completed, failed, cancelled, terminated, timed out), so the entity learns
 *   it from its own history: no polling, no activity slot held for days while a gate waits.
 * - A run started directly (acquireLease) is not its child. The entity then runs awaitRunClosed, a heartbeating
 *   activity that long-polls that run's close event (as the client's result() does) and answers for every way a run
 *   can end, terminate included; it is retried forever, so a worker crash only delays the notice.
 *
 * The entity continues as new only while no run holds the lease (a child cannot follow its parent to a new run),
 * which costs nothing: while a run holds the cluster, refused requests leave no event in the history.
 */
import {
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  acquireLeaseUpdate,
  busyMessage,
  clusterStateQuery,
  CLUSTER_BUSY,
  RECENT_RUNS,
  RUN_ID_TAKEN,
  startRunUpdate,
  type ClusterEntityInput,
  type ClusterEntityState,
  type LeaseAnswer,
  type LeaseHolder,
  type LeaseRequest,
  type PastRun,
  type StartedRun,
  type StartRunRequest,
  unitsOf,
} from '../domain/contract/cluster-entity';
import { ENDED_BY_ENGINEER } from './run-tracker';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from '../domain/search-attributes';

const WATCH_OPTIONS = {
  // A run may hold its cluster for weeks (gates wait 7 days each); the heartbeat notices a lost worker.
  startToCloseTimeout: '30 days',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
} as const;
const { awaitRunClosed } = proxyActivities<Activities>(WATCH_OPTIONS);

/** How a child run ended, from the failure its result rejected with. */
function outcomeOf(err: unknown): Pick<PastRun, 'outcome' | 'detail'> {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof TerminatedFailure) return { outcome: 'terminated', detail: cause.message };
  if (cause instanceof CancelledFailure) return { outcome: 'cancelled' };
  if (cause instanceof TimeoutFailure) return { outcome: 'timed-out' };
  if (cause instanceof ApplicationFailure && cause.type && ENDED_BY_ENGINEER.includes(cause.type))
    return { outcome: 'aborted', detail: cause.message };
  return { outcome: 'failed', detail: cause instanceof Error ? cause.message : String(cause) };
}

const CLOSE_STATUS: Record<string, PastRun['outcome']> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed-out',
};

class ClusterLease {
  readonly state: ClusterEntityState;

  constructor(input: ClusterEntityInput) {
    this.state = input.state ?? { clusterId: input.clusterId, recent: [], granted: 0 };
  }

  /** The validator of both updates: refuses (no history event) while another run holds the cluster. */
  refuseIfHeld(workflowId: string): void {
    const holder = this.state.holder;
    if (holder && holder.workflowId !== workflowId)
      throw ApplicationFailure.create({
        message: busyMessage(this.state.clusterId, holder),
        type: CLUSTER_BUSY,
        nonRetryable: true,
        details: [holder],
      });
  }

  /** startRun: takes the lease and starts the run as a child of the entity. */
  async startRun(request: StartRunRequest): Promise<StartedRun> {
    // Checked again: validators run before their handlers, so two accepted updates may race for the lease here.
    this.refuseIfHeld(request.workflowId);
    const held = this.state.holder;
    if (held) {
      // The same run id asked again (a repeated Idempotency-Key): answer with that run once it has started.
      await condition(() => this.state.holder !== held || held.runId !== undefined);
      if (this.state.holder === held && held.runId)
        return { workflowId: held.workflowId, runId: held.runId, replayed: true };
      throw ApplicationFailure.create({
        message: `Run ${request.workflowId} did not start; send the request again.`,
        type: RUN_ID_TAKEN,
        nonRetryable: true,
      });
    }
    const holder = this.grant({
      workflowId: request.workflowId,
      type: request.type,
      units: unitsOf(request),
      requestedBy: request.request.requestedBy,
      via: 'api',
    });
    try {
      const child = await startChild(request.type, {
        workflowId: request.workflowId,
        args: [request.request],
        memo: request.memo,
        staticSummary: request.staticSummary,
        typedSearchAttributes: [
          { key: CLUSTER_ID, value: this.state.clusterId },
          { key: CERT_UNITS, value: unitsOf(request) },
          { key: RUN_PHASE, value: 'running' },
        ],
        // An id is never used twice: a key whose run has closed still names that run.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        // Should an engineer terminate the entity, its runs stop cleanly (manual actions listed) instead of dying
        // mid-step; continue-as-new never meets a running child (see above).
        parentClosePolicy: 'REQUEST_CANCEL',
      });
      holder.runId = child.firstExecutionRunId;
      this.follow(
        holder,
        child.result().then(
          () => ({ outcome: 'completed' as const }),
          (err: unknown) => outcomeOf(err),
        ),
      );
      this.publish();
      return { workflowId: request.workflowId, runId: holder.runId };
    } catch (err) {
      this.release(holder, { outcome: 'not-started', detail: err instanceof Error ? err.message : String(err) });
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        throw ApplicationFailure.create({
          message: `Run id ${request.workflowId} is already used by another run.`,
          type: RUN_ID_TAKEN,
          nonRetryable: true,
        });
      throw ApplicationFailure.create({
        message: `Run ${request.workflowId} could not be started: ${err instanceof Error ? err.message : String(err)}`,
        type: 'RunNotStarted',
        nonRetryable: true,
      });
    }
  }

  /** acquireLease: a directly started run takes the lease for itself; the entity watches it until it ends. */
  acquire(request: LeaseRequest): LeaseAnswer {
    this.refuseIfHeld(request.workflowId);
    // The same run asking again (its activity was retried): it holds the lease already.
    if (this.state.holder) return { granted: true, holder: this.state.holder };
    const holder = this.grant({
      workflowId: request.workflowId,
      runId: request.runId,
      type: request.type,
      units: request.units,
      requestedBy: request.requestedBy,
      via: 'direct',
    });
    this.follow(
      holder,
      awaitRunClosed
        .executeWithOptions(
          { ...WATCH_OPTIONS, summary: `Watch ${request.workflowId} until it ends: it holds ${request.clusterId}` },
          [{ workflowId: request.workflowId, runId: request.runId }],
        )
        .then(
          (closed) => ({ outcome: CLOSE_STATUS[closed.status] ?? ('unknown' as const), detail: closed.status }),
          (err: unknown) => ({ outcome: 'unknown' as const, detail: err instanceof Error ? err.message : String(err) }),
        ),
    );
    return { granted: true, holder };
  }

  idle(): boolean {
    return this.state.holder === undefined;
  }

  private grant(holder: Omit<LeaseHolder, 'since'>): LeaseHolder {
    const granted: LeaseHolder = { ...holder, since: new Date().toISOString() };
    this.state.holder = granted;
    this.state.granted += 1;
    log.info('lease granted', { clusterId: this.state.clusterId, holder: granted.workflowId, via: granted.via });
    this.publish();
    return granted;
  }

  /** Releases the lease when `ended` settles (it never rejects). */
  private follow(holder: LeaseHolder, ended: Promise<Pick<PastRun, 'outcome' | 'detail'>>): void {
    void ended.then((how) => this.release(holder, how));
  }

  private release(holder: LeaseHolder, how: Pick<PastRun, 'outcome' | 'detail'>): void {
    if (this.state.holder !== holder) return;
    this.state.holder = undefined;
    const past: PastRun = { ...holder, endedAt: new Date().toISOString(), outcome: how.outcome };
    if (how.detail) past.detail = how.detail.slice(0, 500);
    this.state.recent = [past, ...this.state.recent].slice(0, RECENT_RUNS);
    log.info('lease released', { clusterId: this.state.clusterId, holder: holder.workflowId, outcome: how.outcome });
    this.publish();
  }

  /** The entity in the Temporal UI's current details. */
  publish(): void {
    const s = this.state;
    const h = s.holder;
    setCurrentDetails(
      [
        `**Cluster ${s.clusterId}**: ${h ? `held by \`${h.workflowId}\` (${h.type}${h.units.length ? ` of ${h.units.join(', ')}` : ''}, ${h.via === 'api' ? 'started by the API' : 'started directly'}${h.requestedBy ? `, requested by ${h.requestedBy}` : ''}, since ${h.since})` : 'free'}`,
        '',
        `Recent runs (${s.granted} granted so far):`,
        ...s.recent.map((r) => `- \`${r.workflowId}\` ${r.type} ${r.units.join(', ')}: ${r.outcome} at ${r.endedAt}`),
      ].join('\n'),
    );
  }
}

export async function clusterEntity(input: ClusterEntityInput): Promise<void> {
  const entity = new ClusterLease(input);
  setHandler(clusterStateQuery, () => entity.state, {
    description: 'The run holding the cluster (if any) and the last runs, with how each ended.',
  });
  setHandler(startRunUpdate, (request) => entity.startRun(request), {
    validator: (request: StartRunRequest) => entity.refuseIfHeld(request.workflowId),
    description:
      'Start a run on this cluster (the API uses it, with Update-with-Start): refused while another run holds the cluster.',
  });
  setHandler(acquireLeaseUpdate, (request) => entity.acquire(request), {
    validator: (request: LeaseRequest) => entity.refuseIfHeld(request.workflowId),
    description:
      'Take the lease for a run started directly (it asks itself, before it changes anything): refused while another run holds the cluster.',
  });
  entity.publish();
  const limit = input.continueAsNewAfterEvents ?? 1000;
  // Idle entities wait here; everything else happens in the handlers. Continue-as-new once the history is long,
  // when no run holds the cluster and every handler has returned.
  await condition(
    () =>
      (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > limit) &&
      entity.idle() &&
      allHandlersFinished(),
  );
  await continueAsNew<typeof clusterEntity>({ ...input, state: entity.state });
}
