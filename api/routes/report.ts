/**
 * GET /v1/regenerations/{id}/report: the change report of a run, as Markdown, HTML or JSON. The route only reads
 * the run (api/runs.ts) and hands a typed input to the pure builder (api/report/), then to the chosen renderer.
 */
import type { FastifyInstance } from 'fastify';
import type { RegenerationResult } from '../../domain/types';
import type { CertificateUnit } from '../../domain/units';
import type { ApiDeps } from '../deps';
import { bearerSecurity } from '../auth';
import { HttpProblem } from '../problem';
import { buildReport, CONTENT_TYPES, negotiate, render, REPORT_FORMATS, type ReportInput } from '../report';
import { ROTATION_TYPE, failureOf, readRun, rotationUnits, type RunView } from '../runs';
import { problemSchema, authProblems } from '../schemas';
import { runStatus } from '../regeneration-documents';
import { attestState } from '../decision-identities';
import { rotationParent } from '../visibility';
import { CLUSTER_ID, RUN_PHASE } from '../../domain/search-attributes';

const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';

/** What the builder reads, from what the API read of the run (a rotation: every unit it started). */
async function reportInputOf(view: RunView, deps: ApiDeps, generatedAt: string): Promise<ReportInput> {
  const { description, state, rotation } = view;
  const isRotation = description.type === ROTATION_TYPE;
  const phase = isRotation ? (rotation?.phase ?? state?.phase) : state?.phase;
  const status = runStatus(
    description.status.name,
    state && { pendingGates: state.pendingGates, phase: phase ?? state.phase },
    phase ?? description.typedSearchAttributes.get(RUN_PHASE),
  );
  const closedOk = description.status.name === 'COMPLETED';
  const common = {
    id: description.workflowId,
    type: description.type,
    status,
    startedAt: description.startTime.toISOString(),
    ...(description.closeTime ? { closedAt: description.closeTime.toISOString() } : {}),
    generatedAt,
    temporalUiUrl: deps.temporalUiUrl ?? DEFAULT_TEMPORAL_UI_URL,
    namespace: deps.namespace,
    ...(description.status.name === 'FAILED' ? { error: await failureOf(view.handle) } : {}),
  };
  const memoBy = description.memo?.requestedBy;
  if (isRotation) {
    // Each unit's decisions with the history's evidence of who sent them (they came through the rotation).
    const started = await Promise.all(
      (rotation ? await rotationUnits(deps, rotation) : []).map(async (u) =>
        u.state ? { ...u, state: await attestState(deps, u.state, u.workflowId, description.workflowId) } : u,
      ),
    );
    const startedUnits = new Set(started.map((u) => u.unit));
    return {
      ...common,
      clusterId: rotation?.clusterId ?? description.typedSearchAttributes.get(CLUSTER_ID) ?? 'unknown',
      requestedBy:
        started.find((u) => u.state?.requestedBy)?.state?.requestedBy ??
        (typeof memoBy === 'string' ? memoBy : undefined),
      ...(rotation?.plan ? { plan: rotation.plan } : {}),
      units: started,
      notStarted: (rotation?.order ?? []).filter((u) => !startedUnits.has(u)),
      ...(rotation?.manualActions?.length ? { manualActions: rotation.manualActions } : {}),
      ...(rotation?.ignoredDecisions?.length ? { ignoredDecisions: rotation.ignoredDecisions } : {}),
      ...(rotation?.steps?.length ? { rotationSteps: rotation.steps } : {}),
    };
  }
  const result = closedOk ? ((await view.handle.result()) as RegenerationResult) : undefined;
  const unit: CertificateUnit = state?.units[0] ?? result?.unit ?? 'tomcat';
  const attested =
    state &&
    (await attestState(deps, state, description.workflowId, rotationParent(description.parentExecution?.workflowId)));
  return {
    ...common,
    clusterId: state?.clusterId ?? description.typedSearchAttributes.get(CLUSTER_ID) ?? 'unknown',
    requestedBy: state?.requestedBy ?? (typeof memoBy === 'string' ? memoBy : undefined),
    ...(state?.plan ? { plan: state.plan } : {}),
    units: [
      {
        unit,
        workflowId: description.workflowId,
        ...(attested ? { state: attested, phase: attested.phase } : {}),
        ...(result ? { result } : {}),
      },
    ],
    ...(state?.manualActions?.length ? { manualActions: state.manualActions } : {}),
  };
}

export function reportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get<{ Params: { id: string }; Querystring: { format?: string } }>(
    '/v1/regenerations/:id/report',
    {
      schema: {
        summary: 'Change report of a run (Markdown, HTML or JSON)',
        description:
          'The evidence a change ticket needs: the plan with its reasons, every step with node, times and the commands and requests it sent (recorded, secrets redacted), serials and SHA-256 fingerprints before and after, every decision (who, when, comment), phone registration before and after per node, manual actions and the Temporal UI link. A rotation reports every unit. Format: ?format=md|html|json, else the Accept header (text/markdown, text/html, application/json); without either (or with */*) Markdown. The HTML is one self-contained page that prints on A4.',
        tags: ['regenerations'],
        security: bearerSecurity,
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^regen-[A-Za-z0-9._-]+$', maxLength: 200 } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: [...REPORT_FORMATS], description: 'md, html or json' } },
        },
        produces: ['text/markdown', 'text/html', 'application/json'],
        response: { 404: problemSchema, 406: problemSchema, ...authProblems },
      },
    },
    async (request, reply) => {
      const format = negotiate(request.query.format, request.headers.accept);
      if (!format)
        throw new HttpProblem(
          406,
          'Not Acceptable',
          `The report comes as text/markdown, text/html or application/json (or ?format=md|html|json); Accept "${request.headers.accept ?? ''}" takes none of them.`,
        );
      const view = await readRun(deps, request.params.id, request.log);
      const report = buildReport(await reportInputOf(view, deps, new Date().toISOString()));
      return reply
        .header('content-type', CONTENT_TYPES[format])
        .header('content-disposition', `inline; filename="${report.run.id}-report.${format}"`)
        .header('vary', 'Accept')
        .send(render(report, format));
    },
  );
}
