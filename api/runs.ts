/**
 * Reading a run for the API: a regeneration (regenerateCertificate) answers its `state` query; a rotation
 * (rotateCluster) answers `rotationState` with a summary of each unit (its unit runs tell it only how they stand,
 * so its history stays small), and each unit's steps, gates and decisions come from that unit run's own `state`
 * query: the unit running now for the rotation's document, every unit started for its report and events.
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
import type { RegenerationState, RotationUnit, UnitRunState } from '../domain/types';
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

/**
 * What identifies one version of a run: a history only grows, and a reset starts a new run id. A rotation's
 * document also shows its current unit run's state: that unit run's version is part of the rotation's.
 */
interface RunVersion {
  runId: string;
  historyLength: number;
  unit?: { id: string; runId: string; historyLength: number };
}

const versionOf = (d: WorkflowExecutionDescription, unit?: RunVersion['unit']): RunVersion => ({
  runId: d.runId,
  historyLength: d.historyLength,
  ...(unit ? { unit } : {}),
});
const sameVersion = (a: RunVersion, b: RunVersion) =>
  a.runId === b.runId &&
  a.historyLength === b.historyLength &&
  a.unit?.runId === b.unit?.runId &&
  a.unit?.historyLength === b.unit?.historyLength;

/** The run's version now, from DescribeWorkflowExecution without the SDK's decoding of the rest. */
async function rawVersion(deps: ApiDeps, id: string): Promise<Omit<RunVersion, 'unit'>> {
  const { temporal } = deps;
  const raw = await withDeadline(deps, READ_DEADLINE_MS, () =>
    temporal.workflowService.describeWorkflowExecution({
      namespace: temporal.options.namespace,
      execution: { workflowId: id },
    }),
  );
  const info = raw.workflowExecutionInfo;
  return { runId: info?.execution?.runId ?? '', historyLength: Number(info?.historyLength ?? -1) };
}

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
  /** A rotation's current unit run, at the version its state was read (read before its query). */
  unitVersion?: RunVersion['unit'];
}

/** A unit run's state, without its plan (the rotation's plan covers every unit); undefined when it cannot answer. */
async function unitRunState(deps: ApiDeps, id: string, log?: FastifyBaseLogger): Promise<UnitRunState | undefined> {
  const state = await queryOrUndefined(
    `state query of unit run ${id}`,
    () => withDeadline(deps, READ_DEADLINE_MS, () => deps.temporal.workflow.getHandle(id).query(stateQuery)),
    log,
  );
  if (!state) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { plan, ...unitState } = state;
  return unitState;
}

/** One unit of a rotation with its unit run's own state (what the report and the events list show). */
export interface RotationUnitView extends Omit<RotationUnit, 'phase'> {
  phase?: RotationUnit['phase'];
  state?: UnitRunState;
}

/**
 * Every unit a rotation started (finished, then the one running now), each with its unit run's state, read from
 * the unit runs themselves in parallel (a finished unit run answers from its closed history).
 */
export async function rotationUnits(
  deps: ApiDeps,
  rotation: RotationState,
  log?: FastifyBaseLogger,
): Promise<RotationUnitView[]> {
  const started: RotationUnitView[] = [
    ...(rotation.finished ?? []),
    ...(rotation.current
      ? [
          {
            unit: rotation.current.unit,
            workflowId: rotation.current.workflowId,
            phase: rotation.current.summary?.phase,
          },
        ]
      : []),
  ];
  return Promise.all(
    started.map(async (u) => {
      const state = await unitRunState(deps, u.workflowId, log);
      return state ? { ...u, state } : u;
    }),
  );
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
  if (!current) return { handle, description, rotation, complete: rotation !== undefined };
  // The unit running now shows its own state; its version is read first, so the state is at least that new.
  const unitVersion = await rawVersion(deps, current.workflowId)
    .then((v) => ({ id: current.workflowId, ...v }))
    .catch(() => undefined);
  const unitState = await unitRunState(deps, current.workflowId, log);
  // Decisions go to the rotation, which checks them against the gates its unit run has told it of: a gate the unit
  // run has opened but not yet reported (a signal on its way) is shown once the rotation can take a decision for it.
  const decidable = new Set((current.summary?.pendingGates ?? []).map((g) => g.id));
  const state = unitState && {
    ...unitState,
    pendingGates: unitState.pendingGates.filter((g) => decidable.has(g.id)),
  };
  return {
    handle,
    description,
    rotation,
    ...(state ? { state, stateRunId: current.workflowId } : {}),
    ...(unitVersion ? { unitVersion } : {}),
    complete: rotation !== undefined && state !== undefined && unitVersion !== undefined,
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
 * the last read, the document kept from it is still exact and is answered without a query (a rotation's document
 * shows its current unit run's state, so that unit run's history must not have moved either). Concurrent reads of one run share
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
      const version = await this.currentVersion(id, kept.version.unit?.id).catch(() => undefined);
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
      this.kept.set(id, { version: versionOf(description, view.unitVersion), doc });
    }
    return doc;
  }

  /** The run's version now (and its current unit run's, for a rotation that had one at the last read). */
  private async currentVersion(id: string, unitId?: string): Promise<RunVersion> {
    const [run, unit] = await Promise.all([
      rawVersion(this.deps, id),
      unitId ? rawVersion(this.deps, unitId) : undefined,
    ]);
    return { ...run, ...(unit && unitId ? { unit: { id: unitId, ...unit } } : {}) };
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
