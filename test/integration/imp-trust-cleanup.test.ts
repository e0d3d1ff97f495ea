/**
 * Issue 12 part 6: the trust cleanup on a cluster with an IM&P node. Before 12.0, TN 214231 stops Platform
 * Administration Web Services and Cisco Intercluster Sync Agent on each IM&P node while its trust certificates are
 * deleted, and starts them after; from 12.0 it does not. Seen in the simulator's event log (control API), every layer
 * real (dev server, worker, SSH).
 */
import assert from 'node:assert/strict';
import { cleanupExpiredTrust, IMP_CLEANUP_SERVICES } from '../../workflows/cleanup-expired-trust';
import type { SimEvent } from '../support/control';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { startLabWorker, type LabWorker } from '../support/lab-worker';
import { sharedDevServer } from '../support/temporal';

const withImp = (id: string, version: string) => ({
  id,
  version,
  nodes: [
    { name: 'pub', role: 'publisher' as const },
    { name: 'imp1', role: 'subscriber' as const, product: 'cups' as const },
  ],
});

describe('trust cleanup on IM&P nodes (TN 214231)', function () {
  this.timeout(120_000);
  let lab: SimulatedCluster;
  let labWorker: LabWorker | undefined;
  let taskQueue: string;

  before(async () => {
    lab = await startSimulatedCluster([withImp('imp115', '11.5.1.21900-40'), withImp('imp125', '12.5.1.16900-48')]);
    labWorker = await startLabWorker(lab, 'imp-cleanup');
    taskQueue = labWorker.taskQueue;
  });
  after(async () => labWorker?.stop());

  const clean = async (clusterId: string) =>
    (await sharedDevServer()).client.workflow.execute(cleanupExpiredTrust, {
      workflowId: `imp-cleanup-${clusterId}-${Date.now()}`,
      taskQueue,
      args: [{ clusterId }],
    });
  /** The IM&P node's service changes and trust deletes, in the order the simulator logged them. */
  const impEvents = async (clusterId: string) =>
    (await lab.control.events(clusterId, { node: 'imp1' })).filter(
      (e: SimEvent) =>
        e.kind === 'trust-deleted' ||
        (e.kind === 'service-state' && (IMP_CLEANUP_SERVICES as readonly string[]).includes(e.detail.service ?? '')),
    );

  it('11.5: stops both services on the IM&P node before its deletes and starts them after', async () => {
    const result = await clean('imp115');
    assert.ok(
      result.deleted.some((d) => d.nodeId === 'imp1'),
      'the IM&P node had expired trust certificates',
    );
    const events = await impEvents('imp115');
    const firstDelete = events.findIndex((e) => e.kind === 'trust-deleted');
    const lastDelete = events.map((e) => e.kind).lastIndexOf('trust-deleted');
    assert.ok(firstDelete > 0);
    for (const service of IMP_CLEANUP_SERVICES) {
      const states = events.map((e, i) => ({ e, i })).filter(({ e }) => e.detail.service === service);
      const stopped = states.find(({ e }) => e.detail.state === 'STOPPED');
      const started = states.find(({ e }) => e.detail.state === 'STARTED');
      assert.ok(stopped && stopped.i < firstDelete, `${service} stopped before the first delete`);
      assert.ok(started && started.i > lastDelete, `${service} started after the last delete`);
    }
    // Both are running again on the node (what an engineer would check in Control Center).
    const node = await lab.control.node('imp115', 'imp1');
    for (const service of IMP_CLEANUP_SERVICES)
      assert.equal(node.services.find((s) => s.name === service)?.state, 'STARTED', service);
  });

  it('12.5: deletes on the IM&P node without stopping either service', async () => {
    const result = await clean('imp125');
    assert.ok(result.deleted.some((d) => d.nodeId === 'imp1'));
    const events = await impEvents('imp125');
    assert.ok(events.some((e) => e.kind === 'trust-deleted'));
    assert.deepEqual(
      events.filter((e) => e.kind === 'service-state'),
      [],
      'no stop or start of the IM&P services from 12.0',
    );
  });
});
