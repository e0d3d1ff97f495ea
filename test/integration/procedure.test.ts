/**
 * The procedure end to end on the simulator, every layer real except the API (Temporal dev server, worker,
 * activities, SSH, AXL, RisPort): gates approved by update, CallManager regenerated and its services restarted,
 * phones reset and back; a refused plan changes nothing; in mixed mode the CTL is updated before the restarts.
 */
import assert from 'node:assert/strict';
import type { Worker } from '@temporalio/worker';
import { decideGateUpdate, stateQuery, submitSignedChainUpdate } from '../../workflows/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { rotateCluster } from '../../workflows/rotate-cluster';
import { cleanupExpiredTrust } from '../../workflows/cleanup-expired-trust';
import type { RegenerationRequest } from '../../workflows/types';
import { createWorker } from '../../worker/create-worker';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { signCsr } from '../support/pki';
import { waitFor } from '../support/net';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { sharedDevServer, sharedWorkflowBundle, uniqueTaskQueue } from '../support/temporal';

const WRITES = new Set(['cert-regenerated', 'service-state', 'phone-reset', 'ctl-updated', 'trust-deleted']);

describe('the regeneration procedure on a simulated cluster', function () {
  this.timeout(120_000);
  let lab: SimulatedCluster;
  let worker: Worker;
  let running: Promise<void>;
  let taskQueue: string;

  before(async () => {
    lab = await startSimulatedCluster(
      [
        {
          id: 'v115',
          version: '11.5.1.21900-40',
          nodes: [
            { name: 'pub', role: 'publisher' },
            { name: 'sub1', role: 'subscriber' },
          ],
          phones: { count: 100, registerDelayMs: [1000, 3000] },
        },
        {
          id: 'm14',
          version: '14.0.1.13900-155',
          securityMode: 1,
          nodes: [
            { name: 'pub', role: 'publisher' },
            { name: 'sub1', role: 'subscriber' },
          ],
          phones: { count: 100, secureShare: 0.5, registerDelayMs: [1000, 3000] },
        },
        {
          id: 'ca14',
          version: '14.0.1.13900-155',
          caSignedUnits: ['tomcat'],
          nodes: [
            { name: 'pub', role: 'publisher' },
            { name: 'sub1', role: 'subscriber' },
          ],
          phones: { count: 10 },
        },
      ],
      0.01,
    );
    const env = await sharedDevServer();
    taskQueue = uniqueTaskQueue('procedure');
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      activities: lab.activities,
      workflowBundle: await sharedWorkflowBundle(),
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await lab?.sim.stop();
  });

  const start = async (request: RegenerationRequest) =>
    (await sharedDevServer()).client.workflow.start(regenerateCertificate, {
      workflowId: `proc-${request.clusterId}-${Date.now()}`,
      taskQueue,
      args: [request],
    });

  it('11.5 CallManager: gates approved, regenerated publisher first, services restarted where Started, phones back', async () => {
    const c = lab.sim.cluster('v115');
    const handle = await start({
      clusterId: 'v115',
      units: ['CallManager'],
      approvals: ['before-start', 'before-restarts'],
      registrationPollSeconds: 1,
      requestedBy: 'alice',
    });
    for (const kind of ['before-start', 'before-restarts']) {
      const gate = await waitFor(
        `gate ${kind}`,
        async () => (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === kind),
        60_000,
      );
      if (kind === 'before-restarts')
        assert.equal(c.events.list({ kind: 'service-state' }).length, 0, 'no restart before its gate');
      await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision: 'approve', by: 'carol' }] });
    }
    const result = await handle.result();
    const pub = c.node('pub');
    assert.equal(result.nodes[0]?.nodeId, 'pub');
    assert.equal(result.nodes[0]?.serialAfter, pub.certificate('CallManager').serial);
    const restarted = result.restarts.filter((r) => r.restarted).map((r) => `${r.nodeId}:${r.service}`);
    assert.ok(
      restarted.includes('pub:Cisco CallManager') &&
        restarted.includes('sub1:Cisco Tftp') &&
        restarted.includes('pub:Cisco Trust Verification Service'),
    );
    assert.equal(result.ctlUpdated, undefined, 'no CTL in non-secure mode');
    assert.equal(result.phones?.allBack, true);
    assert.deepEqual(c.phones.counts(), { Registered: 100, UnRegistered: 0, Rejected: 0 });
    const regen = c.events.list({ kind: 'cert-regenerated' });
    const firstRestart = c.events.list({ kind: 'service-state' })[0];
    assert.ok(
      regen.every((e) => e.seq < (firstRestart?.seq ?? 0)),
      'every regeneration before the first restart',
    );
    const state = await handle.query(stateQuery);
    assert.deepEqual(
      state.decisions.map((d) => d.by),
      ['carol', 'carol'],
    );
  });

  it('refuses a rotation whose phone reset cannot work (secure-only on a non-secure 11.5) and changes nothing', async () => {
    const c = lab.sim.cluster('v115');
    const before = c.events.list().filter((e) => WRITES.has(e.kind)).length;
    const env = await sharedDevServer();
    await assert.rejects(
      env.client.workflow.execute(rotateCluster, {
        workflowId: `proc-rot-${Date.now()}`,
        taskQueue,
        args: [{ clusterId: 'v115', units: ['CallManager', 'TVS'], approvals: [], phoneReset: 'secure-only' }],
      }),
      (err: unknown) =>
        err instanceof WorkflowFailedError && /refused, nothing was changed/.test(err.cause?.message ?? ''),
    );
    assert.equal(c.events.list().filter((e) => WRITES.has(e.kind)).length, before);
  });

  it('a failed pre-flight (database replication out of sync on a subscriber) stops the run and changes nothing', async () => {
    const c = lab.sim.cluster('v115');
    const before = c.events.list().filter((e) => WRITES.has(e.kind)).length;
    c.injectFault({ kind: 'replication-broken', node: 'sub1', broken: true });
    try {
      const handle = await start({ clusterId: 'v115', units: ['tomcat'], approvals: [] });
      await assert.rejects(
        handle.result(),
        (err: unknown) =>
          err instanceof WorkflowFailedError &&
          /Pre-flight failed, nothing was changed: Database replication on sub1 is \(3\) Out Of Sync/.test(
            err.cause?.message ?? '',
          ),
      );
      assert.equal((await handle.query(stateQuery)).phase, 'failed');
    } finally {
      c.injectFault({ kind: 'replication-broken', node: 'sub1', broken: false });
    }
    assert.equal(c.events.list().filter((e) => WRITES.has(e.kind)).length, before);
  });

  it('a CA-signed tomcat is renewed through CSRs and the signed chains, never replaced by a self-signed one', async () => {
    const c = lab.sim.cluster('ca14');
    const ca = c.ca;
    assert.ok(ca, 'the simulated enterprise CA');
    const handle = await start({ clusterId: 'ca14', units: ['tomcat'], approvals: [] });
    const gate = await waitFor(
      'the signed-certificate gate',
      async () => (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'signed-certificate'),
      60_000,
    );
    const { csrs = [] } = await handle.query(stateQuery);
    assert.deepEqual(
      csrs.map((x) => x.nodeId),
      ['pub', 'sub1'],
    );
    assert.equal(c.events.list({ kind: 'cert-regenerated' }).length, 0, 'no self-signed regeneration');
    const csrOf = (node: string) => csrs.find((x) => x.nodeId === node)?.csrPem ?? '';
    const signed = { pub: signCsr(csrOf('pub'), ca), sub1: signCsr(csrOf('sub1'), ca) };
    // What an engineer gets wrong: another node's certificate, a missing root, a pasted private key.
    const refused = async (nodeId: string, chainPem: string, why: RegExp) =>
      assert.rejects(
        handle.executeUpdate(submitSignedChainUpdate, { args: [{ nodeId, chainPem, by: 'pki-team' }] }),
        (err: unknown) => err instanceof WorkflowUpdateFailedError && why.test(err.cause?.message ?? ''),
      );
    await refused(
      'sub1',
      `${signed.pub}${ca.pem}`,
      /does not carry|No certificate in the chain carries the public key/,
    );
    await refused('pub', signed.pub, /chain is incomplete/);
    await refused(
      'pub',
      `${signed.pub}${ca.pem}-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----`,
      /private key/,
    );
    const first = await handle.executeUpdate(submitSignedChainUpdate, {
      args: [{ nodeId: 'pub', chainPem: `${signed.pub}${ca.pem}`, by: 'pki-team' }],
    });
    assert.deepEqual(first.waitingFor, ['sub1']);
    await handle.executeUpdate(submitSignedChainUpdate, {
      args: [{ nodeId: 'sub1', chainPem: `${ca.pem}\n${signed.sub1}`, by: 'pki-team' }],
    });
    const result = await handle.result();
    for (const node of c.nodes) {
      const cert = node.certificate('tomcat');
      assert.equal(cert.serial, result.nodes.find((n) => n.nodeId === node.name)?.serialAfter);
      assert.match(cert.issuer, /Lab|CA/i, 'still CA-signed');
    }
    assert.equal(c.events.list({ kind: 'cert-regenerated' }).length, 0, 'never self-signed');
    const state = await handle.query(stateQuery);
    assert.ok(
      state.steps.some(
        (st) => st.kind === 'verify' && st.status === 'completed' && /served on HTTPS/.test(st.detail ?? ''),
      ),
    );
    assert.equal(gate.allowed.join(), 'abort');
    assert.deepEqual(
      state.decisions.filter((d) => d.kind === 'signed-certificate').map((d) => d.by),
      ['pki-team', 'pki-team'],
    );
  });

  it('aborting while the CSRs wait for the CA leaves nothing to do by hand (only CSRs were made)', async () => {
    const c = lab.sim.cluster('ca14');
    const before = c.nodes.map((n) => n.certificate('tomcat').serial);
    const handle = await start({ clusterId: 'ca14', units: ['tomcat'], approvals: [] });
    const gate = await waitFor(
      'the signed-certificate gate',
      async () => (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'signed-certificate'),
      60_000,
    );
    await handle.executeUpdate(decideGateUpdate, {
      args: [{ gateId: gate.id, decision: 'abort', by: 'carol', comment: 'the CA is down tonight' }],
    });
    await assert.rejects(handle.result(), WorkflowFailedError);
    const state = await handle.query(stateQuery);
    assert.equal(state.phase, 'aborted');
    assert.deepEqual(state.manualActions, [
      'Nothing was changed on the cluster for tomcat: no manual action is needed.',
    ]);
    assert.deepEqual(
      c.nodes.map((n) => n.certificate('tomcat').serial),
      before,
    );
  });

  it('cleans expired trust certificates (11.5: with Certificate Change Notification stopped), then restarts their services', async () => {
    const c = lab.sim.cluster('v115');
    const env = await sharedDevServer();
    const expiredBefore = c.nodes.flatMap((n) =>
      [...n.trust.values()].flat().filter((e) => e.cert.validTo < new Date()),
    );
    assert.ok(expiredBefore.length >= 4);
    const result = await env.client.workflow.execute(cleanupExpiredTrust, {
      workflowId: `proc-cleanup-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'v115' }],
    });
    assert.equal(result.deleted.length, expiredBefore.length);
    assert.ok(
      c.nodes.every((n) => [...n.trust.values()].flat().every((e) => e.cert.validTo >= new Date())),
      'no expired trust certificate left',
    );
    const ccn = c.events
      .list({ kind: 'service-state' })
      .filter((e) => e.detail.service === 'Cisco Certificate Change Notification')
      .map((e) => e.detail.state);
    assert.deepEqual(ccn.slice(0, 4), ['STOPPING', 'STOPPED', 'STARTING', 'STARTED']);
    assert.ok(result.restarts.some((r) => r.service === 'Cisco Tomcat' && r.restarted));
  });

  it('mixed mode: the CTL is updated before the restarts, and the secure phones come back', async () => {
    const c = lab.sim.cluster('m14');
    const handle = await start({ clusterId: 'm14', units: ['CallManager'], approvals: [], registrationPollSeconds: 1 });
    const result = await handle.result();
    assert.equal(result.ctlUpdated, true);
    const ctl = c.events.list({ kind: 'ctl-updated' })[0];
    const restart = c.events.list({ kind: 'service-state' })[0];
    assert.ok(ctl && restart && ctl.seq < restart.seq, 'CTL updated before the first restart');
    assert.equal(result.phones?.allBack, true);
    assert.equal(c.phones.counts().Registered, 100);
    const files = (await handle.query(stateQuery)).steps.filter((st) => /Verify the ITL and CTL/.test(st.description));
    assert.ok(files.length >= 2, 'the ITL and CTL of every TFTP node are checked');
    assert.ok(
      files.every(
        (st) =>
          st.status === 'completed' &&
          /ITL lists the new CallManager.*CTL lists the new CallManager/.test(st.detail ?? ''),
      ),
    );
  });
});
