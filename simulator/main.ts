/**
 * Runs the CUCM simulator standalone:
 *   npm run simulator -- --config simulator/configs/lab-14-mixed-3node.json --endpoints-out /tmp/endpoints.json
 * writes the endpoints (with the simulated credentials) once every node listens, and serves the control API.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from './cluster-runner';
import { startControlApi } from './control-api';
import type { ClusterConfig } from './model';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string', default: 'simulator/configs/demo.json' },
      'endpoints-out': { type: 'string' },
      'time-scale': { type: 'string', default: '1' },
      host: { type: 'string', default: '127.0.0.1' },
      'control-port': { type: 'string', default: '0' },
    },
  });
  const config = JSON.parse(readFileSync(values.config, 'utf8')) as { clusters: ClusterConfig[] };
  const timeScale = Number(values['time-scale']);
  if (!(timeScale >= 0)) throw new Error(`--time-scale must be a number >= 0, got ${values['time-scale']}`);
  const started = Date.now();
  const sim = await startSimulator(config.clusters, { host: values.host, timeScale });
  const control = await startControlApi(sim, { host: values.host, port: Number(values['control-port']) });
  const controlUrl = control.listeningOrigin;
  if (values['endpoints-out']) {
    mkdirSync(dirname(values['endpoints-out']), { recursive: true });
    // Written whole then renamed: a reader never sees half a file.
    const tmp = `${values['endpoints-out']}.tmp`;
    writeFileSync(tmp, JSON.stringify({ ...sim.endpoints, control: controlUrl }, null, 2), { mode: 0o600 });
    renameSync(tmp, values['endpoints-out']);
  }
  for (const c of sim.clusters) {
    console.log(
      `[simulator] cluster ${c.config.id}: CUCM ${c.config.version}, ${c.mixedMode ? 'mixed mode' : 'non-secure'}, ${c.phones.list.length} phones`,
    );
  }
  for (const c of sim.endpoints.clusters) {
    for (const n of c.nodes)
      console.log(
        `[simulator]   ${n.name} (${n.role}): ssh ${n.username}@${n.host} -p ${n.sshPort}, https://${n.host}:${n.httpsPort}/`,
      );
  }
  console.log(`[simulator] control API ${controlUrl}; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const stop = () => {
    void Promise.all([sim.stop(), control.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`[simulator] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
