/**
 * One CLI session per node per worker, observed where a UC engineer would look: the logins the nodes record
 * (the simulator's event log, read over its control API) and the network. A whole unit run logs in once per node;
 * a pooled session the network dropped while idle is reopened without failing the next activity; a caller
 * cancelled while it waits leaves the queue, one cancelled mid-command closes the session.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { CliSessionPool } from '../../activities/cucm/session-pool';
import type { CliTarget } from '../../activities/cucm/cli';
import { startControlApi } from '../../simulator/control-api';
import { createWorker } from '../../worker/create-worker';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { rotateCluster } from '../../workflows/rotate-cluster';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

/** A TCP relay in front of a node's SSH port whose connections the test can cut (a network drop). */
async function relay(host: string, port: number): Promise<{ port: number; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    const outbound = connect(port, host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('CLI session pool: one session per node per worker', function () {
  this.timeout(120_000);
  let lab: SimulatedCluster;
  let control: Awaited<ReturnType<typeof startControlApi>>;
  let controlUrl: string;
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  // MockActivityEnvironment.run loses the activity's types; keep them.
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
    env.run<A, R, (...args: A) => Promise<R>>(fn, ...args);

  before(async () => {
    lab = await startSimulatedCluster([
      {
        id: 'pool2',
        version: '14.0.1.13900-155',
        nodes: [
          { name: 'pub', role: 'publisher' },
          { name: 'sub1', role: 'subscriber' },
        ],
        phones: { count: 20, registerDelayMs: [200, 500] },
      },
    ]);
    control = await startControlApi(lab.sim, { host: '127.0.0.1', port: 0 });
    controlUrl = `http://127.0.0.1:${(control.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await control?.close();
    await lab?.sim.stop();
  });

  /** Logins per node since `since`, from the control API's event log. */
  async function logins(since = 0): Promise<Record<string, number>> {
    const res = await fetch(`${controlUrl}/clusters/pool2/events?kind=ssh-login&since=${since}`);
    const events = (await res.json()) as Array<{ node: string }> | { events: Array<{ node: string }> };
    const list = Array.isArray(events) ? events : events.events;
    const counts: Record<string, number> = {};
    for (const e of list) counts[e.node] = (counts[e.node] ?? 0) + 1;
    return counts;
  }
  const lastSeq = () => lab.sim.cluster('pool2').events.length;

  it('a CallManager unit run logs in once per node (every activity of the worker shares the session)', async () => {
    const testEnv = await sharedDevServer();
    const taskQueue = uniqueTaskQueue('cli-pool');
    const since = lastSeq();
    const worker: Worker = await createWorker({
      connection: testEnv.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities(lab.activityDeps),
      workflowBundle: await sharedWorkflowBundle(),
    });
    const result = await worker.runUntil(
      testEnv.client.workflow.execute(regenerateCertificate, {
        workflowId: `cli-pool-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'pool2', units: ['CallManager'], approvals: [], registrationPollSeconds: 1 }],
      }),
    );
    assert.equal(result.nodes.length, 2);
    const commands = lab.sim.cluster('pool2').events.list({ kind: 'cli-command', since }).length;
    assert.ok(commands > 20, `the run sent ${commands} commands`);
    assert.deepEqual(await logins(since), { pub: 1, sub1: 1 });
  });

  it('a rotation discovers once: each unit run gets its discovery, refreshed where the previous unit changed it', async () => {
    const testEnv = await sharedDevServer();
    const taskQueue = uniqueTaskQueue('cli-pool-rotation');
    const since = lastSeq();
    const c = lab.sim.cluster('pool2');
    const worker: Worker = await createWorker({
      connection: testEnv.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities(lab.activityDeps),
      workflowBundle: await sharedWorkflowBundle(),
    });
    const results = await worker.runUntil(
      testEnv.client.workflow.execute(rotateCluster, {
        workflowId: `cli-pool-rotation-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'pool2', units: ['tomcat', 'tomcat-ECDSA'], approvals: [], registrationPollSeconds: 1 }],
      }),
    );
    assert.deepEqual(
      results.map((r) => r.nodes.every((n) => n.regeneratedNow)),
      [true, true],
    );
    const commands = (node: string, command: string) =>
      c.events.list({ kind: 'cli-command', since, node }).filter((e) => e.detail.command === command).length;
    // `show cert list own` is read by a discovery only: one, for the whole rotation.
    assert.equal(commands('pub', 'show cert list own'), 1);
    assert.equal(commands('sub1', 'show cert list own'), 1);
    assert.equal(commands('pub', 'show version active'), 1);
    assert.deepEqual(await logins(since), { pub: 1, sub1: 1 });
  });

  it('reopens a pooled session the network dropped while idle, without failing the activity', async () => {
    const pub = lab.inventory.clusters[0]!.nodes.find((n) => n.id === 'pub')!;
    const cut = await relay(pub.host, pub.sshPort);
    try {
      const inventory = structuredClone(lab.inventory);
      inventory.clusters[0]!.nodes.find((n) => n.id === 'pub')!.sshPort = cut.port;
      const activities = createActivities({ ...lab.activityDeps, inventory });
      const ref = { clusterId: 'pool2', nodeId: 'pub', unit: 'tomcat' as const };
      const since = lastSeq();
      const first = await run(activities.readCertificate, ref);
      cut.cut(); // the idle session's TCP connection is gone
      const second = await run(activities.readCertificate, ref);
      const third = await run(activities.readCertificate, ref);
      assert.equal(second.serial, first.serial);
      assert.equal(third.serial, first.serial);
      assert.deepEqual(await logins(since), { pub: 2 }, 'one login, one reopen after the drop, then reuse');
    } finally {
      await cut.close();
    }
  });

  it('a caller cancelled while waiting leaves the queue; one cancelled mid-command closes the session', async () => {
    const node = lab.sim.endpoints.clusters[0]!.nodes.find((n) => n.name === 'sub1')!;
    const target: CliTarget = {
      label: 'sub1',
      host: node.host,
      port: node.sshPort,
      username: node.username,
      password: node.password,
      hostKeySha256: node.sshHostKeySha256,
    };
    const pool = new CliSessionPool();
    const c = lab.sim.cluster('pool2');
    try {
      const since = lastSeq();
      await pool.lease('pool2/sub1', target).run('show version active');
      c.injectFault({ kind: 'slow', factor: 25 }); // a restart now takes seconds
      const holder = pool.lease('pool2/sub1', target).run('utils service restart Cisco Tftp', { timeoutMs: 60_000 });
      const waiting = new AbortController();
      const queued = pool.lease('pool2/sub1', target, waiting.signal).run('show version active');
      waiting.abort(new Error('cancelled by the test'));
      await assert.rejects(queued, /cancelled by the test/);
      await holder;
      c.injectFault({ kind: 'slow', factor: 1 });
      await pool.lease('pool2/sub1', target).run('show version active');
      assert.deepEqual(await logins(since), { sub1: 1 }, 'the waiter left; the session stayed');
      const queuedCommands = c.events
        .list({ kind: 'cli-command', since, node: 'sub1' })
        .map((e) => e.detail.command)
        .filter((cmd) => cmd === 'show version active');
      assert.equal(queuedCommands.length, 2, 'the cancelled command never reached the node');

      c.injectFault({ kind: 'slow', factor: 25 });
      const midway = new AbortController();
      const running = pool.lease('pool2/sub1', target, midway.signal).run('utils service restart Cisco Tftp', {
        timeoutMs: 60_000,
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      midway.abort(new Error('cancelled mid-command'));
      await assert.rejects(running);
      c.injectFault({ kind: 'slow', factor: 1 });
      await pool.lease('pool2/sub1', target).run('show version active');
      assert.deepEqual(await logins(since), { sub1: 2 }, 'a new session after the cancelled command');
    } finally {
      c.injectFault({ kind: 'slow', factor: 1 });
      pool.close();
    }
    assert.equal(pool.openSessions, 0);
  });
});
