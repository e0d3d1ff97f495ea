/**
 * A stale TLS pin must not wedge a worker (issue 17). With `tls.mode: pin-tomcat` a worker pins each node's tomcat
 * certificate; an engineer then regenerates tomcat on every node over the simulator's SSH, as on a real node
 * (`set cert regen tomcat`, then `utils service restart Cisco Tomcat`), while the worker keeps running. The next run's
 * pre-flight (Control Center over HTTPS on every node) must pass on the same worker, without a restart: the pin
 * follows the certificate the node serves once the node's own CLI shows it (activities/cucm/https-trust.ts).
 * Real parts throughout: Temporal dev server, an in-process worker, the simulator over SSH and HTTPS.
 */
import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { decideGateUpdate, stateQuery } from '../../domain/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import type { PendingGate } from '../../domain/types';
import { runOn } from '../support/cli';
import { waitFor } from '../support/net';
import { startSimulatedCluster, twoNodes14, type SimulatedCluster } from '../support/simulator';
import { startLabWorker, type LabWorker } from '../support/lab-worker';
import { sharedDevServer } from '../support/temporal';

const CLUSTER = 'pin14';
const NODES = ['pub', 'sub1'] as const;

describe('a TLS pin follows a tomcat regenerated behind the worker', function () {
  this.timeout(180_000);
  let lab: SimulatedCluster;
  let worker: LabWorker;

  before(async () => {
    lab = await startSimulatedCluster([twoNodes14(CLUSTER, { phones: { count: 4 } })], 0.01);
    assert.equal(lab.inventory.clusters[0]?.tls.mode, 'pin-tomcat');
    worker = await startLabWorker(lab, 'pin');
  });
  // Stops the worker, then the simulator.
  after(() => worker?.stop());

  /** Starts a TVS run that stops at its before-start gate (after the pre-flight); answers its pre-flight steps. */
  async function preflightOfARun(label: string) {
    const handle = await (
      await sharedDevServer()
    ).client.workflow.start(regenerateCertificate, {
      workflowId: `pin-${label}-${Date.now()}`,
      taskQueue: worker.taskQueue,
      args: [{ clusterId: CLUSTER, units: ['TVS'], approvals: ['before-start'], registrationPollSeconds: 1 }],
    });
    const ended = handle.result().then(
      () => 'completed',
      (err: unknown) => (err instanceof WorkflowFailedError ? String(err.cause?.message ?? err.message) : String(err)),
    );
    let failure: string | undefined;
    void ended.then((m) => (failure = m));
    const gate = await waitFor(
      `${label}: the before-start gate (or the run's end)`,
      async () =>
        failure !== undefined
          ? { failure }
          : (await handle.query(stateQuery)).pendingGates.find((p: PendingGate) => p.kind === 'before-start'),
      120_000,
    );
    const preflight = (await handle.query(stateQuery)).steps.filter((s) => s.kind === 'preflight');
    if ('id' in gate)
      await handle.executeUpdate(decideGateUpdate, {
        args: [{ gateId: gate.id, decision: 'abort', by: 'test', comment: 'only the pre-flight was wanted' }],
      });
    await ended;
    return { preflight, reachedGate: 'id' in gate, failure: 'failure' in gate ? gate.failure : undefined };
  }

  it('regenerated over SSH while the worker runs: the next run passes its pre-flight on the same worker', async () => {
    // The worker pins every node's tomcat in a first run.
    const first = await preflightOfARun('first');
    assert.ok(first.reachedGate, `the first run's pre-flight passed: ${JSON.stringify(first.preflight)}`);
    const before = new Map<string, string>();
    for (const node of NODES) before.set(node, await lab.control.serial(CLUSTER, node, 'tomcat'));

    // An engineer, not this worker, regenerates tomcat on every node and restarts Cisco Tomcat.
    for (const node of NODES)
      await runOn(
        lab.sim,
        CLUSTER,
        node,
        { command: 'set cert regen tomcat', confirm: true },
        'utils service restart Cisco Tomcat',
      );
    for (const node of NODES)
      assert.notEqual(
        await lab.control.serial(CLUSTER, node, 'tomcat'),
        before.get(node),
        `${node} serves a new tomcat certificate`,
      );

    // The same worker, not restarted: the next run's pre-flight reaches every node over HTTPS.
    const second = await preflightOfARun('second');
    assert.ok(
      second.reachedGate,
      `the second run's pre-flight failed on the stale pin: ${second.failure ?? JSON.stringify(second.preflight)}`,
    );
    const https = second.preflight.find((s) => /every node on HTTPS/.test(s.description));
    assert.equal(https?.status, 'completed', JSON.stringify(second.preflight));
    for (const node of NODES) assert.match(https?.detail ?? '', new RegExp(`${node}: HTTPS answers`));
  });
});
