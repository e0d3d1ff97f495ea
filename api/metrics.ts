/**
 * Prometheus metrics of the API process, in a registry of its own (one per app, so tests can build several):
 * runs by status and pending gates (counted in Temporal visibility at scrape time), HTTP request durations,
 * discovery durations, and the standard process metrics.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiDeps } from './app';
import { FILTER_STATUSES, countRuns, type RunCounts } from './visibility';

export const METRIC_NAMES = {
  runs: 'cucm_regen_runs',
  gatesPending: 'cucm_regen_gates_pending',
  visibilityUp: 'cucm_regen_visibility_up',
  httpDuration: 'cucm_regen_http_request_duration_seconds',
  discoveryDuration: 'cucm_regen_discovery_duration_seconds',
  idempotentReplays: 'cucm_regen_idempotent_replays_total',
  startsRefused: 'cucm_regen_starts_refused_total',
} as const;

export class ApiMetrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: METRIC_NAMES.httpDuration,
    help: 'HTTP request duration by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });
  readonly discoveryDuration = new Histogram({
    name: METRIC_NAMES.discoveryDuration,
    help: 'Duration of discovery workflows the API ran, by result (ok, failed, timeout).',
    labelNames: ['result'] as const,
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });
  readonly idempotentReplays = new Counter({
    name: METRIC_NAMES.idempotentReplays,
    help: 'Start requests answered with an existing run because of their Idempotency-Key.',
    registers: [this.registry],
  });
  readonly startsRefused = new Counter({
    name: METRIC_NAMES.startsRefused,
    help: 'Start requests refused, by reason (cluster-busy, idempotency-conflict).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor(deps: ApiDeps) {
    collectDefaultMetrics({ register: this.registry });
    // prom-client collects every metric at once: the three visibility gauges share one count per scrape.
    let counting: { at: number; counts: Promise<RunCounts | undefined> } | undefined;
    const counts = () => {
      if (!counting || Date.now() - counting.at > 1_000)
        counting = { at: Date.now(), counts: countRuns(deps).catch(() => undefined) };
      return counting.counts;
    };
    new Gauge({
      name: METRIC_NAMES.runs,
      help: 'Regeneration runs in Temporal visibility (this namespace), by status; running includes awaiting approval.',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const c = await counts();
        if (c) for (const status of FILTER_STATUSES) this.set({ status }, c.byStatus[status]);
      },
    });
    new Gauge({
      name: METRIC_NAMES.gatesPending,
      help: 'Runs stopped at an approval gate (CucmRunPhase = awaiting-approval).',
      registers: [this.registry],
      async collect() {
        const c = await counts();
        if (c) this.set(c.awaitingApproval);
      },
    });
    new Gauge({
      name: METRIC_NAMES.visibilityUp,
      help: '1 if this scrape could count runs in Temporal visibility; 0 if not (the run gauges then keep their last values).',
      registers: [this.registry],
      async collect() {
        this.set((await counts()) ? 1 : 0);
      },
    });
  }

  /** Times every request by its route pattern (not its URL: ids would explode the label set). */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      this.httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
  }
}
