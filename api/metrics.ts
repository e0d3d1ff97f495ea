/**
 * Prometheus metrics of the API process, in a registry of its own (one per app, so tests can build several):
 * runs by status and pending gates (counted in Temporal visibility at scrape time), HTTP request durations,
 * discovery durations, and the standard process metrics. With a worker metrics URL (WORKER_METRICS_URL), the
 * exposition appends the worker's metrics (step durations, activity failures: worker/metrics.ts), so one scrape
 * shows the whole service; `cucm_regen_worker_metrics_up` says whether that part could be read.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ApiDeps } from './deps';
import { FILTER_STATUSES, countRuns, type RunCounts } from './visibility';

export const METRIC_NAMES = {
  runs: 'cucm_regen_runs',
  gatesPending: 'cucm_regen_gates_pending',
  visibilityUp: 'cucm_regen_visibility_up',
  httpDuration: 'cucm_regen_http_request_duration_seconds',
  discoveryDuration: 'cucm_regen_discovery_duration_seconds',
  idempotentReplays: 'cucm_regen_idempotent_replays_total',
  startsRefused: 'cucm_regen_starts_refused_total',
  workerMetricsUp: 'cucm_regen_worker_metrics_up',
} as const;

/** Sent when the API scrapes the worker: an API receiving it does not federate in turn. */
export const FEDERATION_HEADER = 'x-cucm-regen-federation';

/** How long a scrape waits for the worker's metrics before answering with the API's own. */
const WORKER_SCRAPE_TIMEOUT_MS = 2_000;

interface ApiMetricsOptions {
  /** The worker's metrics endpoint (e.g. http://127.0.0.1:9464/metrics), appended to every exposition. */
  workerMetricsUrl?: string;
}

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
    help: 'Start requests refused, by reason (cluster-busy, idempotency-conflict, change-freeze).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly workerMetricsUrl?: string;
  /** The worker's metrics of the scrape in progress (fetched once per exposition, shared with the up gauge). */
  private workerScrape?: Promise<string | undefined>;

  constructor(deps: ApiDeps, options: ApiMetricsOptions = {}) {
    this.workerMetricsUrl = options.workerMetricsUrl;
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
    if (this.workerMetricsUrl) {
      const scrapeOfThisExposition = () => this.workerScrape ?? Promise.resolve(undefined);
      new Gauge({
        name: METRIC_NAMES.workerMetricsUp,
        help: `1 if this scrape could read the worker's metrics (${this.workerMetricsUrl}) and appended them; 0 if not (step durations and activity failures are then missing).`,
        registers: [this.registry],
        async collect() {
          this.set((await scrapeOfThisExposition()) !== undefined ? 1 : 0);
        },
      });
    }
  }

  /** The Prometheus text of this process, followed by the worker's when a worker URL is configured. */
  async exposition(options: { federate?: boolean } = {}): Promise<string> {
    if (!this.workerMetricsUrl || options.federate === false) return this.registry.metrics();
    const scrape = this.fetchWorker(this.workerMetricsUrl);
    this.workerScrape = scrape;
    const [own, worker] = await Promise.all([this.registry.metrics(), scrape]);
    if (!worker) return own;
    return `${own.endsWith('\n') ? own : `${own}\n`}${worker.endsWith('\n') ? worker : `${worker}\n`}`;
  }

  private async fetchWorker(url: string): Promise<string | undefined> {
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(WORKER_SCRAPE_TIMEOUT_MS),
        // Should the URL point at an API by mistake, that API answers with its own metrics only (no loop).
        headers: { [FEDERATION_HEADER]: '1' },
      });
      if (!response.ok) return undefined;
      return await response.text();
    } catch {
      return undefined;
    }
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
