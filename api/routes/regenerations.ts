/**
 * Regeneration runs: start one (POST under its cluster), list them (from Temporal visibility) and read one (GET by
 * id). Routing only: the schemas and their types are in ../regeneration-schemas.ts, the start in ../start-run.ts,
 * the document in ../regeneration-documents.ts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { bearerSecurity, deciderOf } from '../auth';
import { clusterOr404 } from '../cluster-lookup';
import { checkMultiServerOnCluster, csrDistributionProblem } from '../csr-distribution';
import type { DiscoveryService } from '../discovery';
import { HttpProblem } from '../problem';
import type { ApiDeps } from '../deps';
import type { ApiMetrics } from '../metrics';
import { documentOf, type RegenerationDocument, type RotationDocument } from '../regeneration-documents';
import {
  documentSchema,
  listQuerySchema,
  listResponseSchema,
  runParamsSchema,
  startAnswerSchema,
  startBodySchema,
  startHeadersSchema,
} from '../regeneration-schemas';
import { RunDocuments } from '../runs';
import { authProblems, clusterParamsSchema, problemSchema } from '../schemas';
import { policyApplies, requesterOf, startRun } from '../start-run';
import { PageTokens, listRuns, runsQuery } from '../visibility';

export function regenerationRoutes(
  fastify: FastifyInstance,
  deps: ApiDeps,
  metrics?: ApiMetrics,
  discovery?: DiscoveryService,
): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const pageTokens = new PageTokens();
  const documents = new RunDocuments<RegenerationDocument | RotationDocument>(deps, (view) => documentOf(view, deps));
  /** The JSON of each document built, for as long as it is kept (a new version is a new document object). */
  const serialised = new WeakMap<object, ReturnType<FastifyReply['serialize']>>();

  app.post(
    '/v1/clusters/:clusterId/regenerations',
    {
      config: { permission: 'start' },
      schema: {
        summary: 'Start regenerating certificates on a cluster',
        description: `Starts a durable run and answers 202 at once; follow it at the Location. One unit runs regenerateCertificate; several run rotateCluster (the units one by one, in the safe order, TVS last). Run POST /v1/clusters/{id}/plan first for a dry run. 409 while another run holds the cluster (started by any API process, or directly in Temporal): the cluster's entity workflow (cluster:{id}) decides. With an Idempotency-Key header, repeating the request returns the same run (202, same id); the same key with another body is a 422. Needs an operator token; the token's name is recorded as requestedBy.`,
        tags: ['regenerations'],
        security: bearerSecurity,
        params: clusterParamsSchema,
        headers: startHeadersSchema,
        body: startBodySchema,
        response: {
          202: startAnswerSchema,
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
      const distributionProblem = csrDistributionProblem(request.body);
      if (distributionProblem) throw new HttpProblem(400, 'Bad Request', distributionProblem);
      // A multi-server CSR only renews a CA-signed tomcat from 14: discovery says, before anything starts.
      if (request.body.csrDistribution === 'multi-server' && discovery)
        await checkMultiServerOnCluster(discovery, cluster.id, request.body.units);
      const answer = await startRun(
        deps,
        metrics,
        {
          clusterId: cluster.id,
          body: request.body,
          ...requesterOf(deciderOf(request)),
          key: request.headers['idempotency-key'],
          withPolicy: policyApplies(request),
        },
        request.log,
      );
      return reply.code(202).header('location', answer.location).send(answer);
    },
  );

  app.get(
    '/v1/regenerations',
    {
      schema: {
        summary: 'List regeneration runs (Temporal visibility), newest first, with filters and pages',
        description:
          'Lists regenerateCertificate and rotateCluster runs (a rotation and, with parentId, its unit runs). Visibility is eventually consistent: a run started a moment ago may take a second to appear. nextPageToken is opaque and valid with the same filters, on any API process and across restarts.',
        tags: ['regenerations'],
        security: bearerSecurity,
        querystring: listQuerySchema,
        response: { 200: listResponseSchema, 400: problemSchema, 503: problemSchema, ...authProblems },
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

  app.get(
    '/v1/regenerations/:id',
    {
      schema: {
        summary: 'State of a regeneration run',
        tags: ['regenerations'],
        security: bearerSecurity,
        params: runParamsSchema,
        response: { 200: documentSchema, 404: problemSchema, ...authProblems },
      },
    },
    // A query only when the run has moved since the last read; watchers of one run share reads (api/runs.ts).
    // A kept document is serialised once (with this route's response schema), not once per watcher's GET.
    async (request, reply) => {
      const doc = await documents.read(request.params.id, request.log);
      let json = serialised.get(doc);
      if (json === undefined) serialised.set(doc, (json = reply.serialize(doc)));
      // Sent as the serialised text (the typed reply would take only the document itself).
      return (reply as FastifyReply).type('application/json; charset=utf-8').send(json);
    },
  );
}
