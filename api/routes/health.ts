import type { FastifyInstance } from 'fastify';
import { FEDERATION_HEADER, type ApiMetrics } from '../metrics';
import { withDeadline, type ApiDeps } from '../deps';

/**
 * GET /healthz answers 200 once everything a run needs is ready: Temporal answers and a worker polls the task
 * queue. Otherwise 503 with what is missing.
 */
export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/healthz',
    {
      // Polled by the launcher, load balancers and Prometheus: their requests are not logged (errors still are).
      logLevel: 'warn',
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Is the service ready to run regenerations?',
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, temporal: { type: 'string' }, workers: { type: 'integer' } },
          },
          503: {
            type: 'object',
            properties: { status: { type: 'string' }, problems: { type: 'array', items: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => {
      const problems: string[] = [];
      let workers = 0;
      try {
        const { pollers } = await withDeadline(deps, 3_000, () =>
          deps.temporal.workflowService.describeTaskQueue({
            namespace: deps.namespace,
            taskQueue: { name: deps.taskQueue },
          }),
        );
        workers = pollers?.length ?? 0;
        if (workers === 0) problems.push(`no worker polls task queue ${deps.taskQueue}`);
      } catch (err) {
        problems.push(`Temporal is not reachable: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (problems.length) return reply.code(503).send({ status: 'unavailable', problems });
      return { status: 'ok', temporal: 'reachable', workers };
    },
  );
}

/**
 * GET /readyz: 200 while Temporal answers for the namespace (the API can start and read runs), 503 otherwise. Unlike
 * /healthz it does not need a worker: a load balancer keeps the API in while workers restart.
 */
export function readinessRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/readyz',
    {
      // Polled by the launcher, load balancers and Prometheus: their requests are not logged (errors still are).
      logLevel: 'warn',
      config: { public: true },
      schema: {
        summary: 'Is Temporal reachable?',
        tags: ['operations'],
        response: {
          200: { type: 'object', properties: { status: { type: 'string' }, namespace: { type: 'string' } } },
          503: { type: 'object', properties: { status: { type: 'string' }, problem: { type: 'string' } } },
        },
      },
    },
    async (_request, reply) => {
      try {
        await withDeadline(deps, 2_000, () =>
          deps.temporal.workflowService.describeNamespace({ namespace: deps.namespace }),
        );
        return { status: 'ready', namespace: deps.namespace };
      } catch (err) {
        return reply.code(503).send({
          status: 'unavailable',
          problem: `Temporal does not answer for namespace ${deps.namespace}: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    },
  );
}

/** GET /metrics: Prometheus text format, the API's metrics followed by the worker's (when WORKER_METRICS_URL is set). */
export function metricsRoutes(app: FastifyInstance, metrics: ApiMetrics): void {
  app.get(
    '/metrics',
    {
      // Polled by the launcher, load balancers and Prometheus: their requests are not logged (errors still are).
      logLevel: 'warn',
      config: { public: true },
      schema: {
        summary: 'Prometheus metrics (text format)',
        description:
          "Runs by status and pending gates (from Temporal visibility), HTTP and discovery durations; with WORKER_METRICS_URL set, the worker's step durations (cucm_regen_step_duration_seconds) and activity failures (cucm_regen_activity_failures_total) follow, and cucm_regen_worker_metrics_up says whether they could be read.",
        tags: ['operations'],
      },
    },
    async (request, reply) =>
      reply
        .header('content-type', metrics.registry.contentType)
        .send(await metrics.exposition({ federate: request.headers[FEDERATION_HEADER] === undefined })),
  );
}
