/**
 * Runs the CUCM simulator standalone:
 *   npm run start:simulator -- --config simulator/demo-cluster.json --endpoints-out .data/simulator/endpoints.json
 * and writes the endpoints (with the simulated credentials) once every node listens.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from './cluster-runner';
import type { ClusterConfig } from './model';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'simulator/demo-cluster.json' },
      'endpoints-out': { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      host: { type: 'string', default: '127.0.0.1' },
    },
  });
  const config = JSON.parse(readFileSync(values.config, 'utf8')) as { clusters: ClusterConfig[] };
  const timeScale = Number(values['time-scale']);
  if (!(timeScale >= 0)) throw new Error(`--time-scale must be a number >= 0, got ${values['time-scale']}`);
  const sim = await startSimulator(config.clusters, { host: values.host, timeScale });
  if (values['endpoints-out']) {
    mkdirSync(dirname(values['endpoints-out']), { recursive: true });
    writeFileSync(values['endpoints-out'], JSON.stringify(sim.endpoints, null, 2), { mode: 0o600 });
  }
  for (const c of sim.endpoints.clusters) {
    for (const n of c.nodes)
      console.log(
        `[simulator] ${c.id}/${n.name} (${n.role}, CUCM ${c.version}): ssh ${n.username}@${n.host} -p ${n.sshPort}`,
      );
  }
  const stop = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`[simulator] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
