/**
 * Simulator figures (run in a fresh process so the memory figure is the simulator's own):
 *   - start-up time and resident memory of a 3-node cluster with 40,000 phones (targets: < 5 s, < 500 MB)
 *   - a bulk reset of all 40,000 phones until every one is registered again (time scale 0.001)
 */
import { performance } from 'node:perf_hooks';
import { startSimulator } from '../simulator/cluster-runner';

const print = (name: string, value: string) => console.log(`${name.padEnd(58)} ${value}`);

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const sim = await startSimulator(
    [
      {
        id: 'big',
        version: '14.0.1.13900-155',
        securityMode: 1,
        nodes: [
          { name: 'pub', role: 'publisher' },
          { name: 'sub1', role: 'subscriber' },
          { name: 'sub2', role: 'subscriber' },
        ],
        phones: { count: 40_000, registerDelayMs: [5000, 40000] },
        // Unthrottled here: this measures how fast the simulator serves RisPort, not CUCM's limit.
        risport: { requestsPerMinute: 1_000_000, windowMs: 60_000 },
      },
    ],
    { timeScale: 0.001 },
  );
  const startup = performance.now() - t0;
  global.gc?.();
  const rss = process.memoryUsage().rss;
  print('simulator start-up, 3 nodes, 40,000 phones', `${(startup / 1000).toFixed(2)} s`);
  print(
    'resident memory after start-up (process total)',
    `${(rss / 1048576).toFixed(0)} MiB (${((rss - rssBefore) / 1048576).toFixed(0)} MiB for the simulator)`,
  );

  // RisPort throughput with the product's client (node-soap from the WSDL), 1000 devices per reply.
  const { inventoryFromEndpoints } = await import('../simulator/inventory');
  const { ActivityContext } = await import('../activities/context');
  const { inventory, secrets } = inventoryFromEndpoints(sim.endpoints.clusters, (id, user) => `env:${id}_${user}`);
  inventory.clusters[0]!.risportRequestsPerMinute = 18;
  const ctx = new ActivityContext({ inventory, resolveSecret: (ref) => secrets.get(ref) ?? '', risportWindowMs: 1 });
  const risport = ctx.risport('big');
  await risport.page([], '');
  const t2 = performance.now();
  let stateInfo = '';
  let served = 0;
  for (let i = 0; i < 40; i++) {
    const page = await risport.page([], stateInfo);
    served += page.devices.length;
    stateInfo = page.stateInfo;
    if (!stateInfo) break;
  }
  const elapsed = (performance.now() - t2) / 1000;
  print(
    'RisPort selectCmDeviceExt served (1000 devices per reply)',
    `${(risport.stats.requests - 1) / elapsed > 0 ? ((risport.stats.requests - 1) / elapsed).toFixed(1) : '?'} requests/s, ${(served / elapsed).toFixed(0)} devices/s`,
  );

  const cluster = sim.cluster('big');
  const t1 = performance.now();
  for (const phone of cluster.phones.list) cluster.phones.reset(phone, 'bench');
  while (cluster.phones.counts().Registered < 40_000) await new Promise((r) => setTimeout(r, 10));
  print(
    'bulk reset of 40,000 phones until all registered (x0.001)',
    `${(performance.now() - t1).toFixed(0)} ms (40 s real delay max, scaled to 40 ms)`,
  );
  print('event log entries after the reset', String(cluster.events.length));
  await sim.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
