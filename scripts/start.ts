/**
 * `npm start`: the whole system on embedded defaults, as one process tree.
 *
 *   1. the Temporal dev server (SQLite under DATA_DIR, Web UI, our search attributes), unless TEMPORAL_ADDRESS
 *      or the Temporal profile (TEMPORAL_PROFILE, config/temporal.ts) points at an existing Temporal;
 *   2. the CUCM simulator with the demo cluster, unless CUCM_INVENTORY points at a real inventory;
 *   3. the worker;  4. the API.
 *
 * It prints the URLs once GET /healthz answers 200, and stops everything on Ctrl-C (children in reverse order).
 */
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadConfig } from '../config';
import { inventoryFromEndpoints } from '../simulator/inventory';
import type { ClusterEndpoints } from '../simulator/cluster-runner';
import { startDevServer } from './dev-server';
import { startChild, waitUntil, type Child } from './processes';
import { binaryVersion, ensureTemporalBinary } from './temporal-cli';

const root = join(__dirname, '..');
const log = (message: string) => process.stdout.write(`[start] ${message}\n`);

/** A free TCP port on the host (the OS picks it). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

/** Runs a TypeScript entry point of this repo as a child Node process (tsx as the loader). */
function tsChild(name: string, entry: string, args: string[], env: NodeJS.ProcessEnv): Child {
  return startChild(name, process.execPath, ['--import', 'tsx', join(root, entry), ...args], { cwd: root, env });
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig();
  mkdirSync(config.dataDir, { recursive: true });
  const children: Child[] = [];
  let shuttingDown = false;

  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('stopping: API, worker, simulator, Temporal ...');
    for (const child of [...children].reverse()) await child.stop();
    log('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  const supervise = (child: Child) => {
    children.push(child);
    void child.exited.then((code) => {
      if (!shuttingDown) {
        log(`${child.name} exited unexpectedly (${code}); stopping the rest`);
        void shutdown(1);
      }
    });
  };

  try {
    // 1. Temporal
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: config.dataDir };
    let temporalUi: string | undefined;
    if (config.temporalConnection.external) {
      log(
        `using the existing Temporal at ${config.temporalAddress} (namespace ${config.temporalNamespace}, from ${config.temporalConnection.source})`,
      );
    } else {
      const binary = await ensureTemporalBinary('cli', (m) => log(m));
      log(`starting ${binaryVersion(binary)} with SQLite at ${join(config.dataDir, 'temporal.sqlite')}`);
      const t0 = Date.now();
      const server = await startDevServer({
        binary: binary.path,
        ip: config.host,
        port: config.temporalPort,
        uiPort: config.temporalUiPort,
        dbFile: join(config.dataDir, 'temporal.sqlite'),
        namespace: config.temporalNamespace,
      });
      supervise(server.child);
      log(`Temporal dev server ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      temporalUi = `http://${config.host}:${config.temporalUiPort}`;
    }

    // 2. Inventory: the configured one, or the simulator's demo cluster.
    if (!config.inventoryPath) {
      const simDir = join(config.dataDir, 'simulator');
      const endpointsFile = join(simDir, 'endpoints.json');
      rmSync(endpointsFile, { force: true });
      const simConfig = process.env.SIMULATOR_CONFIG ?? join(root, 'simulator', 'configs', 'demo.json');
      const sim = tsChild(
        'simulator',
        'simulator/main.ts',
        [
          '--config',
          simConfig,
          '--endpoints-out',
          endpointsFile,
          '--time-scale',
          process.env.SIMULATOR_TIME_SCALE ?? '1',
          '--host',
          config.host,
        ],
        env,
      );
      supervise(sim);
      await waitUntil('the CUCM simulator', () => Promise.resolve(existsSync(endpointsFile)), {
        timeoutMs: 60_000,
        child: sim,
      });
      const endpoints = (await import(endpointsFile)) as { clusters: ClusterEndpoints[] };
      // The worker reads the simulated passwords from files (file: references), like any other secret.
      const secretsDir = join(config.dataDir, 'secrets');
      mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
      const { inventory, secrets } = inventoryFromEndpoints(
        endpoints.clusters,
        (id, user) => `file:${join(secretsDir, `${id}-${user}`)}`,
      );
      for (const [ref, value] of secrets) {
        writeFileSync(ref.slice('file:'.length), value, { mode: 0o600 });
        chmodSync(ref.slice('file:'.length), 0o600);
      }
      const inventoryPath = join(simDir, 'inventory.json');
      writeFileSync(inventoryPath, JSON.stringify(inventory, null, 2));
      env.CUCM_INVENTORY = inventoryPath;
      log(
        `no CUCM_INVENTORY configured: using the simulator's demo cluster(s) ${inventory.clusters.map((c) => c.id).join(', ')} (inventory ${inventoryPath})`,
      );
    } else {
      log(`using the inventory ${config.inventoryPath}`);
    }

    // A person reads this terminal: the API logs readable lines (LOG_FORMAT=json keeps JSON lines).
    env.LOG_FORMAT ??= 'pretty';
    // 3. Worker, 4. API. Without configured API tokens, the demo runs the API with authentication off, and says so.
    if (!process.env.API_TOKENS) {
      env.API_AUTH_DISABLED ??= 'true';
      log(
        'no API_TOKENS configured: the API runs WITHOUT authentication (development only; set API_TOKENS for real use)',
      );
    }
    // The worker serves its metrics (step durations, activity failures) on loopback; the API appends them to its
    // GET /metrics, so one scrape shows both. A free port unless WORKER_METRICS_PORT says which.
    env.WORKER_METRICS_PORT ||= String(await freePort('127.0.0.1'));
    env.WORKER_METRICS_URL ||= `http://127.0.0.1:${env.WORKER_METRICS_PORT}/metrics`;
    supervise(tsChild('worker', 'worker/main.ts', [], env));
    supervise(tsChild('api', 'api/main.ts', [], env));

    const api = `http://${config.host}:${config.apiPort}`;
    await waitUntil('GET /healthz to answer 200', async () => (await fetch(`${api}/healthz`)).status === 200, {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.stdout.write(
      [
        '',
        `  API          ${api}`,
        `  API docs     ${api}/docs`,
        `  Metrics      ${api}/metrics (with the worker's, from ${env.WORKER_METRICS_URL})`,
        ...(temporalUi ? [`  Temporal UI  ${temporalUi}`] : []),
        `  Data         ${config.dataDir}`,
        '',
        `  Try:  curl -s -XPOST ${api}/v1/clusters/demo/regenerations -H 'content-type: application/json' -d '{"units":["tomcat"]}'`,
        '        (the run stops at its before-start gate: approve it with POST /v1/regenerations/{id}/gates/{gate} or in the',
        '        Temporal UI, or add "approvals": [] to the body; docs/getting-started.md shows a whole session)',
        '  Stop: Ctrl-C',
        '',
      ].join('\n') + '\n',
    );
  } catch (err) {
    log(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
    await shutdown(1);
  }
}

void main();
