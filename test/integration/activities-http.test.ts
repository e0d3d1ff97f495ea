/**
 * The product's activities and CUCM clients against the simulator, over the real protocols: discovery over SSH,
 * AXL over HTTPS, RisPort70 and its rate limit, TLS pinning of the tomcat certificate, and the faults of issue 4.
 */
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { ActivityContext } from '../../activities/context';
import { createCertificate } from '../../simulator/certificates';
import { runOn } from '../support/cli';
import { signCsr } from '../support/pki';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';
import { waitFor } from '../support/net';

describe('activities over HTTPS and SSH (simulator)', function () {
  this.timeout(60_000);
  let lab: SimulatedCluster;
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
  const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> =>
    env.run<A, R, (...args: A) => Promise<R>>(fn, ...args);

  before(async () => {
    lab = await startSimulatedCluster(
      [
        {
          id: 'c14',
          version: '14.0.1.13900-155',
          securityMode: 1,
          nodes: [
            { name: 'pub', role: 'publisher' },
            { name: 'sub1', role: 'subscriber', services: { 'Cisco Tftp': 'STOPPED' } },
          ],
          phones: { count: 2500, registerDelayMs: [500, 3000], badItl: 0 },
          risport: { requestsPerMinute: 4, windowMs: 400 },
        },
      ],
      0.01,
    );
  });
  after(() => lab?.sim.stop());

  it('discovers version, security mode, ITL signer, services and every certificate per node', async () => {
    const d = await run(lab.activities.discoverCluster, 'c14');
    assert.equal(d.version, '14.0.1.13900-155');
    assert.equal(d.securityMode, 1);
    assert.equal(d.itlSigner, 'ITLRecovery');
    assert.equal(d.itlSignerSerial?.toLowerCase(), await lab.control.serial('c14', 'pub', 'ITLRecovery'));
    const [dPub, dSub] = d.nodes;
    assert.ok(dPub?.certificates.some((c) => c.unit === 'CAPF'));
    assert.ok(!dSub?.certificates.some((c) => c.unit === 'CAPF'), 'CAPF is on the publisher only from 14');
    const ecdsa = dPub?.certificates.find((c) => c.unit === 'tomcat-ECDSA');
    assert.equal(ecdsa?.keyType, 'EC');
    assert.equal(
      dPub?.certificates.find((c) => c.unit === 'tomcat')?.serial.toLowerCase(),
      await lab.control.serial('c14', 'pub', 'tomcat'),
    );
    assert.equal(dSub?.services.find((s) => s.name === 'Cisco Tftp')?.state, 'STOPPED');
  });

  it('verifies tomcat on HTTPS: not served until Cisco Tomcat restarts, then served', async () => {
    const ref = { clusterId: 'c14', nodeId: 'sub1', unit: 'tomcat' as const };
    const before = await run(lab.activities.readCertificate, ref);
    const regen = await run(lab.activities.regenerateCertificate, { ...ref, serialBefore: before.serial });
    const early = await run(lab.activities.verifyCertificate, { ...ref, expectedSerial: regen.serialAfter });
    assert.equal(early.ok, false);
    assert.match(early.problem ?? '', /still serves tomcat serial .* Cisco Tomcat has not been restarted/);
    await run(lab.activities.restartService, { clusterId: 'c14', nodeId: 'sub1', service: 'Cisco Tomcat' });
    const late = await run(lab.activities.verifyCertificate, { ...ref, expectedSerial: regen.serialAfter });
    assert.deepEqual(late, { ok: true, serial: regen.serialAfter, servedSerial: regen.serialAfter });
  });

  it('talks AXL with the pinned tomcat certificate, and keeps working across a tomcat regeneration', async () => {
    const ctx = new ActivityContext(lab.activityDeps);
    const axl = await ctx.axl('c14');
    assert.equal(await axl.getCcmVersion(), '14.0.1.13900-155');
    assert.deepEqual(
      (await axl.listProcessNodes()).map((n) => n.nodeUsage),
      ['Publisher', 'Subscriber'],
    );
    const rows = await axl.executeSqlQuery(
      "select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'",
    );
    assert.equal(rows[0]?.paramvalue, '1');
    // An engineer regenerates tomcat by hand and restarts Cisco Tomcat (the served certificate changes).
    await runOn(
      lab.sim,
      'c14',
      'pub',
      { command: 'set cert regen tomcat', confirm: true },
      'utils service restart Cisco Tomcat',
    );
    // The pin is refreshed from SSH on the next TLS failure... or ahead of time by verifyCertificate:
    await ctx.tls({ clusterId: 'c14', nodeId: 'pub' }).agent(true);
    assert.equal(await (await ctx.axl('c14')).getCcmVersion(), '14.0.1.13900-155');
  });

  it('reads the secure phones of a mixed-mode cluster whose AXL writes foreign keys with their uuid', async () => {
    const axl = await new ActivityContext(lab.activityDeps).axl('c14');
    // What CM Administration shows (the simulator's control API): the phones with a secure profile.
    const expected = (await lab.control.phoneList('c14'))
      .filter((p) => p.secure)
      .map((p) => p.name)
      .sort();
    assert.ok(expected.length > 100, `the mixed-mode fleet has secure phones (${expected.length})`);
    // The reply carries <securityProfileName uuid="{…}">…</securityProfileName>, as real AXL writes it.
    const found = await axl.securePhoneNames(1000);
    assert.equal(found.length, expected.length, 'every secure phone is found through its uuid-attributed profile');
    assert.deepEqual(found, expected);
  });

  it('refuses an HTTPS server whose certificate is not the tomcat certificate the node shows over SSH', async () => {
    // An impostor on the publisher's HTTPS address: here, sub1's HTTPS port, serving sub1's own tomcat certificate.
    const inventory = structuredClone(lab.inventory);
    const [pubNode, subNode] = inventory.clusters[0]!.nodes;
    pubNode!.httpsPort = subNode!.httpsPort;
    const ctx = new ActivityContext({ ...lab.activityDeps, inventory });
    await assert.rejects(
      (await ctx.axl('c14')).getCcmVersion(),
      (err: unknown) => (err as { kind?: string }).kind === 'tls',
    );
  });

  it('pages RisPort by 1000 and stays under the cluster rate limit: no over-limit fault', async () => {
    const ctx = new ActivityContext(lab.activityDeps);
    const risport = ctx.risport('c14');
    const snapshot = await risport.snapshot();
    assert.equal(snapshot.size, 2500);
    assert.equal(risport.stats.requests, 3);
    const again = await risport.snapshot();
    assert.equal(again.size, 2500);
    assert.equal(risport.stats.overLimitFaults, 0, 'the limiter kept 6 requests under 4 per window');
  });

  it('waits out an over-limit fault instead of failing', async () => {
    const ctx = new ActivityContext(lab.activityDeps);
    await lab.control.fault('c14', { kind: 'risport-over-limit', count: 2 });
    const risport = ctx.risport('c14');
    assert.equal((await risport.snapshot()).size, 2500);
    assert.equal(risport.stats.overLimitFaults, 2);
  });

  it('resets phones through AXL despite 503 throttling, and sees them all come back', async () => {
    const baseline = await run(lab.activities.registrationSnapshot, { clusterId: 'c14' });
    assert.equal(baseline.registered, 2500);
    await lab.control.fault('c14', { kind: 'axl-503', count: 3 });
    // The test's choice of phones (the first 300 of the simulated fleet).
    const names = (await lab.control.phoneList('c14')).slice(0, 300).map((p) => p.name);
    const since = await lab.control.lastSeq('c14');
    const result = await run(lab.activities.resetPhones, { clusterId: 'c14', selection: { names }, batchSize: 50 });
    const { startedAt, ...counts } = result;
    assert.deepEqual(counts, { total: 300, reset: 300, skippedAlreadyReset: 0, resumedFrom: undefined });
    assert.ok(
      startedAt !== undefined && Math.abs(startedAt - Date.now() / 1000) < 120,
      `startedAt ${startedAt} is the reset's start`,
    );
    const resets = (await lab.control.events('c14', { kind: 'phone-reset', since })).map((e) => e.detail.phone);
    assert.deepEqual([...resets].sort(), [...names].sort(), 'every phone reset exactly once');
    const waitFrom = await lab.control.lastSeq('c14');
    const back = await run(lab.activities.awaitRegistration, {
      clusterId: 'c14',
      baseline,
      deadline: new Date(Date.now() + 20_000).toISOString(),
      pollIntervalMs: 200,
    });
    assert.equal(back.allBack, true);
    assert.equal(back.missingCount, 0);
    // "All back" is decided on a full read (2,500 phones, three pages), whatever the polls before it read.
    const asked = (await lab.control.events('c14', { kind: 'risport', since: waitFrom })).map((e) =>
      Number(e.detail.total),
    );
    assert.deepEqual(asked.slice(-3), [2500, 2500, 2500], 'all back is decided on a full read');
  });

  it('reports the phones still missing at the deadline', async () => {
    const baseline = await run(lab.activities.registrationSnapshot, { clusterId: 'c14' });
    await lab.control.fault('c14', { kind: 'phones-never-return', count: 2 });
    const bad = (await lab.control.phoneList('c14')).slice(-2).map((p) => p.name); // the fault strands the last phones
    await run(lab.activities.resetPhones, { clusterId: 'c14', selection: { names: bad } });
    const waitFrom = await lab.control.lastSeq('c14');
    const result = await run(lab.activities.awaitRegistration, {
      clusterId: 'c14',
      baseline,
      deadline: new Date(Date.now() + 1500).toISOString(),
      pollIntervalMs: 200,
    });
    assert.equal(result.allBack, false);
    assert.deepEqual(result.missing, [...bad].sort());
    // What RisPort was asked: every phone first (three pages), then only the two missing ones, by name.
    const asked = (await lab.control.events('c14', { kind: 'risport', since: waitFrom })).map((e) =>
      Number(e.detail.total),
    );
    assert.deepEqual(asked.slice(0, 3), [2500, 2500, 2500], 'the first poll reads every phone');
    assert.ok(asked.length > 3, `polled again (${asked.join(', ')})`);
    assert.deepEqual(new Set(asked.slice(3)), new Set([2]), 'then only the missing phones');
    await waitFor('no pending phones', async () =>
      (await lab.control.phones('c14')).pending === 0 ? true : undefined,
    );
  });

  it('waits through a slow Tomcat restart, heartbeating, instead of timing out', async () => {
    await lab.control.fault('c14', { kind: 'slow', factor: 20 });
    let beats = 0;
    const onBeat = () => (beats += 1);
    env.on('heartbeat', onBeat);
    const t0 = Date.now();
    try {
      const result = await run(lab.activities.restartService, {
        clusterId: 'c14',
        nodeId: 'pub',
        service: 'Cisco Tomcat',
      });
      assert.deepEqual(result, { restarted: true });
    } finally {
      env.off('heartbeat', onBeat);
      await lab.control.fault('c14', { kind: 'slow', factor: 1 });
    }
    assert.ok(Date.now() - t0 >= 3000, 'the restart took its (scaled) time');
    assert.ok(beats >= 1, 'the activity heartbeats while it waits');
  });

  it('renews a unit with a CA-signed certificate: CSR from the node, chain uploaded (REST API on 14)', async () => {
    const ca = await createCertificate({
      commonName: 'Lab Issuing CA',
      organizationalUnit: 'PKI',
      validityDays: 3650,
      isCa: true,
    });
    const ref = { clusterId: 'c14', nodeId: 'sub1', unit: 'tomcat' as const };
    const since = await lab.control.lastSeq('c14');
    const { csrPem } = await run(lab.activities.generateCsr, ref);
    assert.match(csrPem, /BEGIN CERTIFICATE REQUEST/);
    const leaf = signCsr(csrPem, ca);
    const { serial } = await run(lab.activities.uploadCertificateChain, { ...ref, leafPem: leaf, caPems: [ca.pem] });
    const installed = (await lab.control.node('c14', 'sub1')).certificates.tomcat!;
    assert.equal(installed.serial.toLowerCase(), serial.toLowerCase());
    assert.match(installed.issuer, /Lab Issuing CA/, 'issued by the CA, not self-signed');
    // The trust upload named the unit ("tomcat"), as the public clients of the API do; it landed in tomcat-trust.
    const trusted = await lab.control.events('c14', { kind: 'trust-imported', node: 'sub1', since });
    assert.deepEqual(
      trusted.map((e) => [e.detail.service, e.detail.store]),
      [['tomcat', 'tomcat-trust']],
    );
  });

  it('asks for an EC key for a CA-signed tomcat-ECDSA on 14 (the node refuses RSA for the ECDSA units)', async () => {
    const ref = { clusterId: 'c14', nodeId: 'sub1', unit: 'tomcat-ECDSA' as const };
    const since = await lab.control.lastSeq('c14');
    // The simulator makes no EC CSR itself (501, its own limit), so the activity fails; what it asked is logged.
    await assert.rejects(run(lab.activities.generateCsr, ref), /does not generate EC CSRs/);
    const asked = await lab.control.events('c14', { kind: 'csr-requested', node: 'sub1', since });
    assert.deepEqual(
      asked.map((e) => [e.detail.unit, e.detail.keyType, e.detail.keyLength]),
      [['tomcat-ECDSA', 'ec', '256']],
      'the CSR request asked for an EC key',
    );
    // What an RSA request (the product's old per-node request) gets from the node: a refusal naming the key.
    // (Asked on pub: sub1 holds an uploaded tomcat its Tomcat does not serve yet, which a fresh pin refuses.)
    const pubApi = await new ActivityContext(lab.activityDeps).certmgr({ ...ref, nodeId: 'pub' });
    const rsa = await pubApi.createCsr({ service: 'tomcat-ECDSA', commonName: 'pub' }).then(
      () => 'accepted',
      (err: unknown) => String((err as Error).message),
    );
    assert.match(rsa, /tomcat-ECDSA takes an EC key: keyType rsa is not offered/);
  });

  it('updates the CTL on the publisher of a mixed-mode cluster', async () => {
    const result = await run(lab.activities.updateCtlFile, { clusterId: 'c14' });
    assert.equal(result.updated, true);
    const callManager = await lab.control.serial('c14', 'pub', 'CallManager');
    assert.ok(result.serials.some((s) => s.toLowerCase() === callManager));
  });

  it('finds the expired trust certificates and deletes one, idempotently', async () => {
    const ref = { clusterId: 'c14', nodeId: 'sub1' };
    const expired = await run(lab.activities.listExpiredTrust, ref);
    assert.ok(expired.length >= 2, 'one in tomcat-trust and one in CallManager-trust');
    const first = expired[0]!;
    assert.deepEqual(
      await run(lab.activities.deleteTrustCertificate, { ...ref, store: first.store, file: first.file }),
      { deleted: true },
    );
    const again = await run(lab.activities.deleteTrustCertificate, { ...ref, store: first.store, file: first.file });
    assert.equal(again.deleted, false);
  });
});
