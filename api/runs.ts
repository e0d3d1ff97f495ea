/**
 * Reading a run for the API: a regeneration (regenerateCertificate) answers its `state` query; a rotation
 * (rotateCluster) answers `rotationState`, whole: its unit runs report their steps, gates and decisions to it, so
 * one query of one run answers for the whole rotation (the API never reads or stitches the unit runs).
 *
 * A query is a round trip through the worker (frontend, matching, the worker's poller, back), several times dearer
 * than a describe and limited in throughput per run, so GET /v1/regenerations/{id} avoids it when it can, without
 * ever answering with stale data: a workflow's state is a function of its history (query handlers only read), so
 * while describe reports the same run id and history length as at the last read, the last answer is still exact.
 * RunDocuments keeps that answer per run and also coalesces concurrent GETs of one run (FreshReads).
 */
import {
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import type { FastifyBaseLogger } from 'fastify';
import { stateQuery } from '../domain/messages';
import { rotationStateQuery, type RotationState } from '../domain/contract/rotation';
import type { RegenerationState } from '../domain/types';
import { withDeadline, type ApiDeps } from './deps';
import { HttpProblem } from './problem';

/** A Temporal call of a GET waits at most this long; then the API answers 503. */
const READ_DEADLINE_MS = 5_000;

export const ROTATION_TYPE = 'rotateCluster';

export function notFound(id: string): HttpProblem {
  return new HttpProblem(404, 'Not Found', `No regeneration run "${id}".`);
}

export interface RunView {
  handle: WorkflowHandle;
  description: WorkflowExecutionDescription;
  /** A regeneration's own state; for a rotation, its current unit's state as reported to it (absent between units). */
  state?: RegenerationState;
  /** Only for a rotation. */
  rotation?: RotationState;
  /** The run whose state is shown: the run itself, or the rotation's current unit run. */
  stateRunId?: string;
}

async function queryOrUndefined<T>(
  what: string,
  run: () => Promise<T>,
  log?: FastifyBaseLogger,
): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    // A run with no worker to answer (closed, worker down) still has its description and result.
    log?.warn({ err }, `${what} failed`);
    return undefined;
  }
}

/** What identifies one version of a run: a history only grows, and a reset starts a new run id. */
interface RunVersion {
  runId: string;
  historyLength: number;
}

const versionOf = (d: WorkflowExecutionDescription): RunVersion => ({
  runId: d.runId,
  historyLength: d.historyLength,
});
const sameVersion = (a: RunVersion, b: RunVersion) => a.runId === b.runId && a.historyLength === b.historyLength;

async function describeRun(deps: ApiDeps, id: string): Promise<WorkflowExecutionDescription> {
  try {
    return await withDeadline(deps, READ_DEADLINE_MS, () => deps.temporal.workflow.getHandle(id).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw notFound(id);
    throw err;
  }
}

interface StateRead extends RunView {
  /** Every query answered: the view may be kept for as long as the run's version holds. */
  complete: boolean;
}

/**
 * Reads the live state of a run already described. The query goes out after the describe, so the state is at
 * least as new as the history length the view may be kept under.
 */
async function readState(
  deps: ApiDeps,
  description: WorkflowExecutionDescription,
  log?: FastifyBaseLogger,
): Promise<StateRead> {
  const id = description.workflowId;
  const handle = deps.temporal.workflow.getHandle(id);
  const read = <T>(fn: () => Promise<T>) => withDeadline(deps, READ_DEADLINE_MS, fn);
  if (description.type !== ROTATION_TYPE) {
    const state = await queryOrUndefined('state query', () => read(() => handle.query(stateQuery)), log);
    return { handle, description, state, stateRunId: id, complete: state !== undefined };
  }
  const rotation = await queryOrUndefined(
    'rotationState query',
    () => read(() => handle.query(rotationStateQuery)),
    log,
  );
  const current = rotation?.current;
  return {
    handle,
    description,
    rotation,
    ...(current?.state ? { state: current.state, stateRunId: current.workflowId } : {}),
    complete: rotation !== undefined,
  };
}

/** Describes a run and reads its live state (a rotation: the whole rotation, from its own query). 404 for unknown ids. */
export async function readRun(deps: ApiDeps, id: string, log?: FastifyBaseLogger): Promise<RunView> {
  return readState(deps, await describeRun(deps, id), log);
}

interface Kept<D> {
  version: RunVersion;
  doc: D;
}

/**
 * The documents of GET /v1/regenerations/{id}: each read describes the run; if its history has no new event since
 * the last read, the document kept from it is still exact and is answered without a query (a rotation's history
 * grows with every report of its unit runs, so this holds for rotations too). Concurrent reads of one run share
 * one read (FreshReads). Kept for the last `max` runs read.
 */
export class RunDocuments<D> {
  private readonly kept = new Map<string, Kept<D>>();
  private readonly reads = new FreshReads<D>();

  constructor(
    private readonly deps: ApiDeps,
    private readonly build: (view: RunView) => Promise<D>,
    private readonly max = 1_000,
  ) {}

  read(id: string, log?: FastifyBaseLogger): Promise<D> {
    return this.reads.read(id, () => this.readNow(id, log));
  }

  private async readNow(id: string, log?: FastifyBaseLogger): Promise<D> {
    const kept = this.kept.get(id);
    if (kept) {
      // The freshness check reads only the run's version from the raw answer: decoding the whole description
      // (memo, search attributes) is needed only when the run has moved. Any error: the full describe below says
      // what it is (404, 503).
      const version = await this.currentVersion(id).catch(() => undefined);
      if (version && sameVersion(kept.version, version)) {
        // Most recently used last, so the oldest goes first when the map is full.
        this.kept.delete(id);
        this.kept.set(id, kept);
        return kept.doc;
      }
    }
    const description = await describeRun(this.deps, id);
    const view = await readState(this.deps, description, log);
    const doc = await this.build(view);
    this.kept.delete(id);
    if (view.complete) {
      if (this.kept.size >= this.max) this.kept.delete(this.kept.keys().next().value as string);
      this.kept.set(id, { version: versionOf(description), doc });
    }
    return doc;
  }

  /** The run's version now, from DescribeWorkflowExecution without the SDK's decoding of the rest. */
  private async currentVersion(id: string): Promise<RunVersion> {
    const { temporal } = this.deps;
    const raw = await withDeadline(this.deps, READ_DEADLINE_MS, () =>
      temporal.workflowService.describeWorkflowExecution({
        namespace: temporal.options.namespace,
        execution: { workflowId: id },
      }),
    );
    const info = raw.workflowExecutionInfo;
    return { runId: info?.execution?.runId ?? '', historyLength: Number(info?.historyLength ?? -1) };
  }
}

/**
 * Coalesces concurrent reads of the same key without ever answering a request with a read that began before the
 * request arrived: a request that finds a read in flight waits for the next one, which starts as soon as the one
 * in flight ends and serves every request that arrived meanwhile. So at most two reads per key are pending, however
 * many callers poll it, and an answer is always as fresh as a read of its own (after an approval, the next GET sees
 * it).
 */
class FreshReads<V> {
  private readonly slots = new Map<string, { current?: Promise<V>; next?: Promise<V> }>();

  read(key: string, fn: () => Promise<V>): Promise<V> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {};
      this.slots.set(key, slot);
    }
    const inFlight = slot.current;
    if (!inFlight) return this.start(key, slot, fn);
    if (slot.next) return slot.next;
    const s = slot;
    const next = inFlight
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        s.next = undefined;
        return this.start(key, s, fn);
      });
    s.next = next;
    return next;
  }

  private start(key: string, slot: { current?: Promise<V>; next?: Promise<V> }, fn: () => Promise<V>): Promise<V> {
    const current = fn();
    slot.current = current;
    const done = () => {
      if (slot.current === current) slot.current = undefined;
      if (!slot.current && !slot.next) this.slots.delete(key);
    };
    current.then(done, done);
    return current;
  }
}

/** Why a closed run failed, in the words of its own failure (not the SDK's "Workflow execution failed"). */
export async function failureOf(handle: WorkflowHandle): Promise<string | undefined> {
  try {
    await handle.result();
    return undefined;
  } catch (err) {
    if (err instanceof WorkflowFailedError && err.cause) return err.cause.message;
    return err instanceof Error ? err.message : String(err);
  }
}
