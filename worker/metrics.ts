/**
 * Prometheus metrics of the worker process, where the steps run: how long each activity (a step of a run) took and
 * how activities failed, recorded by an activity interceptor in a registry of the worker's own. The worker serves
 * the registry on WORKER_METRICS_PORT (loopback); the API appends it to its /metrics (WORKER_METRICS_URL), so one
 * scrape shows both.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExpiryGauges } from '../activities/expiry-gauges';
import type { ExpiryReading } from '../domain/certificates';

export const WORKER_METRIC_NAMES = {
  stepDuration: 'cucm_regen_step_duration_seconds',
  activityFailures: 'cucm_regen_activity_failures_total',
  notificationDeliveries: 'cucm_notification_deliveries_total',
  certificateExpiryDays: 'cucm_certificate_expiry_days',
  expiredTrustCertificates: 'cucm_expired_trust_certificates',
} as const;

/** The process metrics of the worker carry this prefix, so they never clash with the API's in a federated scrape. */
const WORKER_PROCESS_METRICS_PREFIX = 'cucm_regen_worker_';

/**
 * What kind of failure an activity threw, as a bounded label: the ApplicationFailure type (e.g. `CliError.timeout`,
 * `HttpError.unavailable`, `PlanRefused`), `cancelled`, or the error's class name for anything else.
 */
function failureType(err: unknown): string {
  if (err instanceof ApplicationFailure) return err.type ?? 'ApplicationFailure';
  if (err instanceof CancelledFailure) return 'cancelled';
  if (err instanceof Error) return err.name || 'Error';
  return typeof err;
}

export class WorkerMetrics implements ExpiryGauges {
  readonly registry = new Registry();
  readonly stepDuration = new Histogram({
    name: WORKER_METRIC_NAMES.stepDuration,
    help: 'Duration of one activity attempt (a step of a run) in the worker, by activity type and result (ok, failed, cancelled).',
    labelNames: ['activity_type', 'result'] as const,
    // From a quick CLI command to a restart of Cisco Tomcat and the wait for phones to register again.
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });
  readonly activityFailures = new Counter({
    name: WORKER_METRIC_NAMES.activityFailures,
    help: 'Activity attempts that failed, by activity type and failure type (the ApplicationFailure type, e.g. CliError.timeout, or the error class). A cancelled attempt is not a failure.',
    labelNames: ['activity_type', 'failure_type'] as const,
    registers: [this.registry],
  });

  readonly notificationDeliveries = new Counter({
    name: WORKER_METRIC_NAMES.notificationDeliveries,
    help: 'Notification delivery attempts by cluster, channel id, channel kind and outcome (delivered, failed). A failing channel never fails a run; this is where it shows.',
    labelNames: ['cluster', 'channel', 'kind', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly certificateExpiryDays = new Gauge({
    name: WORKER_METRIC_NAMES.certificateExpiryDays,
    help: "Whole days until a node's certificate unit expires (negative once expired), as the last expiry watch of the cluster read it.",
    labelNames: ['cluster', 'node', 'unit'] as const,
    registers: [this.registry],
  });
  readonly expiredTrustCertificates = new Gauge({
    name: WORKER_METRIC_NAMES.expiredTrustCertificates,
    help: "Expired certificates in a node's trust stores (copies of the five base units not counted), as the last expiry watch of the cluster read them.",
    labelNames: ['cluster', 'node'] as const,
    registers: [this.registry],
  });
  /** The label sets last recorded per cluster, so a reading replaces the cluster's previous one. */
  private readonly recorded = new Map<
    string,
    { certs: Array<Record<'cluster' | 'node' | 'unit', string>>; nodes: string[] }
  >();

  recordExpiry(reading: ExpiryReading): void {
    const cluster = reading.clusterId;
    const before = this.recorded.get(cluster);
    for (const labels of before?.certs ?? []) this.certificateExpiryDays.remove(labels);
    for (const node of before?.nodes ?? []) this.expiredTrustCertificates.remove({ cluster, node });
    const certs = reading.certificates.map((c) => ({ cluster, node: c.node, unit: c.unit }));
    reading.certificates.forEach((c, i) => this.certificateExpiryDays.set(certs[i]!, c.daysLeft));
    for (const t of reading.expiredTrust) this.expiredTrustCertificates.set({ cluster, node: t.node }, t.count);
    this.recorded.set(cluster, { certs, nodes: reading.expiredTrust.map((t) => t.node) });
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: WORKER_PROCESS_METRICS_PREFIX });
  }

  /** The worker interceptor: times every activity attempt and counts its failure. */
  readonly interceptor: ActivityInterceptorsFactory = (ctx: Context) => ({
    inbound: {
      execute: async (input, next) => {
        const activityType = ctx.info.activityType;
        const end = this.stepDuration.startTimer({ activity_type: activityType });
        try {
          const result = await next(input);
          end({ result: 'ok' });
          return result;
        } catch (err) {
          const type = failureType(err);
          if (type === 'cancelled' || ctx.cancellationSignal.aborted) {
            end({ result: 'cancelled' });
          } else {
            end({ result: 'failed' });
            this.activityFailures.inc({ activity_type: activityType, failure_type: type });
          }
          throw err;
        }
      },
    },
  });
}

/** Serves the registry at GET /metrics (anything else: 404). Resolves once listening; `port` 0 picks a free one. */
export async function serveWorkerMetrics(
  metrics: WorkerMetrics,
  options: { host?: string; port: number },
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: unknown) =>
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
