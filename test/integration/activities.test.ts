/**
 * Activities with their real clients against the simulator: idempotent regeneration, restarts only where Started.
 */
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createCertificate } from '../../simulator/certificates';
import { activityRunner } from '../support/activity-runner';
import { signCsr } from '../support/pki';
import { startSimulatedCluster, type SimulatedCluster } from '../support/simulator';

describe('activities against the simulator', function () {
  this.timeout(30_000);
  let lab: SimulatedCluster;
  const run = activityRunner();

  before(async () => {
    lab = await startSimulatedCluster([
      { id: 'old', version: '12.5.1.16900-48', nodes: [{ name: 'pub125', role: 'publisher' }] },
      {
        id: 'lab1',
        version: '14.0.1.13900-155',
        nodes: [
          { name: 'cucm-pub', role: 'publisher' },
          { name: 'cucm-sub1', role: 'subscriber', services: { 'Cisco Tomcat': 'STOPPED' } },
        ],
      },
    ]);
  });
  after(() => lab.sim.stop());

  it('regenerateCertificate is idempotent: a retry after success does not regenerate again', async () => {
    const ref = { clusterId: 'lab1', nodeId: 'cucm-pub', unit: 'tomcat' as const };
    const before = await run(lab.activities.readCertificate, ref);
    const first = await run(lab.activities.regenerateCertificate, { ...ref, serialBefore: before.serial });
    const retry = await run(lab.activities.regenerateCertificate, { ...ref, serialBefore: before.serial });
    assert.equal(first.regeneratedNow, true);
    assert.notEqual(first.serialAfter, before.serial);
    // With the SHA-256 fingerprints of the certificates before and after (the change report's).
    assert.equal(first.sha256Before, before.sha256);
    assert.deepEqual(retry, {
      serialBefore: before.serial,
      serialAfter: first.serialAfter,
      regeneratedNow: false,
      sha256After: first.sha256After,
    });
    assert.equal((await lab.control.events('lab1', { node: 'cucm-pub', kind: 'cert-regenerated' })).length, 1);
  });

  it('restartService restarts where Started and skips, with the reason, where not', async () => {
    const pub = await run(lab.activities.restartService, {
      clusterId: 'lab1',
      nodeId: 'cucm-pub',
      service: 'Cisco Tomcat',
    });
    const sub = await run(lab.activities.restartService, {
      clusterId: 'lab1',
      nodeId: 'cucm-sub1',
      service: 'Cisco Tomcat',
    });
    assert.deepEqual(pub, { restarted: true });
    assert.equal(sub.restarted, false);
    assert.match(sub.reason ?? '', /Cisco Tomcat is STOPPED \(Service Not Activated\) on cucm-sub1/);
    const states = await lab.control.events('lab1', { kind: 'service-state' });
    assert.deepEqual(
      states.map((e) => `${e.node}:${e.detail.state}`),
      ['cucm-pub:STOPPING', 'cucm-pub:STARTING', 'cucm-pub:STARTED'],
    );
  });

  it('renews a CA-signed unit through the CLI before 14: set csr gen, then trust and own imports', async () => {
    const ca = await createCertificate({
      commonName: 'Lab Issuing CA',
      organizationalUnit: 'PKI',
      validityDays: 3650,
      isCa: true,
    });
    const ref = { clusterId: 'old', nodeId: 'pub125', unit: 'tomcat' as const };
    const { csrPem } = await run(lab.activities.generateCsr, ref);
    const leaf = signCsr(csrPem, ca);
    const { serial } = await run(lab.activities.uploadCertificateChain, { ...ref, leafPem: leaf, caPems: [ca.pem] });
    assert.equal(await lab.control.serial('old', 'pub125', 'tomcat'), serial.toLowerCase());
    const commands = (await lab.control.events('old', { kind: 'cli-command' })).map((e) => e.detail.command);
    assert.ok(
      commands.includes('set csr gen tomcat') &&
        commands.includes('set cert import trust tomcat') &&
        commands.includes('set cert import own tomcat'),
    );
  });

  it('fails an unknown node without retrying', async () => {
    await assert.rejects(
      run(lab.activities.readCertificate, { clusterId: 'lab1', nodeId: 'nope', unit: 'tomcat' }),
      (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable && err.type === 'UnknownNode',
    );
  });
});
