/**
 * Regeneration runs: start one (POST under its cluster), list them (from Temporal visibility) and read one (GET by
 * id). The document answers from the workflow's `state` query while it runs, and adds the result or the failure once
 * it has closed.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { windowProblem } from '../../workflows/maintenance-window';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { rotateCluster, type RotationState } from '../../workflows/rotate-cluster';
import { CERT_UNITS, CLUSTER_ID, RUN_PHASE } from '../../workflows/search-attributes';
import {
  OPTIONAL_GATES,
  type GateKind,
  type MaintenanceWindow,
  type RegenerationRequest,
  type RegenerationResult,
  type RegenerationState,
  type RunPhase,
} from '../../workflows/types';
import type { CertificateUnit } from '../../workflows/units';
import type { ApiDeps } from '../app';
import { bearerSecurity, identityOf } from '../auth';
import type { ApiMetrics } from '../metrics';
import { HttpProblem } from '../problem';
import { ROTATION_TYPE, RunDocuments, failureOf, type RunView } from '../runs';
import {
  CLUSTER_ID_PATTERN,
  authProblems,
  clusterParamsSchema,
  maintenanceWindowSchema,
  planSchema,
  problemSchema,
  unitsSchema,
} from '../schemas';
import {
  FILTER_STATUSES,
  PageTokens,
  RUN_WORKFLOW_TYPES,
  listRuns,
  literal,
  runsQuery,
  statusFromTemporal,
  withDeadline,
  type FilterStatus,
  type RunStatus,
} from '../visibility';
import { clusterOr404 } from './clusters';

export type { RunStatus } from '../visibility';

export interface RegenerationDocument {
  id: string;
  /** regenerateCertificate (one unit) or rotateCluster (several, one unit run after the other). */
  type: string;
  clusterId: string;
  units: string[];
  status: RunStatus;
  startedAt?: string;
  closedAt?: string;
  phase?: RegenerationState['phase'];
  requestedBy?: string;
  /** A unit run of a rotation: the rotation's id. */
  parentId?: string;
  notBefore?: string;
  maintenanceWindow?: MaintenanceWindow;
  steps: RegenerationState['steps'];
  pendingGates: RegenerationState['pendingGates'];
  decisions?: RegenerationState['decisions'];
  plan?: RegenerationState['plan'];
  certificates?: RegenerationState['certificates'];
  csrs?: RegenerationState['csrs'];
  missingPhones?: RegenerationState['missingPhones'];
  manualActions?: string[];
  /** A rotation: its units in the safe order, those done, the one running now (steps and gates are its). */
  order?: string[];
  done?: string[];
  currentUnit?: string;
  currentRunId?: string;
  unitRuns?: Array<{ unit: string; id: string; location: string }>;
  /** A single-unit run's result; a rotation's (RotationDocument) has one per unit. */
  result?: RegenerationResult;
  error?: string;
}

/** A rotation's document: as a run's, with the results of its units in its order. */
export interface RotationDocument extends Omit<RegenerationDocument, 'result'> {
  result?: RegenerationResult[];
}

/**
 * The status of a run in the words of the API: Temporal's execution status, refined by the run's phase (a failed
 * run an engineer ended is aborted; a running one stopped at a gate is awaiting approval).
 */
export function runStatus(
  temporalStatus: WorkflowExecutionDescription['status']['name'],
  state?: Pick<RegenerationState, 'pendingGates' | 'phase'>,
  phaseAttribute?: string,
): RunStatus {
  if (temporalStatus === 'RUNNING')
    return statusFromTemporal(temporalStatus, state && state.pendingGates.length > 0 ? 'awaiting-approval' : undefined);
  return statusFromTemporal(temporalStatus, state?.phase === 'aborted' ? 'aborted' : phaseAttribute);
}

const ID_PATTERN = '^regen-[A-Za-z0-9._-]+$';
const stepSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'running', 'completed', 'skipped', 'failed'] },
    nodeId: { type: 'string' },
    service: { type: 'string' },
    unit: { type: 'string' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    detail: { type: 'string' },
  },
} as const;

const STATUS_VALUES = ['running', 'awaiting-approval', 'completed', 'failed', 'cancelled', 'aborted'];

const gateSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string' },
    description: { type: 'string' },
    allowed: { type: 'array', items: { type: 'string' } },
  },
} as const;

const documentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    type: { type: 'string', enum: [...RUN_WORKFLOW_TYPES] },
    clusterId: { type: 'string' },
    units: { type: 'array', items: { type: 'string' } },
    status: { type: 'string', enum: STATUS_VALUES },
    phase: { type: 'string' },
    requestedBy: { type: 'string' },
    parentId: { type: 'string', description: 'a unit run of a rotation: the rotation' },
    startedAt: { type: 'string' },
    closedAt: { type: 'string' },
    notBefore: { type: 'string' },
    maintenanceWindow: maintenanceWindowSchema,
    steps: { type: 'array', items: stepSchema },
    pendingGates: { type: 'array', items: gateSchema },
    decisions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          gateId: { type: 'string' },
          kind: { type: 'string' },
          decision: { type: 'string' },
          by: { type: 'string' },
          comment: { type: 'string' },
          at: { type: 'string' },
        },
      },
    },
    plan: { ...planSchema, description: 'the plan being executed (steps with reasons), once pre-flight built it' },
    certificates: {
      type: 'array',
      description: 'serials and SHA-256 fingerprints before and after, per node, as the regeneration steps finish',
      items: {
        type: 'object',
        properties: {
          nodeId: { type: 'string' },
          serialBefore: { type: 'string' },
          serialAfter: { type: 'string' },
          regeneratedNow: { type: 'boolean' },
          sha256Before: { type: 'string', description: 'SHA-256 fingerprint before (colon-separated hex)' },
          sha256After: { type: 'string', description: 'SHA-256 fingerprint after' },
        },
      },
    },
    csrs: {
      type: 'array',
      description: 'CA-signed units: the CSRs waiting for the CA (the private keys stay on the nodes)',
      items: {
        type: 'object',
        properties: { nodeId: { type: 'string' }, unit: { type: 'string' }, csrPem: { type: 'string' } },
      },
    },
    missingPhones: {
      type: 'object',
      description: 'phones not registered again at the last registration check',
      properties: { count: { type: 'integer' }, sample: { type: 'array', items: { type: 'string' } } },
    },
    manualActions: {
      type: 'array',
      items: { type: 'string' },
      description: 'failed, aborted or cancelled runs: what an engineer still has to do by hand',
    },
    order: { type: 'array', items: { type: 'string' }, description: 'a rotation: its units in the safe order' },
    done: { type: 'array', items: { type: 'string' }, description: 'a rotation: the units completed' },
    currentUnit: {
      type: 'string',
      description: 'a rotation: the unit running now; steps, pendingGates and phase are its unit run',
    },
    currentRunId: { type: 'string', description: 'a rotation: the id of the unit run of currentUnit' },
    unitRuns: {
      type: 'array',
      description: 'a rotation: the unit runs it has started',
      items: {
        type: 'object',
        properties: { unit: { type: 'string' }, id: { type: 'string' }, location: { type: 'string' } },
      },
    },
    // One unit: a RegenerationResult; a rotation: one per unit, in its order.
    result: {},
    error: { type: 'string' },
  },
} as const;

/** The gates a caller may list in `approvals` (the workflow's optional gates, plus the safety gate by name). */
const APPROVAL_GATES: GateKind[] = [...OPTIONAL_GATES, 'accept-missing-phones'];

/** Workflows that change a cluster: while one runs, no regeneration may start there. */
const CLUSTER_CHANGING_TYPES = [...RUN_WORKFLOW_TYPES, 'cleanupExpiredTrust'];

interface StartBody {
  units: CertificateUnit[];
  notBefore?: string;
  approvals?: GateKind[];
  phoneReset?: RegenerationRequest['phoneReset'];
  registrationDeadlineMinutes?: number;
  maintenanceWindow?: MaintenanceWindow;
}

interface ListQuery {
  clusterId?: string;
  status?: FilterStatus;
  awaitingApproval?: 'true' | 'false';
  pageSize?: string;
  nextPageToken?: string;
}

/** JSON with sorted keys: the same body always hashes the same, whatever the order of its fields. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Serialises async work per key (here: per cluster) inside this API process.
 *
 * Why a mutex and not only Temporal's id policies: the runs of a cluster have distinct workflow ids (a run is
 * addressed by its own id), so no id conflict policy can say "one running run per cluster". The check (visibility:
 * a running run with CucmClusterId = id) and the start must therefore not interleave with another request's: two
 * concurrent POSTs would both see "nothing running" and both start. The mutex makes check+start atomic in this
 * process; visibility's indexing lag is covered by also asking Temporal (describe, strongly consistent) about the
 * runs this process started in the last minute, and by confirming every run visibility calls running with describe
 * (a run that just closed may still be listed as running). Several API replicas would need a shared lock: run one.
 */
class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

const RECENT_MS = 60_000;

export function regenerationRoutes(app: FastifyInstance, deps: ApiDeps, metrics?: ApiMetrics): void {
  const clusterLocks = new KeyedMutex();
  /** Runs this process started lately, per cluster: visibility may not list them yet. */
  const recentlyStarted = new Map<string, Array<{ id: string; at: number }>>();
  const pageTokens = new PageTokens();
  const documents = new RunDocuments<RegenerationDocument | RotationDocument>(deps, documentOf);

  const describeOrUndefined = async (id: string): Promise<WorkflowExecutionDescription | undefined> => {
    try {
      return await withDeadline(deps, 5_000, () => deps.temporal.workflow.getHandle(id).describe());
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  };

  /** Ids of the runs that hold the cluster now (running, confirmed by describe). */
  const runsHolding = async (clusterId: string): Promise<string[]> => {
    const query = `WorkflowType IN (${CLUSTER_CHANGING_TYPES.map(literal).join(', ')}) AND ${CLUSTER_ID.name} = ${literal(clusterId)} AND ExecutionStatus = 'Running'`;
    const listed = (await listRuns(deps, query, 10)).items.map((i) => i.id);
    const recent = (recentlyStarted.get(clusterId) ?? []).filter((r) => Date.now() - r.at < RECENT_MS);
    recentlyStarted.set(clusterId, recent);
    const candidates = [...new Set([...listed, ...recent.map((r) => r.id)])];
    const described = await Promise.all(candidates.map(describeOrUndefined));
    return candidates.filter((_, i) => described[i]?.status.name === 'RUNNING');
  };

  /** An existing run started with this idempotency key: the same request gets it back, another one a 422. */
  const replay = (description: WorkflowExecutionDescription, requestHash: string, clusterId: string) => {
    if (description.memo?.requestHash !== requestHash) {
      metrics?.startsRefused.inc({ reason: 'idempotency-conflict' });
      throw new HttpProblem(
        422,
        'Unprocessable Content',
        `This Idempotency-Key was already used for a different request (run ${description.workflowId}). ` +
          'Send the same body to the same cluster to get that run back, or use a new key for a new run.',
        { runId: description.workflowId },
      );
    }
    metrics?.idempotentReplays.inc();
    return {
      id: description.workflowId,
      clusterId,
      status: statusFromTemporal(description.status.name, description.typedSearchAttributes.get(RUN_PHASE)),
      location: `/v1/regenerations/${description.workflowId}`,
      replayed: true,
    };
  };

  app.post<{
    Params: { clusterId: string };
    Body: StartBody;
    Headers: { 'idempotency-key'?: string };
  }>(
    '/v1/clusters/:clusterId/regenerations',
    {
      config: { permission: 'start' },
      schema: {
        summary: 'Start regenerating certificates on a cluster',
        description: `Starts a durable run and answers 202 at once; follow it at the Location. One unit runs regenerateCertificate; several run rotateCluster (the units one by one, in the safe order, TVS last). Run POST /v1/clusters/{id}/plan first for a dry run. 409 while another run holds the cluster. With an Idempotency-Key header, repeating the request returns the same run (202, same id); the same key with another body is a 422. Needs an operator token; the token's name is recorded as requestedBy.`,
        tags: ['regenerations'],
        security: bearerSecurity,
        params: clusterParamsSchema,
        headers: {
          type: 'object',
          properties: {
            'idempotency-key': {
              type: 'string',
              pattern: '^[\\x21-\\x7E]{1,200}$',
              description:
                '1 to 200 visible ASCII characters (a UUID is a good key); the same key and body return the same run',
            },
          },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['units'],
          properties: {
            units: unitsSchema,
            approvals: {
              type: 'array',
              uniqueItems: true,
              items: { type: 'string', enum: APPROVAL_GATES },
              description:
                'Gates to stop at (default ["before-start"]); [] runs without stopping. Safety gates (accept missing phones, confirm a manual phone reset) always apply, listed or not.',
            },
            phoneReset: {
              type: 'string',
              enum: ['all', 'secure-only', 'none'],
              description:
                'How phones get the new ITL/CTL: all (default), secure-only, or none (you reset them, then confirm at a gate).',
            },
            registrationDeadlineMinutes: {
              type: 'integer',
              minimum: 1,
              maximum: 1440,
              description:
                'Minutes phones get to register again after a reset (default 30), as a whole number from 1 to 1440.',
            },
            notBefore: {
              type: 'string',
              format: 'date-time',
              description: 'Nothing changes on the cluster before this time (RFC 3339, e.g. 2026-12-01T22:00:00Z).',
            },
            maintenanceWindow: maintenanceWindowSchema,
          },
        },
        response: {
          202: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              clusterId: { type: 'string' },
              status: { type: 'string', enum: STATUS_VALUES },
              location: { type: 'string' },
              replayed: { type: 'boolean', description: 'true when an Idempotency-Key returned an existing run' },
              requestedBy: { type: 'string' },
            },
          },
          400: problemSchema,
          404: problemSchema,
          409: problemSchema,
          422: problemSchema,
          503: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request, reply) => {
      const cluster = clusterOr404(deps, request.params.clusterId);
      const clusterId = cluster.id;
      const { units, notBefore, approvals, phoneReset, registrationDeadlineMinutes, maintenanceWindow } = request.body;
      // What the schema cannot say (a real IANA zone, a window that opens at all): the workflow's own rule.
      const windowIssue = maintenanceWindow ? windowProblem(maintenanceWindow) : undefined;
      if (windowIssue) {
        // Its messages name the field from maintenanceWindow down; the API names it from the body, as for schema errors.
        const detail = windowIssue.startsWith('maintenanceWindow')
          ? `body.${windowIssue}.`
          : `body.maintenanceWindow: ${windowIssue}.`;
        throw new HttpProblem(400, 'Bad Request', detail);
      }
      const requestedBy = identityOf(request);
      const key = request.headers['idempotency-key'];
      const requestHash = sha256(canonical({ clusterId, body: request.body }));
      // An idempotency key names its run: the id derives from the caller and the key (not the cluster, so the same
      // key sent to another cluster is caught as a different request). Temporal keeps the id unique for as long as it
      // retains the run, across API restarts.
      const id = key
        ? `regen-idem-${sha256(`${requestedBy}\n${key}`).slice(0, 32)}`
        : `regen-${clusterId}-${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;

      const answer = await clusterLocks.run(clusterId, async () => {
        if (key) {
          const existing = await describeOrUndefined(id);
          if (existing) return replay(existing, requestHash, clusterId);
        }
        const holding = await runsHolding(clusterId);
        if (holding.length > 0) {
          metrics?.startsRefused.inc({ reason: 'cluster-busy' });
          throw new HttpProblem(
            409,
            'Conflict',
            `Cluster "${clusterId}" is held by run ${holding.join(', ')}: one run per cluster at a time. Wait for it to finish (GET /v1/regenerations/${holding[0]}), or decide its pending gate, then start again.`,
            { runs: holding },
          );
        }
        const input: RegenerationRequest = {
          clusterId,
          units,
          requestedBy,
          ...(notBefore ? { notBefore } : {}),
          ...(approvals ? { approvals } : {}),
          ...(phoneReset ? { phoneReset } : {}),
          ...(registrationDeadlineMinutes ? { registrationDeadlineMinutes } : {}),
          ...(maintenanceWindow ? { maintenanceWindow } : {}),
        };
        try {
          // One unit: regenerateCertificate; several: rotateCluster runs them one by one in the plan's safe order.
          await withDeadline(deps, 10_000, () =>
            deps.temporal.workflow.start(units.length > 1 ? rotateCluster : regenerateCertificate, {
              workflowId: id,
              taskQueue: deps.taskQueue,
              args: [input],
              // An id is never used twice: a key whose run has closed still returns that run.
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              workflowIdConflictPolicy: 'FAIL',
              memo: { requestHash, requestedBy },
              typedSearchAttributes: [
                { key: CLUSTER_ID, value: clusterId },
                { key: CERT_UNITS, value: units },
                { key: RUN_PHASE, value: 'running' },
              ],
              staticSummary: `Regenerate ${units.join(', ')} on ${clusterId} (requested by ${requestedBy})`,
            }),
          );
        } catch (err) {
          // Another API process started the same key a moment ago.
          if (key && err instanceof WorkflowExecutionAlreadyStartedError) {
            const existing = await describeOrUndefined(id);
            if (existing) return replay(existing, requestHash, clusterId);
          }
          throw err;
        }
        recentlyStarted.set(clusterId, [...(recentlyStarted.get(clusterId) ?? []), { id, at: Date.now() }]);
        request.log.info({ runId: id, clusterId, units, requestedBy }, 'regeneration started');
        return { id, clusterId, status: 'running' as RunStatus, location: `/v1/regenerations/${id}`, requestedBy };
      });
      return reply.code(202).header('location', answer.location).send(answer);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/v1/regenerations',
    {
      schema: {
        summary: 'List regeneration runs (Temporal visibility), newest first, with filters and pages',
        description:
          'Lists regenerateCertificate and rotateCluster runs (a rotation and, with parentId, its unit runs). Visibility is eventually consistent: a run started a moment ago may take a second to appear. nextPageToken is opaque and valid with the same filters on the same API process.',
        tags: ['regenerations'],
        security: bearerSecurity,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            clusterId: {
              type: 'string',
              pattern: CLUSTER_ID_PATTERN,
              description: 'a cluster id (letters, digits, ".", "_", "-")',
            },
            status: { type: 'string', enum: [...FILTER_STATUSES] },
            awaitingApproval: {
              type: 'string',
              enum: ['true', 'false'],
              description: 'true: only runs stopped at a gate; false: only the others',
            },
            pageSize: {
              type: 'string',
              pattern: '^([1-9][0-9]?|100)$',
              description: 'a whole number from 1 to 100 (default 20)',
            },
            nextPageToken: {
              type: 'string',
              maxLength: 4096,
              pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
              description: 'the nextPageToken of the previous page, unchanged',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    type: { type: 'string' },
                    clusterId: { type: 'string' },
                    units: { type: 'array', items: { type: 'string' } },
                    status: { type: 'string', enum: STATUS_VALUES },
                    phase: { type: 'string' },
                    startedAt: { type: 'string' },
                    closedAt: { type: 'string' },
                    parentId: { type: 'string' },
                    location: { type: 'string' },
                  },
                },
              },
              nextPageToken: { type: 'string' },
            },
          },
          400: problemSchema,
          503: problemSchema,
          ...authProblems,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const query = runsQuery({
        clusterId: q.clusterId,
        status: q.status,
        awaitingApproval: q.awaitingApproval === undefined ? undefined : q.awaitingApproval === 'true',
      });
      const token = q.nextPageToken ? pageTokens.decode(query, q.nextPageToken) : undefined;
      const page = await listRuns(deps, query, Number(q.pageSize ?? 20), token);
      return {
        items: page.items,
        ...(page.nextPageToken ? { nextPageToken: pageTokens.encode(query, page.nextPageToken) } : {}),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/regenerations/:id',
    {
      schema: {
        summary: 'State of a regeneration run',
        tags: ['regenerations'],
        security: bearerSecurity,
        params: {
          type: 'object',
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: ID_PATTERN, maxLength: 200, description: 'a run id (regen-...)' },
          },
          required: ['id'],
        },
        response: { 200: documentSchema, 404: problemSchema, ...authProblems },
      },
    },
    // A query only when the run has moved since the last read; watchers of one run share reads (api/runs.ts).
    async (request) => documents.read(request.params.id, request.log),
  );
}

/** The document of GET /v1/regenerations/{id}, from what readRun found. */
async function documentOf(view: RunView): Promise<RegenerationDocument | RotationDocument> {
  const { description, state, rotation } = view;
  const attrs = description.typedSearchAttributes;
  const isRotation = description.type === ROTATION_TYPE;
  // A rotation's status follows its own phase; its gates are its current unit run's.
  const phase = isRotation ? (rotation?.phase ?? attrs.get(RUN_PHASE)) : (state?.phase ?? attrs.get(RUN_PHASE));
  const status = runStatus(
    description.status.name,
    state && { pendingGates: state.pendingGates, phase: isRotation ? (rotation?.phase ?? state.phase) : state.phase },
    phase,
  );
  const manualActions = rotation?.manualActions?.length ? rotation.manualActions : state?.manualActions;
  const doc: RegenerationDocument | RotationDocument = {
    id: description.workflowId,
    type: description.type,
    clusterId: rotation?.clusterId ?? state?.clusterId ?? attrs.get(CLUSTER_ID) ?? 'unknown',
    units: (isRotation ? undefined : state?.units) ?? attrs.get(CERT_UNITS) ?? [],
    status,
    phase: (status === 'awaiting-approval' ? 'awaiting-approval' : phase) as RunPhase | undefined,
    requestedBy: state?.requestedBy ?? memoString(description, 'requestedBy'),
    ...(description.parentExecution?.workflowId ? { parentId: description.parentExecution.workflowId } : {}),
    startedAt: description.startTime.toISOString(),
    closedAt: description.closeTime?.toISOString(),
    ...(state?.notBefore ? { notBefore: state.notBefore } : {}),
    ...(state?.maintenanceWindow ? { maintenanceWindow: state.maintenanceWindow } : {}),
    steps: state?.steps ?? [],
    pendingGates: state?.pendingGates ?? [],
    ...(state?.decisions ? { decisions: state.decisions } : {}),
    ...((isRotation ? rotation?.plan : state?.plan) ? { plan: isRotation ? rotation?.plan : state?.plan } : {}),
    ...(state?.certificates ? { certificates: state.certificates } : {}),
    ...(state?.csrs ? { csrs: state.csrs } : {}),
    ...(state?.missingPhones ? { missingPhones: state.missingPhones } : {}),
    ...(['failed', 'aborted', 'cancelled'].includes(status) && manualActions ? { manualActions } : {}),
    ...(rotation ? rotationFields(rotation) : {}),
  };
  if (status === 'completed') doc.result = (await view.handle.result()) as RegenerationResult & RegenerationResult[];
  if (status === 'failed' || (status === 'aborted' && description.status.name === 'FAILED'))
    doc.error = await failureOf(view.handle);
  return doc;
}

/** A string the API put in the run's memo at start (a rotation has no state of its own to say who asked). */
function memoString(description: WorkflowExecutionDescription, key: string): string | undefined {
  const value = description.memo?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** A rotation's units as its own state names them (the unit runs report to it; the API derives no ids). */
function rotationFields(
  rotation: RotationState,
): Pick<RotationDocument, 'order' | 'done' | 'currentUnit' | 'currentRunId' | 'unitRuns'> {
  const started = [...(rotation.finished ?? []), ...(rotation.current ? [rotation.current] : [])];
  return {
    order: rotation.order,
    done: rotation.done,
    ...(rotation.current ? { currentUnit: rotation.current.unit, currentRunId: rotation.current.workflowId } : {}),
    unitRuns: started.map(({ unit, workflowId: id }) => ({ unit, id, location: `/v1/regenerations/${id}` })),
  };
}
