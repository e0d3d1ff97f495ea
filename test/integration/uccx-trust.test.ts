/**
 * Unified CCX after tomcat (TN 214231, tomcat section, step 5), every layer real (Temporal dev server, worker, SSH to
 * the simulated CUCM nodes and to the simulated UCCX node): the run stops at the before-uccx-trust gate with nothing
 * sent to UCCX; approved, it imports every CUCM node's new tomcat certificate into UCCX's tomcat-trust, restarts the
 * UCCX services that read it, and verifies. The test checks it where an engineer would: the simulator's event log
 * and node view (control API) and UCCX's own `show cert list trust` / `show cert trust` over SSH.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { parseCertificateDetails, parseCertificateList } from '../../activities/cucm/parsers';
import { createCertificate } from '../../simulator/certificates';
import { decideGateUpdate, stateQuery, submitSignedChainUpdate } from '../../domain/messages';
import { buildPlan, planClusterOf } from '../../domain/plan';
import { regenerateCertificate } from '../../workflows/regenerate-certificate';
import { runOn } from '../support/cli';
import { signCsr } from '../support/pki';
import { waitFor } from '../support/net';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { startLabWorker, type LabWorker } from '../support/lab-worker';
import { sharedDevServer } from '../support/temporal';
import type { ClusterDiscovery } from '../../domain/discovery';

const UCCX_RESTARTS = ['Cisco Tomcat', 'Cisco Unified CCX Notification Service', 'Cisco Finesse Tomcat'];

describe('Unified CCX trusts the new tomcat (simulator, real SSH)', function () {
  this.timeout(120_000);
  let lab: SimulatedCluster;
  let labWorker: LabWorker | undefined;
  let taskQueue: string;

  before(async () => {
    lab = await startSimulatedCluster(
      [
        {
          id: 'ccx14',
          version: '14.0.1.13900-155',
          nodes: [
            { name: 'cucm-pub', role: 'publisher' },
            { name: 'cucm-sub1', role: 'subscriber' },
          ],
          uccxNodes: [{ name: 'uccx-pub' }],
        },
        {
          id: 'ca14',
          version: '14.0.1.13900-155',
          caSignedUnits: ['tomcat'],
          nodes: [
            { name: 'cucm-pub', role: 'publisher' },
            { name: 'cucm-sub1', role: 'subscriber' },
          ],
          uccxNodes: [{ name: 'uccx-pub' }],
        },
      ],
      0.01,
    );
    labWorker = await startLabWorker(lab, 'uccx');
    taskQueue = labWorker.taskQueue;
  });
  after(async () => labWorker?.stop());

  it('the dry run (a real discovery, the pure plan) shows the UCCX step for tomcat and tomcat-ECDSA only', async () => {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const discovery: ClusterDiscovery = await env.run(lab.activities.discoverCluster, 'ccx14');
    assert.deepEqual(discovery.uccxNodes, ['uccx-pub']);
    for (const unit of ['tomcat', 'tomcat-ECDSA', 'CallManager', 'ipsec'] as const) {
      const steps = buildPlan(planClusterOf(discovery), { units: [unit] }).units[0]?.steps ?? [];
      const uccx = steps.filter((s) => s.kind === 'uccx-trust');
      if (unit.startsWith('tomcat')) {
        assert.equal(uccx.length, 1, unit);
        assert.match(
          uccx[0]!.reason,
          /^TN 214231 \(tomcat, step 5\): Unified CCX uccx-pub trusts this cluster's tomcat/,
        );
      } else assert.equal(uccx.length, 0, unit);
    }
  });

  it('tomcat: gated, then every CUCM node’s new tomcat is in UCCX’s tomcat-trust and its services restarted', async () => {
    const { control } = lab;
    const uccxBefore = await control.node('ccx14', 'uccx-pub');
    assert.equal(uccxBefore.product, 'uccx');
    const handle = await (
      await sharedDevServer()
    ).client.workflow.start(regenerateCertificate, {
      workflowId: `uccx-tomcat-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'ccx14', units: ['tomcat'], approvals: [], requestedBy: 'alice' }],
    });
    const state = await waitFor(
      'the before-uccx-trust gate',
      async () => {
        const s = await handle.query(stateQuery);
        return s.pendingGates.some((g) => g.kind === 'before-uccx-trust') ? s : undefined;
      },
      90_000,
    );
    // The dry-run plan says why, citing the TN.
    const planned = state.plan?.units[0]?.steps.find((s) => s.kind === 'uccx-trust');
    assert.ok(planned?.kind === 'uccx-trust');
    assert.match(planned.reason, /TN 214231 \(tomcat, step 5\)/);
    const gate = state.pendingGates.find((g) => g.kind === 'before-uccx-trust')!;
    assert.deepEqual(gate.allowed, ['approve', 'skip', 'abort']);
    // Gated: CUCM is done and verified, UCCX has not been touched.
    const uccxEventsBefore = await control.events('ccx14', { node: 'uccx-pub' });
    assert.deepEqual(
      uccxEventsBefore.map((e) => e.kind),
      [],
      'not even a login on UCCX before the gate',
    );
    const newSerials = {
      'cucm-pub': (await control.node('ccx14', 'cucm-pub')).certificates.tomcat!.serial,
      'cucm-sub1': (await control.node('ccx14', 'cucm-sub1')).certificates.tomcat!.serial,
    };
    for (const [node, serial] of Object.entries(newSerials)) {
      assert.notEqual(
        serial,
        uccxBefore.trust['tomcat-trust']?.find((e) => e.filename.startsWith(node))?.serial,
        `${node} regenerated`,
      );
      assert.ok(
        !uccxBefore.trust['tomcat-trust']?.some((e) => e.serial === serial),
        `UCCX does not trust ${node}'s new tomcat yet`,
      );
    }
    const since = (await control.events('ccx14')).at(-1)?.seq ?? 0;
    await handle.executeUpdate(decideGateUpdate, {
      args: [{ gateId: gate.id, decision: 'approve', by: 'carol', comment: 'CHG0042 agents warned' }],
    });
    const result = await handle.result();

    // The simulator's event log: one import per CUCM node (its new serial and fingerprint), then the restarts in
    // Cisco's order, each service reading the new tomcat-trust when it starts.
    const events = await control.events('ccx14', { node: 'uccx-pub', since });
    const imports = events.filter((e) => e.kind === 'trust-imported');
    assert.deepEqual(imports.map((e) => e.detail.serial).sort(), Object.values(newSerials).sort());
    assert.ok(imports.every((e) => e.detail.store === 'tomcat-trust'));
    const restarts = events.filter((e) => e.kind === 'service-state' && e.detail.state === 'STARTED');
    assert.deepEqual(
      restarts.map((e) => e.detail.service),
      UCCX_RESTARTS,
    );
    assert.ok(
      restarts.every((r) => imports.every((i) => i.seq < r.seq)),
      'restarted after every import',
    );
    const loaded = events.filter((e) => e.kind === 'trust-loaded');
    assert.deepEqual(
      loaded.map((e) => e.detail.service),
      UCCX_RESTARTS,
    );
    for (const e of loaded)
      for (const serial of Object.values(newSerials)) assert.ok(e.detail.serials?.split(',').includes(serial));

    // The node view: the new certificates in tomcat-trust by serial and fingerprint, and Finesse uses them.
    const uccxAfter = await control.node('ccx14', 'uccx-pub');
    for (const e of imports) {
      const held = uccxAfter.trust['tomcat-trust']?.find((t) => t.serial === e.detail.serial);
      assert.equal(held?.sha256, e.detail.sha256);
    }
    for (const serial of Object.values(newSerials))
      assert.ok(uccxAfter.loadedTrust?.['Cisco Finesse Tomcat']?.includes(serial));

    // UCCX's own CLI, as an engineer would read it.
    const [list] = await runOn(lab.sim, 'ccx14', 'uccx-pub', 'show cert list trust');
    const files = parseCertificateList(list ?? '').filter((e) => e.unit === 'tomcat-trust');
    const shown = await runOn(
      lab.sim,
      'ccx14',
      'uccx-pub',
      ...files.map((f) => `show cert trust tomcat-trust/${f.file}`),
    );
    const listed = shown.map((o) => parseCertificateDetails(o));
    for (const [node, serial] of Object.entries(newSerials)) {
      const cert = listed.find((c) => c.serial === serial);
      assert.ok(cert?.pem, `UCCX lists ${node}'s new tomcat`);
      assert.equal(
        new X509Certificate(cert.pem).fingerprint256,
        result.uccx?.[0]?.certificates.find((c) => c.from === node)?.sha256,
      );
    }

    // The run's own account: the result and the steps.
    assert.deepEqual(
      result.uccx?.[0]?.certificates.map((c) => `${c.from}:${c.serial}`).sort(),
      Object.entries(newSerials)
        .map(([n, s]) => `${n}:${s}`)
        .sort(),
    );
    assert.deepEqual(
      result.restarts.filter((r) => r.nodeId === 'uccx-pub').map((r) => r.service),
      UCCX_RESTARTS,
    );
    const done = await handle.query(stateQuery);
    assert.deepEqual(
      done.steps.filter((s) => s.nodeId === 'uccx-pub').map((s) => `${s.kind}:${s.status}`),
      ['uccx-trust:completed', ...UCCX_RESTARTS.map(() => 'restart-service:completed'), 'verify:completed'],
    );
    assert.deepEqual(
      done.decisions.map((d) => `${d.kind}:${d.decision}:${d.by}`),
      ['before-uccx-trust:approve:carol'],
    );
    // For the closing note: the UCCX part of the simulator's event log.
    if (process.env.UCCX_EVENT_LOG)
      console.log(
        events
          .filter((e) => e.kind !== 'cli-command' || /^(set|utils service restart)/.test(e.detail.command ?? ''))
          .map((e) => `${e.seq} ${e.node} ${e.actor} ${e.kind} ${JSON.stringify(e.detail)}`)
          .join('\n'),
      );
  });

  it('CA-signed tomcat: the new root and intermediate go into UCCX’s tomcat-trust, not the leaves', async () => {
    const { control } = lab;
    // The enterprise moved to a new PKI: a new root and issuing CA that UCCX does not trust yet.
    const root = await createCertificate({
      commonName: 'Corp Root CA G2',
      organizationalUnit: 'PKI',
      validityDays: 3650,
      isCa: true,
    });
    const issuing = await createCertificate({
      commonName: 'Corp Issuing CA G2',
      organizationalUnit: 'PKI',
      validityDays: 1825,
      isCa: true,
      issuer: root,
    });
    const handle = await (
      await sharedDevServer()
    ).client.workflow.start(regenerateCertificate, {
      workflowId: `uccx-ca-tomcat-${Date.now()}`,
      taskQueue,
      args: [{ clusterId: 'ca14', units: ['tomcat'], approvals: [], requestedBy: 'alice' }],
    });
    await waitFor(
      'the signed-certificate gate',
      async () => (await handle.query(stateQuery)).pendingGates.find((g) => g.kind === 'signed-certificate'),
      90_000,
    );
    const { csrs = [] } = await handle.query(stateQuery);
    const leaves: Record<string, string> = {};
    for (const { nodeId, csrPem } of csrs) {
      leaves[nodeId] = signCsr(csrPem, issuing);
      await handle.executeUpdate(submitSignedChainUpdate, {
        args: [{ nodeId, chainPem: `${leaves[nodeId]}${issuing.pem}${root.pem}`, by: 'pki-team' }],
      });
    }
    const gate = await waitFor(
      'the before-uccx-trust gate',
      async () =>
        (await handle.query(stateQuery)).pendingGates.find(
          (g) => g.kind === 'before-uccx-trust' || g.kind === 'step-failed',
        ),
      90_000,
    );
    assert.equal(gate.kind, 'before-uccx-trust', gate.description);
    const since = (await control.events('ca14')).at(-1)?.seq ?? 0;
    await handle.executeUpdate(decideGateUpdate, { args: [{ gateId: gate.id, decision: 'approve', by: 'carol' }] });
    const result = await handle.result();

    const imports = (await control.events('ca14', { node: 'uccx-pub', since })).filter(
      (e) => e.kind === 'trust-imported',
    );
    assert.deepEqual(
      imports.map((e) => e.detail.serial).sort(),
      [root.serial, issuing.serial].sort(),
      'the chain, once',
    );
    const trust = (await control.node('ca14', 'uccx-pub')).trust['tomcat-trust'] ?? [];
    for (const leaf of Object.values(leaves))
      assert.ok(!trust.some((t) => t.serial === new X509Certificate(leaf).serialNumber.toUpperCase()), 'no leaf');
    assert.deepEqual(
      result.uccx?.[0]?.certificates.map((c) => `${c.from}:${c.serial}`).sort(),
      [`CA chain:${root.serial}`, `CA chain:${issuing.serial}`].sort(),
    );
    assert.deepEqual(
      result.restarts.filter((r) => r.nodeId === 'uccx-pub').map((r) => r.service),
      UCCX_RESTARTS,
    );
  });
});
