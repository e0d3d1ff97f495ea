/**
 * The Fastify application: a factory that receives its dependencies, so api/main.ts runs it against the configured
 * Temporal and tests run it against the test server.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { registerAuth, securitySchemes, type AuthOptions } from './auth';
import type { ApiDeps } from './deps';
import { DiscoveryService } from './discovery';
import { ApiMetrics } from './metrics';
import { registerProblemHandlers } from './problem';
import { clusterRoutes } from './routes/clusters';
import { expiryWatchRoutes } from './routes/expiry-watch';
import { gateRoutes } from './routes/gates';
import { healthRoutes, metricsRoutes, readinessRoutes } from './routes/health';
import { regenerationRoutes } from './routes/regenerations';
import { reportRoutes } from './routes/report';
import { trustRecoveryRoutes } from './routes/trust-recovery';
import { registerSecretGuard } from './secret-guard';

interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /**
   * Bearer tokens (resolved values) with their roles, or `{ disabled: true }`. Defaults to disabled, for tests and
   * embedding; api/main.ts enforces the process rule (tokens, or API_AUTH_DISABLED=true said out loud).
   */
  auth?: AuthOptions;
  /** How long a request waits for a discovery workflow (default 120 s). */
  discoveryTimeoutMs?: number;
  /** The worker's metrics endpoint: GET /metrics appends what it serves (WORKER_METRICS_URL). */
  workerMetricsUrl?: string;
}

export async function buildApp(deps: ApiDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 64 * 1024,
    // Reject unknown fields instead of silently dropping them: a typo must not start a run with defaults. `verbose`
    // lets a problem document quote a field's description instead of a bare regular expression.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, verbose: true } },
  });
  registerProblemHandlers(app);
  // Before any route: the hook must see every request (routes opt out with config.public).
  registerAuth(app, options.auth ?? { disabled: true });
  // After authentication (an anonymous caller learns nothing), before any route sees a body.
  registerSecretGuard(app);
  const metrics = new ApiMetrics(deps, { workerMetricsUrl: options.workerMetricsUrl });
  metrics.register(app);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'cucm-cert-regen API',
        version: '1',
        description:
          'Start, watch and approve CUCM certificate regenerations. Runs are Temporal workflows; watch them in the Temporal UI too. ' +
          'Every /v1 route needs a bearer token (roles: viewer reads, operator starts runs, approver decides gates); ' +
          '/healthz, /readyz, /metrics and /docs are open. Errors are application/problem+json documents.',
      },
      components: { securitySchemes },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const discovery = new DiscoveryService(deps, options.discoveryTimeoutMs ?? 120_000, metrics);
  healthRoutes(app, deps);
  readinessRoutes(app, deps);
  metricsRoutes(app, metrics);
  clusterRoutes(app, deps, discovery);
  regenerationRoutes(app, deps, metrics, discovery);
  gateRoutes(app, deps);
  reportRoutes(app, deps);
  expiryWatchRoutes(app, deps);
  trustRecoveryRoutes(app, deps, discovery, metrics);
  return app;
}
