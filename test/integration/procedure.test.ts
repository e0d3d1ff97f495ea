/**
 * The procedure end to end on the simulator, every layer real except the API (Temporal dev server, worker,
 * activities, SSH, AXL, RisPort): gates approved by update, CallManager regenerated and its services restarted,
 * phones reset and back; a refused plan changes nothing; in mixed mode the CTL is updated before the restarts.
 */
import assert from 'node:assert/strict';
import { decideGateUpdate, stateQuery, submitSignedChainUpdate } from '../../domain/messages';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { rotateCluster } from '../../workflows/rotate-cluster';
import { cleanupExpiredTrust } from '../../workflows/cleanup-expired-trust';
import type { RegenerationRequest } from '../../domain/types';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { signCsr } from '../support/pki';
import { waitFor } from '../support/net';
import type { Control } from '../support/control';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { startLabWorker, type LabWorker } from '../support/lab-worker';
import { sharedDevServer } from '../support/temporal';

const WRITES = new Set(['cert-regenerated', 'service-state', 'phone-reset', 'ctl-updated', 'trust-deleted']);

describe('the regeneration procedure on a simulated cluster', function () {
  this.timeout(120_000);
  let lab: SimulatedCluster;
  /** The simulator's witness (control API): every check below reads the cluster through it. */
  let control: Control;
  let labWorker: LabWorker | undefined;
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
        {
          // A CUCM 15 that refuses SSH password authentication (keyboard-interactive only, as a public client reports
          // of a live node): every CLI step of the run must log in through keyboard-interactive.
          id: 'k15',
          version: '15.0.1.10000-34',
          sshPasswordAuthentication: false,
          nodes: [
            { name: 'pub', role: 'publisher' },
            { name: 'sub1', role: 'subscriber' },
          ],
          phones: { count: 10, registerDelayMs: [500, 1500] },
        },
      ],
      0.01,
    );
    control = lab.control;
    labWorker = await startLabWorker(lab, 'procedure');
    taskQueue = labWorker.taskQueue;
  });
  after(async () => labWorker?.stop());

  const nodesOf = (clusterId: string) =>
    lab.sim.endpoints.clusters.find((c) => c.id === clusterId)!.nodes.map((n) => n.name);
  const writes = async (clusterId: string) =>
    (await control.events(clusterId)).filter((e) => WRITES.has(e.kind)).length;
  /** Every trust certificate of every node of the cluster, with its store and expiry. */
  const trustOf = async (clusterId: string) =>
    (await Promise.all(nodesOf(clusterId).map((n) => control.node(clusterId, n)))).flatMap((view) =>
      Object.entries(view.trust).flatMap(([store, entries]) => entries.map((e) => ({ node: view.name, store, ...e }))),
    );

  const start = async (request: RegenerationRequest) =>
    (await sharedDevServer()).client.workflow.start(regenerateCertificate, {
      workflowId: `proc-${request.clusterId}-${Date.now()}`,
      taskQueue,
      args: [request],
    });

  it('11.5 CallManager: gates approved, regenerated publisher first, services restarted where Started, phones back', async () => {
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
        assert.equal((await control.events('v115', { kind: 'service-state' })).length, 0, 'no restart before its gate');
      await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision: 'approve', by: 'carol' }] });
    }
    const result = await handle.result();
    assert.equal(result.nodes[0]?.nodeId, 'pub');
    assert.equal(result.nodes[0]?.serialAfter.toLowerCase(), await control.serial('v115', 'pub', 'CallManager'));
    const restarted = result.restarts.filter((r) => r.restarted).map((r) => `${r.nodeId}:${r.service}`);
    assert.ok(
      restarted.includes('pub:Cisco CallManager') &&
        restarted.includes('sub1:Cisco Tftp') &&
        restarted.includes('pub:Cisco Trust Verification Service'),
    );
    assert.equal(result.ctlUpdated, undefined, 'no CTL in non-secure mode');
    assert.equal(result.phones?.allBack, true);
    assert.deepEqual((await control.phones('v115')).counts, { Registered: 100, UnRegistered: 0, Rejected: 0 });
    const regen = await control.events('v115', { kind: 'cert-regenerated' });
    const firstRestart = (await control.events('v115', { kind: 'service-state' }))[0];
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
    const before = await writes('v115');
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
    assert.equal(await writes('v115'), before);
  });

  it('a failed pre-flight (database replication out of sync on a subscriber) stops the run and changes nothing', async () => {
    const before = await writes('v115');
    await control.fault('v115', { kind: 'replication-broken', node: 'sub1', broken: true });
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
      await control.fault('v115', { kind: 'replication-broken', node: 'sub1', broken: false });
    }
    assert.equal(await writes('v115'), before);
  });

  it('a CA-signed tomcat is renewed through CSRs and the signed chains, never replaced by a self-signed one', async () => {
    // The enterprise CA is the engineer's (it signs the CSRs), not the cluster's state.
    const ca = lab.sim.cluster('ca14').ca;
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
    assert.equal((await control.events('ca14', { kind: 'cert-regenerated' })).length, 0, 'no self-signed regeneration');
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
    for (const node of nodesOf('ca14')) {
      const cert = (await control.node('ca14', node)).certificates.tomcat!;
      assert.equal(cert.serial.toLowerCase(), result.nodes.find((n) => n.nodeId === node)?.serialAfter.toLowerCase());
      assert.match(cert.issuer, /Lab|CA/i, 'still CA-signed');
    }
    assert.equal((await control.events('ca14', { kind: 'cert-regenerated' })).length, 0, 'never self-signed');
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
    const serials = () => Promise.all(nodesOf('ca14').map((n) => control.serial('ca14', n, 'tomcat')));
    const before = await serials();
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
    assert.deepEqual(await serials(), before);
  });

  it('cleans expired trust certificates (11.5: with Certificate Change Notification stopped), then restarts their services', async () => {
    const env = await sharedDevServer();
    const expired = (e: { validTo: string }) => Date.parse(e.validTo) < Date.now();
    const expiredBefore = (await trustOf('v115')).filter(expired);
    assert.ok(expiredBefore.length >= 4);
    const result = await env.client.workflow.execute(cleanupExpiredTrust, {
      workflowId: `proc-cleanup-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'v115' }],
    });
    assert.equal(result.deleted.length, expiredBefore.length);
    assert.deepEqual((await trustOf('v115')).filter(expired), [], 'no expired trust certificate left');
    const ccn = (await control.events('v115', { kind: 'service-state' }))
      .filter((e) => e.detail.service === 'Cisco Certificate Change Notification')
      .map((e) => e.detail.state);
    assert.deepEqual(ccn.slice(0, 4), ['STOPPING', 'STOPPED', 'STARTING', 'STARTED']);
    assert.ok(result.restarts.some((r) => r.service === 'Cisco Tomcat' && r.restarted));
  });

  it('mixed mode: the CTL is updated before the restarts, and the secure phones come back', async () => {
    const handle = await start({ clusterId: 'm14', units: ['CallManager'], approvals: [], registrationPollSeconds: 1 });
    const result = await handle.result();
    assert.equal(result.ctlUpdated, true);
    const ctl = (await control.events('m14', { kind: 'ctl-updated' }))[0];
    const restart = (await control.events('m14', { kind: 'service-state' }))[0];
    assert.ok(ctl && restart && ctl.seq < restart.seq, 'CTL updated before the first restart');
    assert.equal(result.phones?.allBack, true);
    assert.equal((await control.phones('m14')).counts.Registered, 100);
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

  it('15.0 CallManager on nodes that refuse SSH password authentication: logs in through keyboard-interactive and completes', async () => {
    // A realistic catalogue (facts/services.ts): dozens of services per node, a dozen or more Not Activated.
    const before = new Map(
      (await Promise.all(nodesOf('k15').map((n) => control.node('k15', n)))).map((v) => [v.name, v.services]),
    );
    for (const [name, services] of before) {
      assert.ok(services.length >= 65 && services.length <= 81, `${name}: ${services.length} services`);
      const inactive = services.filter((x) => x.reason === 'Service Not Activated').length;
      assert.ok(inactive >= 12, `${name}: ${inactive} not activated`);
    }
    const handle = await start({ clusterId: 'k15', units: ['CallManager'], approvals: [], registrationPollSeconds: 1 });
    const result = await handle.result();
    // Restarted only where the service ran: never a Not Activated one.
    for (const r of result.restarts.filter((x) => x.restarted)) {
      const was = before.get(r.nodeId)?.find((x) => x.name === r.service);
      assert.equal(
        was?.state,
        'STARTED',
        `${r.nodeId}: ${r.service} was ${was?.state ?? 'absent'} (${was?.reason ?? ''})`,
      );
    }
    const restartedHere = (await control.events('k15', { kind: 'service-state' })).map(
      (e) => `${e.node}:${e.detail.service ?? ''}`,
    );
    for (const key of new Set(restartedHere)) {
      const [node = '', service = ''] = key.split(':');
      const was = before.get(node)?.find((x) => x.name === service);
      assert.notEqual(was?.reason, 'Service Not Activated', `${key} touched although not activated`);
    }
    assert.deepEqual(result.nodes.map((n) => n.nodeId).sort(), ['pub', 'sub1']);
    for (const n of result.nodes)
      assert.equal(n.serialAfter.toLowerCase(), await control.serial('k15', n.nodeId, 'CallManager'), `${n.nodeId}`);
    assert.ok(
      result.restarts.some((r) => r.restarted && r.service === 'Cisco CallManager'),
      'CallManager restarted',
    );
    assert.equal(result.phones?.allBack, true);
    const logins = await control.events('k15', { kind: 'ssh-login' });
    assert.ok(logins.length >= 2, `the run logged in to both nodes (${logins.length} logins)`);
    assert.deepEqual(
      [...new Set(logins.map((e) => e.detail.method))],
      ['keyboard-interactive'],
      'every login through keyboard-interactive',
    );
    assert.equal((await control.events('k15', { kind: 'ssh-login-failed' })).length, 0, 'no failed login');
    assert.equal((await control.events('k15', { kind: 'ssh-method-refused' })).length, 0, 'no password attempt');
  });
});
