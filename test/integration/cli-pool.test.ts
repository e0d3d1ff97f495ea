/**
 * One CLI session per node per worker, observed where a UC engineer would look: the logins the nodes record
 * (the simulator's event log, read over its control API) and the network. A whole unit run logs in once per node;
 * a pooled session the network dropped while idle is reopened without failing the next activity; a caller
 * cancelled while it waits leaves the queue, one cancelled mid-command closes the session.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { CliSessionPool } from '../../activities/cucm/session-pool';
import type { CliTarget } from '../../activities/cucm/cli';
import { activityRunner } from '../support/activity-runner';
import { startControl, type Control } from '../support/control';
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
  let control: Control;
  const run = activityRunner();

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
    control = await startControl(lab.sim);
  });
  after(async () => {
    await control?.close();
    await lab?.sim.stop();
  });

  /** Logins per node since `since`, from the control API's event log. */
  async function logins(since = 0): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const e of await control.events('pool2', { kind: 'ssh-login', since }))
      counts[e.node] = (counts[e.node] ?? 0) + 1;
    return counts;
  }
  const lastSeq = () => control.lastSeq('pool2');
  /** The CLI commands the node received since `since`, as the simulator's log (over its control API) has them. */
  const commandsOn = async (since: number, node?: string) =>
    (await control.events('pool2', { kind: 'cli-command', since, ...(node ? { node } : {}) })).map((e) =>
      String(e.detail.command),
    );
  const slow = (factor: number) => control.fault('pool2', { kind: 'slow', factor });

  it('a CallManager unit run logs in once per node (every activity of the worker shares the session)', async () => {
    const testEnv = await sharedDevServer();
    const taskQueue = uniqueTaskQueue('cli-pool');
    const since = await lastSeq();
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
    const commands = (await commandsOn(since)).length;
    assert.ok(commands > 20, `the run sent ${commands} commands`);
    assert.deepEqual(await logins(since), { pub: 1, sub1: 1 });
  });

  it('a rotation discovers once: each unit run gets its discovery, refreshed where the previous unit changed it', async () => {
    const testEnv = await sharedDevServer();
    const taskQueue = uniqueTaskQueue('cli-pool-rotation');
    const since = await lastSeq();
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
    const pubCommands = await commandsOn(since, 'pub');
    const sub1Commands = await commandsOn(since, 'sub1');
    const count = (list: string[], command: string) => list.filter((c) => c === command).length;
    // `show cert list own` is read by a discovery only: one, for the whole rotation.
    assert.equal(count(pubCommands, 'show cert list own'), 1, 'discoveries on pub');
    assert.equal(count(sub1Commands, 'show cert list own'), 1, 'discoveries on sub1');
    assert.equal(count(pubCommands, 'show version active'), 1, 'version reads on pub');
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
      const since = await lastSeq();
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
    try {
      const since = await lastSeq();
      await pool.lease('pool2/sub1', target).run('show version active');
      await slow(25); // a restart now takes seconds
      const holder = pool.lease('pool2/sub1', target).run('utils service restart Cisco Tftp', { timeoutMs: 60_000 });
      const waiting = new AbortController();
      const queued = pool.lease('pool2/sub1', target, waiting.signal).run('show version active');
      waiting.abort(new Error('cancelled by the test'));
      await assert.rejects(queued, /cancelled by the test/);
      await holder;
      await slow(1);
      await pool.lease('pool2/sub1', target).run('show version active');
      assert.deepEqual(await logins(since), { sub1: 1 }, 'the waiter left; the session stayed');
      const queuedCommands = (await commandsOn(since, 'sub1')).filter((cmd) => cmd === 'show version active');
      assert.equal(queuedCommands.length, 2, 'the cancelled command never reached the node');

      await slow(25);
      const commandsSeqBefore = await lastSeq();
      const midway = new AbortController();
      const running = pool.lease('pool2/sub1', target, midway.signal).run('utils service restart Cisco Tftp', {
        timeoutMs: 60_000,
      });
      // Cancel once the node has the command (it is then running, slowed down), not after a guessed pause.
      await control.nextEvent(
        'pool2',
        (e) => e.kind === 'cli-command' && e.node === 'sub1' && e.detail.command === 'utils service restart Cisco Tftp',
        'the second restart reaching sub1',
        commandsSeqBefore,
      );
      midway.abort(new Error('cancelled mid-command'));
      await assert.rejects(running);
      await slow(1);
      await pool.lease('pool2/sub1', target).run('show version active');
      assert.deepEqual(await logins(since), { sub1: 2 }, 'a new session after the cancelled command');
    } finally {
      await slow(1);
      pool.close();
    }
    assert.equal(pool.openSessions, 0);
  });
});
