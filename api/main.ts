/**
 * API process: load the configuration and inventory, connect to Temporal, listen.
 */
import { connectClient } from '../clients/temporal';
import { loadConfig } from '../config';
import { loadInventory } from '../inventory/load';
import { buildApp } from './app';

async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.inventoryPath)
    throw new Error('CUCM_INVENTORY is not set: point it at the cluster inventory file (see README).');
  const inventory = loadInventory(config.inventoryPath);
  const temporal = await connectClient(config);
  const app = await buildApp(
    { temporal, namespace: config.temporalNamespace, taskQueue: config.taskQueue, inventory },
    // Request logs without bodies or headers: nothing secret ends up in them.
    { logger: { level: process.env.LOG_LEVEL ?? 'info' } },
  );
  await app.listen({ host: config.host, port: config.apiPort });
  const shutdown = () => {
    void app
      .close()
      .then(() => temporal.connection.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(`[api] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
