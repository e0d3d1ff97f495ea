/**
 * The compose `demo` profile's entry (Dockerfile target `demo`; never in the production image): runs the CUCM
 * simulator on every interface of its container and writes what the production worker and API need to reach it,
 * into OUT_DIR (default /demo-out, a volume):
 *   inventory.json   the simulated clusters, every node at DEMO_HOST (the service's name on the compose network),
 *                    secrets referenced as file:/run/cucm-secrets/<cluster>-<user> (where compose mounts them);
 *   secrets/         those files (the simulated passwords; readable by the worker's user in its own container).
 * Copy them out with `docker compose cp cucm-simulator:/demo-out ./demo-out`, then start the system with
 * CUCM_INVENTORY_FILE=./demo-out/inventory.json CUCM_SECRETS_DIR=./demo-out/secrets (docs/operations.md, docker-compose).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSimulator } from '../simulator/cluster-runner';
import { startControlApi } from '../simulator/control-api';
import { inventoryFromEndpoints } from '../simulator/inventory';
import type { ClusterConfig } from '../simulator/model';

async function main(): Promise<void> {
  const configPath = process.env.SIMULATOR_CONFIG ?? join(__dirname, '..', 'simulator', 'configs', 'demo.json');
  const outDir = process.env.OUT_DIR ?? '/demo-out';
  const advertised = process.env.DEMO_HOST ?? 'cucm-simulator';
  const timeScale = Number(process.env.SIMULATOR_TIME_SCALE ?? '1');
  const { clusters } = JSON.parse(readFileSync(configPath, 'utf8')) as { clusters: ClusterConfig[] };
  const sim = await startSimulator(clusters, { host: '0.0.0.0', timeScale });
  const control = await startControlApi(sim, { host: '0.0.0.0', port: Number(process.env.CONTROL_PORT ?? '9000') });

  const { inventory, secrets } = inventoryFromEndpoints(
    sim.endpoints.clusters.map((c) => ({ ...c, nodes: c.nodes.map((n) => ({ ...n, host: advertised })) })),
    (id, user) => `file:/run/cucm-secrets/${id}-${user}`,
  );
  mkdirSync(join(outDir, 'secrets'), { recursive: true });
  for (const [ref, value] of secrets)
    writeFileSync(join(outDir, 'secrets', ref.slice('file:/run/cucm-secrets/'.length)), value, { mode: 0o644 });
  // Written whole then renamed: a reader never sees half a file.
  writeFileSync(join(outDir, 'inventory.json.tmp'), JSON.stringify(inventory, null, 2));
  renameSync(join(outDir, 'inventory.json.tmp'), join(outDir, 'inventory.json'));
  for (const c of sim.endpoints.clusters)
    for (const n of c.nodes)
      console.log(`[demo] ${c.id}/${n.name}: ssh ${advertised}:${n.sshPort}, https ${advertised}:${n.httpsPort}`);
  console.log(`[demo] inventory and secrets in ${outDir}; control API ${control.listeningOrigin}`);

  const stop = () => void Promise.all([sim.stop(), control.close()]).then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`[demo] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
