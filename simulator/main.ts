/**
 * Runs the CUCM simulator standalone:
 *   npm run simulator -- --config simulator/configs/lab-14-mixed-3node.json --endpoints-out /tmp/endpoints.json
 * writes the endpoints (with the simulated credentials) once every node listens, and serves the control API.
 * `--addressing loopback --https-port 8443 --ssh-port 22` puts node i of each cluster on 127.0.0.(i+1) with the real
 * ports, as clients that assume 8443 (ciscoris, Cisco's DevNet samples) expect; `--also-https-port 443` serves the
 * same HTTPS on 443 too, where public clients call the certificate REST API.
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
      addressing: { type: 'string', default: 'ports' },
      'ssh-port': { type: 'string' },
      'https-port': { type: 'string' },
      'also-https-port': { type: 'string' },
    },
  });
  const addressing = values.addressing;
  if (addressing !== 'ports' && addressing !== 'loopback')
    throw new Error(`--addressing must be ports or loopback, got ${addressing}`);
  const port = (name: 'ssh-port' | 'https-port' | 'also-https-port'): number | undefined => {
    const text = values[name];
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${name} must be a port number, got ${text}`);
    if (addressing !== 'loopback') throw new Error(`--${name} needs --addressing loopback (one address per node)`);
    return n;
  };
  const sshPort = port('ssh-port');
  const httpsPort = port('https-port');
  const alsoHttpsPort = port('also-https-port');
  const config = JSON.parse(readFileSync(values.config, 'utf8')) as { clusters: ClusterConfig[] };
  const timeScale = Number(values['time-scale']);
  if (!(timeScale >= 0)) throw new Error(`--time-scale must be a number >= 0, got ${values['time-scale']}`);
  const started = Date.now();
  const sim = await startSimulator(config.clusters, {
    host: values.host,
    timeScale,
    addressing,
    sshPort,
    httpsPort,
    alsoHttpsPort,
  });
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
