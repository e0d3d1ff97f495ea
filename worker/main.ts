/**
 * Worker process: connect to Temporal, build the activities' clients from the inventory, run until SIGINT/SIGTERM
 * (the SDK drains in-flight tasks on those signals).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { FileHostKeyStore } from '../activities/host-keys';
import { createActivities } from '../activities';
import { CliSessionPool } from '../activities/cucm/session-pool';
import { lastExpiryReadings, upsertExpirySchedules } from '../clients/expiry-schedules';
import { Client } from '@temporalio/client';
import { connectWorkerConnection } from '../clients/temporal';
import { loadConfig } from '../config';
import { loadInventory } from '../inventory/load';
import { resolveSecret } from '../inventory/secrets';
import { prebuiltWorkflowBundle } from './bundle';
import { createWorker } from './create-worker';
import { WorkerMetrics, serveWorkerMetrics } from './metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.inventoryPath)
    throw new Error('CUCM_INVENTORY is not set: point it at the cluster inventory file (see docs/inventory.md).');
  // Step 1: validate the inventory before taking any task, so a typo fails the start, not a run.
  const inventory = loadInventory(config.inventoryPath);
  // Step 2: metrics (step durations, activity failures), served when WORKER_METRICS_PORT is set (on 127.0.0.1 by default).
  const metrics = new WorkerMetrics();
  const served =
    config.workerMetricsPort !== undefined
      ? await serveWorkerMetrics(metrics, { host: config.workerMetricsHost, port: config.workerMetricsPort })
      : undefined;
  if (served) console.log(`[worker] metrics at ${served.url}`);
  // Step 3: connect and register, with the workflow bundle the build made (or, in development, one made now).
  const workflowBundle = prebuiltWorkflowBundle();
  console.log(
    workflowBundle
      ? `[worker] workflow bundle ${workflowBundle.codePath} (built at build time)`
      : '[worker] bundling the workflows at start (development: no build output beside this code)',
  );
  const connection = await connectWorkerConnection(config);
  // One CLI session per node for every activity of this worker, closed at shutdown (CUCM counts admin sessions).
  const cliPool = new CliSessionPool({ log: (m) => console.log(`[worker] ${m}`) });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      activities: createActivities({
        inventory,
        resolveSecret: (ref) => resolveSecret(ref),
        cliPool,
        risportWorkers: config.risportWorkers,
        risportWindowMs: config.risportWindowMs,
        // Only used by clusters whose inventory says hostKeyPolicy "record-on-first-use".
        hostKeys: new FileHostKeyStore(join(config.dataDir, 'known-hosts.json')),
        notifications: {
          links: {
            apiBaseUrl: config.apiPublicUrl,
            temporalUiUrl: config.temporalUiUrl,
            namespace: config.temporalNamespace,
          },
          onAttempt: (labels) => metrics.notificationDeliveries.inc(labels),
        },
        expiryGauges: metrics,
      }),
      identity: `cucm-cert-regen-worker@${hostname()}:${process.pid}`,
      metrics,
      concurrency: config.workerConcurrency,
      workflowBundle,
    });
    console.log(
      `[worker] polling task queue ${config.taskQueue} on ${config.temporalAddress} (${inventory.clusters.length} cluster(s) in the inventory)`,
    );
    // Step 4: the daily expiry watch of every cluster, as Temporal Schedules. The worker (not the API) owns them:
    // it holds the inventory they are built from, runs the workflow they start on its task queue, and must run
    // for them to do anything; the upsert is idempotent, so several workers (or restarts) agree.
    // A failure here is logged, not fatal: runs already waiting at gates must keep their worker.
    // On the worker's own connection (checked once at connect): no second connection for the Schedules.
    const client = new Client({ connection, namespace: config.temporalNamespace });
    try {
      for (const s of await upsertExpirySchedules(client, inventory, config.taskQueue))
        console.log(
          `[worker] expiry watch schedule ${s.scheduleId} ${s.created ? 'created, its first watch started' : 'updated'}`,
        );
      // The gauges start from each cluster's last watch, not empty until tomorrow's.
      for (const r of await lastExpiryReadings(client, inventory, config.taskQueue)) {
        metrics.recordExpiry(r.reading);
        console.log(`[worker] expiry gauges of ${r.clusterId} restored from its watch of ${r.checkedAt}`);
      }
    } catch (err) {
      console.error(
        `[worker] could not create or update the expiry watch schedules, or restore the expiry gauges from them: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    // Step 5: run until a shutdown signal.
    await worker.run();
  } finally {
    cliPool.close();
    await connection.close();
    await served?.close();
  }
}

main().catch((err: unknown) => {
  console.error(`[worker] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
