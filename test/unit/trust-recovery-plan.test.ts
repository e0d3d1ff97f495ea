/**
 * The trust-recovery plan (pure, the API's dry run) and its judgement of `show itl` / `show ctl` readings: which
 * command runs where, in which order, the two phone rounds, the refusals, and what is left to do by hand.
 */
import assert from 'node:assert/strict';
import type { TrustFileReading } from '../../domain/contract/trust-recovery';
import type { PlanCluster, PlanNode } from '../../domain/plan';
import { judgeTrustFile, planTrustRecovery, trustRecoveryManualActions } from '../../domain/plan/trust-recovery';

const node = (
  id: string,
  role: 'publisher' | 'subscriber',
  tftp = 'STARTED',
  product = 'callmanager',
  ctiManager = 'STARTED',
): PlanNode => ({
  id,
  role,
  product,
  services: [
    { name: 'Cisco Tftp', state: tftp },
    { name: 'Cisco CallManager', state: 'STARTED' },
    { name: 'Cisco CTIManager', state: ctiManager },
  ],
  certificates: [],
});

const cluster = (version: string, securityMode: 0 | 1, nodes: PlanNode[]): PlanCluster => ({
  clusterId: 'lab',
  version,
  securityMode,
  itlSigner: Number(version.split('.')[0]) >= 12 ? 'ITLRecovery' : 'CallManager',
  nodes,
});

const kinds = (c: PlanCluster) => planTrustRecovery(c).steps.map((s) => s.kind);

describe('trust recovery plan', () => {
  it('non-secure: utils itl reset localkey on the publisher, show itl on each TFTP node, two phone rounds around the TFTP restarts', () => {
    const plan = planTrustRecovery(
      cluster('11.5.1.21900-40', 0, [
        node('pub', 'publisher'),
        node('sub1', 'subscriber'),
        node('sub2', 'subscriber', 'STOPPED'),
        node('imp1', 'subscriber', 'STARTED', 'cups'),
      ]),
    );
    assert.equal(plan.mode, 'non-secure');
    assert.deepEqual(plan.refusals, []);
    assert.deepEqual(plan.tftpNodeIds, ['pub', 'sub1'], 'only CUCM nodes with Cisco Tftp Started');
    assert.deepEqual(
      plan.steps.map((s) => [s.kind, 'nodeId' in s ? s.nodeId : 'nodeIds' in s ? s.nodeIds.join(',') : '']),
      [
        ['reset-trust-file', 'pub'],
        ['verify-trust-file', 'pub,sub1'],
        ['reset-phones', ''],
        ['await-registration', ''],
        ['restart-service', 'pub'],
        ['restart-service', 'sub1'],
        ['verify-trust-file', 'pub,sub1'],
        ['reset-phones', ''],
        ['await-registration', ''],
      ],
    );
    const first = plan.steps[0];
    assert.ok(first?.kind === 'reset-trust-file' && first.command === 'utils itl reset localkey');
    assert.ok(
      plan.steps.every((s) => s.reason.length > 20),
      'every step says why',
    );
  });

  it('mixed mode: utils ctl reset localkey, then utils ctl update CTLFile between the two rounds; never the ITL reset', () => {
    const plan = planTrustRecovery(
      cluster('14.0.1.13900-155', 1, [node('pub', 'publisher'), node('sub1', 'subscriber')]),
    );
    assert.equal(plan.mode, 'mixed');
    const restarts = ['restart-service', 'restart-service', 'restart-service', 'restart-service'];
    const cti = ['restart-service', 'restart-service'];
    assert.deepEqual(kinds(cluster('14.0.1.13900-155', 1, [node('pub', 'publisher'), node('sub1', 'subscriber')])), [
      'reset-trust-file',
      'verify-trust-file',
      ...restarts,
      ...cti,
      'reset-phones',
      'await-registration',
      'update-ctl',
      'verify-trust-file',
      ...restarts,
      ...cti,
      'reset-phones',
      'await-registration',
    ]);
    // After each CTL change, as CUCM prints it: TFTP, then Cisco CallManager, on every node that runs them; then
    // Cisco CTIManager, which FN70613 restarts with CallManager.
    assert.deepEqual(
      plan.steps.slice(2, 8).map((s) => (s.kind === 'restart-service' ? `${s.nodeId}:${s.service}` : s.kind)),
      [
        'pub:Cisco Tftp',
        'sub1:Cisco Tftp',
        'pub:Cisco CallManager',
        'sub1:Cisco CallManager',
        'pub:Cisco CTIManager',
        'sub1:Cisco CTIManager',
      ],
    );
    const ctiReason = plan.steps.find((s) => s.kind === 'restart-service' && s.service === 'Cisco CTIManager')?.reason;
    assert.match(
      ctiReason ?? '',
      /FN70613 \(https:\/\/www\.cisco\.com\/c\/en\/us\/support\/docs\/field-notices\/706\/fn70613\.html\)/,
    );
    assert.ok(plan.steps.every((s) => s.kind !== 'reset-trust-file' || s.command === 'utils ctl reset localkey'));
    assert.ok(plan.steps.every((s) => !('nodeId' in s) || s.kind === 'restart-service' || s.nodeId === 'pub'));
    const pre12 = planTrustRecovery(cluster('11.5.1.21900-40', 1, [node('pub', 'publisher')]));
    assert.match(pre12.warnings.join(' '), /Before 12.0 the CTL is signed by the publisher's CallManager/);
  });

  it('mixed mode: CTIManager is restarted only where it is Started, and not at all for a run on the older code (its patch)', () => {
    const nodes = [node('pub', 'publisher'), node('sub1', 'subscriber', 'STARTED', 'callmanager', 'STOPPED')];
    const where = (ctiManager?: boolean) =>
      planTrustRecovery(
        cluster('14.0.1.13900-155', 1, nodes),
        ctiManager === undefined ? {} : { ctiManager },
      ).steps.flatMap((s) => (s.kind === 'restart-service' && s.service === 'Cisco CTIManager' ? [s.nodeId] : []));
    assert.deepEqual(where(), ['pub', 'pub'], 'after each of the two CTL changes, on pub only (sub1 has it Stopped)');
    assert.deepEqual(where(false), [], 'a run started before the patch restarts TFTP and CallManager only');
    const nonSecure = planTrustRecovery(cluster('14.0.1.13900-155', 0, nodes));
    assert.ok(
      nonSecure.steps.every((s) => s.kind !== 'restart-service' || s.service === 'Cisco Tftp'),
      'the ITL recovery restarts TFTP only (no CTL changes)',
    );
  });

  it('refuses without a publisher or without a TFTP node, with nothing to execute', () => {
    const noTftp = planTrustRecovery(cluster('14.0', 0, [node('pub', 'publisher', 'STOPPED')]));
    assert.deepEqual(
      noTftp.refusals.map((r) => r.code),
      ['no-tftp'],
    );
    assert.deepEqual(noTftp.steps, []);
    const noPub = planTrustRecovery(cluster('14.0', 0, [node('sub1', 'subscriber')]));
    assert.ok(noPub.refusals.some((r) => r.code === 'no-publisher'));
  });

  const reading = (over: Partial<TrustFileReading> = {}): TrustFileReading => ({
    nodeId: 'pub',
    file: 'ITL',
    found: true,
    sha1: 'a'.repeat(40),
    md5: 'b'.repeat(32),
    signerSerial: '5D:E9:0A',
    records: 6,
    ...over,
  });

  it('judges the files by show itl / show ctl: changed checksum, the expected signer (serials compared as numbers)', () => {
    assert.equal(judgeTrustFile(reading({ sha1: 'c'.repeat(40) }), 'changed', { before: reading() }), undefined);
    assert.match(judgeTrustFile(reading(), 'changed', { before: reading() }) ?? '', /unchanged/);
    assert.equal(
      judgeTrustFile(reading(), 'normal-signer', { signerSerial: '5de90a', signerUnit: 'ITLRecovery' }),
      undefined,
    );
    assert.match(
      judgeTrustFile(reading(), 'signed-by-callmanager', { signerSerial: '0BEEF', signerUnit: 'CallManager' }) ?? '',
      /signed by serial 5D:E9:0A, not by CallManager/,
    );
    assert.match(judgeTrustFile(reading({ found: false }), 'changed', {}) ?? '', /not found/);
    assert.match(judgeTrustFile(reading(), 'normal-signer', { signerUnit: 'ITLRecovery' }) ?? '', /no ITLRecovery/);
  });

  it('manual actions: nothing before the first change; the rest of the plan, TFTP first, after it', () => {
    const plan = planTrustRecovery(cluster('11.5', 0, [node('pub', 'publisher')]));
    assert.deepEqual(trustRecoveryManualActions(plan, 0), [
      'Nothing was changed on the cluster by the trust recovery: no manual action is needed.',
    ]);
    const after = trustRecoveryManualActions(plan, 2, { count: 2, sample: ['SEP1', 'SEP2'] });
    assert.match(after[0] ?? '', /still serve the reset ITL: restart Cisco Tftp/);
    assert.ok(after.includes('Reset every phone (round 1: Enterprise Parameters, Reset).'));
    assert.match(after.at(-1) ?? '', /2 phones were still not registered/);
  });
});
