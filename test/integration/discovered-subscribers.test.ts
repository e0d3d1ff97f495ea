/**
 * An inventory that lists the publisher alone: the worker learns the subscribers from the publisher's
 * `show network cluster` and works on them at the addresses CUCM prints, on the publisher's ports. The simulator runs
 * with `addressing: 'loopback'` (node i on 127.0.0.(i+1), one SSH and one HTTPS port for the whole cluster), so the
 * addresses it prints are the ones it listens on. Real SSH, real HTTPS with the pinned tomcat certificate, no mocks.
 */
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../../activities';
import { parseNetworkCluster } from '../../activities/cucm/parsers';
import { MemoryHostKeyStore } from '../../activities/host-keys';
import { parseInventory } from '../../inventory/load';
import type { Inventory } from '../../domain/inventory/types';
import { startSimulator, type ClusterEndpoints, type RunningSimulator } from '../../simulator/cluster-runner';
import { inventoryFromEndpoints } from '../../simulator/inventory';
import { activityRunner } from '../support/activity-runner';
import { runOn } from '../support/cli';
import { startControl, type Control } from '../support/control';
import { secretsOfThisRun } from '../support/simulator';

describe('subscribers learned from the publisher (inventory lists the publisher alone)', function () {
  this.timeout(60_000);
  let sim: RunningSimulator;
  let control: Control;
  let lab: ClusterEndpoints;
  let inventory: Inventory;
  let secrets: Map<string, string>;
  const run = activityRunner();
  /** A fresh worker process's activities: nothing learned yet. */
  const worker = (inv: Inventory, extra: Partial<ActivityDeps> = {}) =>
    createActivities({
      inventory: inv,
      resolveSecret: (ref) => {
        const value = secrets.get(ref);
        if (!value) throw new Error(`unknown secret ${ref}`);
        return value;
      },
      ...extra,
    });
  const endpoint = (name: string) => {
    const node = lab.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  };
  const logins = async (node: string) => (await control.events('lab3', { node, kind: 'ssh-login' })).length;

  before(async () => {
    sim = await startSimulator(
      [
        {
          id: 'lab3',
          version: '14.0.1.13900-155',
          nodes: [
            { name: 'cucm-pub', role: 'publisher' },
            { name: 'cucm-sub1', role: 'subscriber' },
            { name: 'cucm-sub2', role: 'subscriber' },
          ],
        },
      ],
      { timeScale: 0.01, addressing: 'loopback' },
    );
    control = await startControl(sim);
    lab = sim.endpoints.clusters[0]!;
    ({ inventory, secrets } = inventoryFromEndpoints(
      sim.endpoints.clusters,
      (id, user) => `env:TEST_${id.toUpperCase()}_${user === 'axl' ? 'AXL' : 'OS'}_PASSWORD`,
      { subscribers: 'discovered' },
    ));
    for (const value of secrets.values()) secretsOfThisRun.add(value);
    // What an engineer would write: the publisher, and the subscribers' fingerprints by hostname. It must load.
    inventory = parseInventory(JSON.parse(JSON.stringify(inventory)));
  });
  after(async () => {
    await control?.close();
    await sim?.stop();
  });

  it('loopback addressing: each node on its own address and the publisher ports, printed by show network cluster', async () => {
    assert.deepEqual(
      lab.nodes.map((n) => n.host),
      ['127.0.0.1', '127.0.0.2', '127.0.0.3'],
    );
    assert.equal(new Set(lab.nodes.map((n) => n.sshPort)).size, 1);
    assert.equal(new Set(lab.nodes.map((n) => n.httpsPort)).size, 1);
    const [output] = await runOn(sim, 'lab3', 'cucm-pub', 'show network cluster');
    assert.deepEqual(
      parseNetworkCluster(output ?? '').map((m) => [m.ip, m.host, m.role]),
      [
        ['127.0.0.1', 'cucm-pub', 'publisher'],
        ['127.0.0.2', 'cucm-sub1', 'subscriber'],
        ['127.0.0.3', 'cucm-sub2', 'subscriber'],
      ],
    );
    assert.deepEqual(
      inventory.clusters[0]?.nodes.map((n) => n.id),
      ['cucm-pub'],
    );
  });

  it('discoverCluster returns every node, with services and certificates, and no unmanaged node', async () => {
    const activities = worker(inventory);
    const before = await logins('cucm-sub2');
    const d = await run(activities.discoverCluster, 'lab3');
    assert.deepEqual(
      d.nodes.map((n) => [n.id, n.role, n.product]),
      [
        ['cucm-pub', 'publisher', 'callmanager'],
        ['cucm-sub1', 'subscriber', 'callmanager'],
        ['cucm-sub2', 'subscriber', 'callmanager'],
      ],
    );
    assert.deepEqual(d.unmanagedNodes, []);
    assert.deepEqual(d.learnedNodes, ['cucm-sub1', 'cucm-sub2']);
    for (const node of d.nodes) {
      assert.ok(
        node.services.some((s) => s.name === 'Cisco Tomcat' && s.state === 'STARTED'),
        node.id,
      );
      const tomcat = node.certificates.find((c) => c.unit === 'tomcat');
      assert.equal(tomcat?.serial.toLowerCase(), await control.serial('lab3', node.id, 'tomcat'), node.id);
      assert.ok(
        node.certificates.some((c) => c.unit === 'CallManager'),
        node.id,
      );
    }
    assert.ok((await logins('cucm-sub2')) > before, 'the worker logged in to cucm-sub2 at its own address');
    // describeCluster (nodes and roles) knows them too.
    const described = await run(activities.describeCluster, 'lab3');
    assert.deepEqual(
      described.nodes.map((n) => n.id),
      ['cucm-pub', 'cucm-sub1', 'cucm-sub2'],
    );
  });

  it('a fresh worker reads and regenerates on a subscriber it has never met, and verifies tomcat over HTTPS', async () => {
    // No discovery first: the unknown node id makes the worker read the publisher's show network cluster.
    const activities = worker(inventory);
    const ref = { clusterId: 'lab3', nodeId: 'cucm-sub2', unit: 'tomcat' as const };
    const before = await run(activities.readCertificate, ref);
    assert.equal(before.serial.toLowerCase(), await control.serial('lab3', 'cucm-sub2', 'tomcat'));
    const first = await run(activities.regenerateCertificate, { ...ref, serialBefore: before.serial });
    assert.equal(first.regeneratedNow, true);
    assert.notEqual(first.serialAfter, before.serial);
    assert.equal(await control.serial('lab3', 'cucm-sub2', 'tomcat'), first.serialAfter.toLowerCase());
    assert.deepEqual(
      (await control.events('lab3', { kind: 'cert-regenerated' })).map((e) => e.node),
      ['cucm-sub2'],
    );
    // HTTPS at the learned address serves the new certificate once Cisco Tomcat has restarted there.
    assert.deepEqual(
      await run(activities.restartService, { clusterId: 'lab3', nodeId: 'cucm-sub2', service: 'Cisco Tomcat' }),
      { restarted: true },
    );
    const verified = await run(activities.verifyCertificate, { ...ref, expectedSerial: first.serialAfter });
    assert.deepEqual(verified, { ok: true, serial: first.serialAfter, servedSerial: first.serialAfter });
  });

  it('HTTPS to a learned subscriber pins its tomcat certificate read over SSH (certificate REST API)', async () => {
    const activities = worker(inventory);
    // generateCsr on 14 goes straight to the REST API: the node is learned, its tomcat pinned, then HTTPS is used.
    const { csrPem } = await run(activities.generateCsr, { clusterId: 'lab3', nodeId: 'cucm-sub1', unit: 'tomcat' });
    assert.match(csrPem, /-----BEGIN CERTIFICATE REQUEST-----/);
    const csrEvents = await control.events('lab3', { node: 'cucm-sub1', kind: 'csr-generated' });
    assert.equal(csrEvents.length, 1);
    assert.ok(
      (await control.events('lab3', { node: 'cucm-sub1', kind: 'cli-command' })).some(
        (e) => e.detail.command === 'show cert own tomcat',
      ),
      'the pin was read from cucm-sub1 over SSH',
    );
    // Pin read from cucm-sub1, HTTPS to cucm-sub1's address: the publisher saw no CSR request.
    assert.equal((await control.events('lab3', { node: 'cucm-pub', kind: 'csr-generated' })).length, 0);
  });

  it('pinned policy without a fingerprint: a clear non-retryable error naming the node and the field, no login', async () => {
    const bare = structuredClone(inventory);
    delete bare.clusters[0]!.sshHostKeys;
    const activities = worker(bare);
    const before = await logins('cucm-sub1');
    const expected = (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'HostKeyNotPinned');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /Node "cucm-sub1" \(127\.0\.0\.2\) of cluster "lab3"/);
      assert.match(err.message, /"sshHostKeys": \{"cucm-sub1": "SHA256:\.\.\."\}/);
      assert.ok(err.message.includes(`the node presented ${endpoint('cucm-sub1').sshHostKeySha256}`), err.message);
      return true;
    };
    await assert.rejects(
      run(activities.readCertificate, { clusterId: 'lab3', nodeId: 'cucm-sub1', unit: 'tomcat' }),
      expected,
    );
    await assert.rejects(run(activities.discoverCluster, 'lab3'), expected);
    assert.equal(await logins('cucm-sub1'), before, 'no credentials were sent to the unpinned node');
    // The listed publisher is unaffected.
    await run(activities.readCertificate, { clusterId: 'lab3', nodeId: 'cucm-pub', unit: 'tomcat' });
  });

  it('record-on-first-use records the learned nodes’ keys, then enforces them', async () => {
    const tofu = structuredClone(inventory);
    delete tofu.clusters[0]!.sshHostKeys;
    tofu.clusters[0]!.hostKeyPolicy = 'record-on-first-use';
    const hostKeys = new MemoryHostKeyStore();
    const activities = worker(tofu, { hostKeys, warn: () => undefined });
    await run(activities.readCertificate, { clusterId: 'lab3', nodeId: 'cucm-sub1', unit: 'ipsec' });
    assert.equal(hostKeys.get('lab3', 'cucm-sub1'), endpoint('cucm-sub1').sshHostKeySha256);
    assert.equal(hostKeys.get('lab3', 'cucm-sub2'), undefined);
    await run(activities.readCertificate, { clusterId: 'lab3', nodeId: 'cucm-sub1', unit: 'tomcat' });
    // A recorded key is enforced like a pinned one.
    hostKeys.record('lab3', 'cucm-sub2', 'SHA256:not-the-key-cucm-sub2-presents');
    await assert.rejects(
      run(activities.readCertificate, { clusterId: 'lab3', nodeId: 'cucm-sub2', unit: 'tomcat' }),
      (err: unknown) =>
        err instanceof ApplicationFailure && err.nonRetryable && err.type === 'CliError.host-key-mismatch',
    );
  });

  it('listed nodes keep precedence (matched by address too), and an id the publisher does not print is unknown', async () => {
    const partial = structuredClone(inventory);
    const sub1 = endpoint('cucm-sub1');
    partial.clusters[0]!.nodes.push({
      id: 'sub-one',
      role: 'subscriber',
      host: sub1.host,
      sshPort: sub1.sshPort,
      httpsPort: sub1.httpsPort,
      sshHostKeySha256: sub1.sshHostKeySha256,
    });
    const activities = worker(partial);
    const d = await run(activities.discoverCluster, 'lab3');
    assert.deepEqual(
      d.nodes.map((n) => n.id),
      ['cucm-pub', 'sub-one', 'cucm-sub2'],
    );
    assert.deepEqual(d.learnedNodes, ['cucm-sub2']);
    await assert.rejects(
      run(activities.readCertificate, { clusterId: 'lab3', nodeId: 'cucm-sub9', unit: 'tomcat' }),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.nonRetryable &&
        err.type === 'UnknownNode' &&
        /neither listed in the inventory nor printed by the publisher's show network cluster/.test(err.message),
    );
  });
});
