import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../app';

/**
 * GET /healthz answers 200 once everything a run needs is ready: Temporal answers and a worker polls the task
 * queue. Otherwise 503 with what is missing.
 */
export function healthRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/healthz',
    {
      schema: {
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
        const { pollers } = await deps.temporal.workflowService.describeTaskQueue({
          namespace: deps.namespace,
          taskQueue: { name: deps.taskQueue },
        });
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
