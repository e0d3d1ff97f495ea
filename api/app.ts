/**
 * The Fastify application: a factory that receives its dependencies, so api/main.ts runs it against the configured
 * Temporal and tests run it against the test server.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Inventory } from '../inventory/types';
import { registerProblemHandlers } from './problem';
import { healthRoutes } from './routes/health';
import { regenerationRoutes } from './routes/regenerations';

export interface ApiDeps {
  temporal: Client;
  namespace: string;
  taskQueue: string;
  inventory: Inventory;
}

export async function buildApp(
  deps: ApiDeps,
  options: { logger?: FastifyServerOptions['logger'] } = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    // Reject unknown fields instead of silently dropping them: a typo must not start a run with defaults.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  registerProblemHandlers(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'cucm-cert-regen API',
        version: '1',
        description:
          'Start, watch and approve CUCM certificate regenerations. Runs are Temporal workflows; watch them in the Temporal UI too.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  healthRoutes(app, deps);
  regenerationRoutes(app, deps);
  return app;
}
