/**
 * `npm run bench`: figures for the foundation, printed, never asserted.
 *   - Temporal dev server start time (SQLite file, UI on), cold and warm (existing database)
 *   - workflow bundle time
 *   - walking skeleton end to end (API → Temporal → worker → SSH → simulator), simulator delays at 0 and at 1/10th
 *   - simulator start-up and SSH session open time
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bundleWorkflowCode, DefaultLogger, Runtime, NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app';
import { CliSession } from '../activities/cucm/cli';
import { createActivities } from '../activities';
import { startDevServer } from '../scripts/dev-server';
import { ensureTemporalBinary } from '../scripts/temporal-cli';
import { startSimulator } from '../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../simulator/inventory';
import { workflowsPath } from '../worker/bundle';
import { createWorker } from '../worker/create-worker';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const quiet = () => undefined;
const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;
const print = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);

async function main(): Promise<void> {
  const binary = await ensureTemporalBinary('cli', quiet);
  const dir = mkdtempSync(join(tmpdir(), 'ccr-bench-'));
  const base = {
    binary: binary.path,
    ip: '127.0.0.1',
    port: 27233,
    uiPort: 28233,
    dbFile: join(dir, 'temporal.sqlite'),
    namespace: 'default',
  };

  let t0 = performance.now();
  let server = await startDevServer(base);
  print('dev server start, new SQLite database, UI on', ms(t0));
  await server.stop();
  t0 = performance.now();
  server = await startDevServer(base);
  print('dev server start, existing SQLite database, UI on', ms(t0));

  t0 = performance.now();
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath,
    logger: { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet, log: quiet },
  });
  print('workflow bundle (webpack)', ms(t0));

  for (const timeScale of [0, 0.1]) {
    t0 = performance.now();
    const sim = await startSimulator(
      [{ id: 'bench', version: '14.0.1.13900-155', nodes: [{ name: 'pub', role: 'publisher' }] }],
      { timeScale },
    );
    print(`simulator start, 1 node (time scale ${timeScale})`, ms(t0));
    const node = sim.endpoints.clusters[0]!.nodes[0]!;
    t0 = performance.now();
    const cli = await CliSession.open({
      label: 'pub',
      host: node.host,
      port: node.sshPort,
      username: node.username,
      password: node.password,
      hostKeySha256: node.sshHostKeySha256,
    });
    print(`SSH session open to first admin: prompt (time scale ${timeScale})`, ms(t0));
    cli.close();

    const { inventory, secrets } = inventoryFromEndpoints(sim.endpoints.clusters, (id, user) => `env:${id}_${user}`);
    const connection = await NativeConnection.connect({ address: `127.0.0.1:${base.port}` });
    const taskQueue = `bench-${timeScale}`;
    const worker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue,
      workflowBundle,
      activities: createActivities({ inventory, resolveSecret: (ref) => secrets.get(ref) ?? '' }),
    });
    const running = worker.run();
    const client = new Client({ connection: await Connection.connect({ address: `127.0.0.1:${base.port}` }) });
    const app = await buildApp({ temporal: client, namespace: 'default', taskQueue, inventory });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });

    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      t0 = performance.now();
      const started = (await (
        await fetch(`${url}/v1/clusters/bench/regenerations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"units":["tomcat"],"approvals":[]}',
        })
      ).json()) as { id: string };
      for (;;) {
        const doc = (await (await fetch(`${url}/v1/regenerations/${started.id}`)).json()) as { status: string };
        if (doc.status !== 'running') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      samples.push(performance.now() - t0);
    }
    print(
      `skeleton regeneration end to end, POST to completed (time scale ${timeScale})`,
      samples.map((s) => `${s.toFixed(0)} ms`).join(', '),
    );
    await app.close();
    worker.shutdown();
    await running;
    await client.connection.close();
    await connection.close();
    await sim.stop();
  }
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
  print('resident memory of this bench process at the end', `${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
