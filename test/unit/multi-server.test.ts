/**
 * csrDistribution "multi-server" (TN 118731): the plan makes one CSR on the publisher for every CUCM and IM&P node
 * and refuses it where it cannot work (another unit, a self-signed unit, a release without the REST API); the
 * signed chain must name every node in its SANs. Real certificates (node-forge, Node's crypto).
 */
import assert from 'node:assert/strict';
import forge from 'node-forge';
import { checkSignedChain } from '../../activities/chain';
import { csrDistributionProblem } from '../../api/csr-distribution';
import { createCertificate, type SimCertificate } from '../../simulator/certificates';
import { MULTI_SERVER_ROWS } from '../../simulator/facts';
import { defaultServices } from '../../simulator/services';
import { parseCucmVersion, unitsOnNode, type NodeProduct } from '../../domain/cucm-version';
import { manualActionsFor } from '../../workflows/manual-actions';
import {
  buildPlan,
  checkPlanInvariants,
  MULTI_SERVER_UNITS,
  REFUSAL_CODES,
  type PlanCluster,
  type PlanNode,
  type PlanRequest,
} from '../../domain/plan';
import type { CertificateUnit } from '../../domain/units';
import { signCsr } from '../support/pki';

interface Spec {
  id: string;
  product?: NodeProduct;
  selfSigned?: boolean;
}

/** A cluster as discovery reports it: tomcat (and tomcat-ECDSA) CA-signed unless `selfSigned`. */
function cluster(version: string, specs: Spec[]): PlanCluster {
  const v = parseCucmVersion(version);
  const nodes = specs.map((spec, i): PlanNode => {
    const role = i === 0 ? 'publisher' : 'subscriber';
    const product = spec.product ?? 'callmanager';
    const services = Object.entries(defaultServices(v, role, product, true)).map(([name, s]) => ({
      name,
      state: s.state,
    }));
    const certificates = unitsOnNode(v, role, product).map((unit) => {
      const ca = unit.startsWith('tomcat') && !spec.selfSigned;
      return {
        unit,
        serial: `${spec.id}-${unit}`,
        selfSigned: !ca,
        issuer: ca ? 'CN=Corp Issuing CA' : `CN=${spec.id}`,
        notAfter: '2030-01-01T00:00:00Z',
      };
    });
    return { id: spec.id, role, product, services, certificates };
  });
  return { clusterId: 'lab', version, securityMode: 0, itlSigner: 'ITLRecovery', nodes };
}

const lab: Spec[] = [{ id: 'pub' }, { id: 'sub1' }, { id: 'sub2' }, { id: 'imp1', product: 'cups' }];
const multi = (units: CertificateUnit[]): PlanRequest => ({ units, csrDistribution: 'multi-server' });

describe('multi-server (SAN) CSR: the plan', () => {
  it('one CSR step on the publisher naming every CUCM and IM&P node, then Tomcat restarts and verification everywhere', () => {
    const c = cluster('14.0.1.13900-155', lab);
    const request = multi(['tomcat']);
    const plan = buildPlan(c, request);
    assert.deepEqual(plan.refusals, []);
    assert.deepEqual(checkPlanInvariants(c, request, plan), []);
    const steps = plan.units[0]?.steps ?? [];
    const renewals = steps.filter((s) => s.kind === 'ca-signed-renewal');
    assert.equal(renewals.length, 1, 'one renewal step');
    const renewal = renewals[0];
    assert.ok(renewal?.kind === 'ca-signed-renewal');
    assert.equal(renewal.distribution, 'multi-server');
    assert.equal(renewal.csrNodeId, 'pub');
    assert.deepEqual(renewal.nodeIds, ['pub', 'sub1', 'sub2', 'imp1']);
    assert.match(
      renewal.reason,
      /one multi-server \(SAN\) CSR on the publisher pub naming pub, sub1, sub2, imp1 \(IM&P\)/,
    );
    assert.match(renewal.reason, /uploaded on the publisher, which distributes/);
    assert.ok(!steps.some((s) => s.kind === 'regenerate'), 'never a self-signed regeneration');
    assert.deepEqual(
      steps.filter((s) => s.kind === 'restart-service').map((s) => s.kind === 'restart-service' && s.nodeId),
      ['pub', 'sub1', 'sub2', 'imp1'],
    );
    const verify = steps.find((s) => s.kind === 'verify-certificate');
    assert.deepEqual(verify?.kind === 'verify-certificate' && verify.nodeIds, ['pub', 'sub1', 'sub2', 'imp1']);
    assert.ok(plan.warnings.some((w) => /one multi-server \(SAN\) CSR on the publisher pub/.test(w)));
    // Interrupted in the renewal: the engineer is told to upload the one chain on the publisher.
    const actions = manualActionsFor({
      unit: 'tomcat',
      steps,
      progress: steps.map((_, i) => (i === 0 ? 'interrupted' : 'not-run')),
    });
    assert.match(actions.join('\n'), /multi-server CSR of pub signed .* upload the chain on pub/);
  });

  it("agrees with the simulator's cited table: every unit the plan allows is one whose SANs cover every node", () => {
    for (const unit of MULTI_SERVER_UNITS)
      assert.equal(MULTI_SERVER_ROWS.find((r) => r.unit === unit)?.covers, 'every node', unit);
  });

  it('per-node (the default) stays one CSR per node', () => {
    const c = cluster('14.0.1.13900-155', lab);
    for (const request of [
      { units: ['tomcat'] },
      { units: ['tomcat'], csrDistribution: 'per-node' },
    ] as PlanRequest[]) {
      const renewal = buildPlan(c, request).units[0]?.steps.find((s) => s.kind === 'ca-signed-renewal');
      assert.ok(renewal?.kind === 'ca-signed-renewal');
      assert.equal(renewal.distribution, undefined);
      assert.deepEqual(renewal.nodeIds, ['pub', 'sub1', 'sub2', 'imp1']);
    }
  });

  it('refuses other units, self-signed units and releases before 14, saying what to do', () => {
    const codes = (c: PlanCluster, r: PlanRequest) => buildPlan(c, r).refusals;
    const ok = cluster('14.0.1.13900-155', lab);
    const other = codes(ok, multi(['tomcat', 'CallManager']));
    assert.deepEqual(
      other.map((r) => r.code),
      [REFUSAL_CODES.multiServerUnit],
    );
    assert.match(other[0]?.message ?? '', /applies to tomcat and tomcat-ECDSA only.*remove CallManager/);
    const selfSigned = codes(
      cluster('14.0.1.13900-155', [{ id: 'pub' }, { id: 'sub1', selfSigned: true }]),
      multi(['tomcat']),
    );
    assert.deepEqual(
      selfSigned.map((r) => r.code),
      [REFUSAL_CODES.multiServerSelfSigned],
    );
    assert.match(selfSigned[0]?.message ?? '', /self-signed on sub1: regenerate it without csrDistribution/);
    const old = codes(cluster('12.5.1.16900-48', lab), multi(['tomcat']));
    assert.deepEqual(
      old.map((r) => r.code),
      [REFUSAL_CODES.multiServerVersion],
    );
    assert.match(old[0]?.message ?? '', /Multi-server\(SAN\)/);
  });

  it('the API refuses other units before discovery (400 detail names the field and the units)', () => {
    assert.equal(
      csrDistributionProblem({ units: ['tomcat', 'tomcat-ECDSA'], csrDistribution: 'multi-server' }),
      undefined,
    );
    assert.equal(csrDistributionProblem({ units: ['CallManager'], csrDistribution: 'per-node' }), undefined);
    assert.match(
      csrDistributionProblem({ units: ['tomcat', 'TVS'], csrDistribution: 'multi-server' }) ?? '',
      /^body\.csrDistribution "multi-server" applies to tomcat and tomcat-ECDSA only .*remove TVS/,
    );
  });
});

describe('multi-server (SAN) CSR: the signed chain', function () {
  this.timeout(60_000);
  let root: SimCertificate;
  let csr: string;
  const nodes = ['pub', 'sub1', 'sub2', 'imp1'];

  /** A CSR like the publisher makes: CN <pub>-ms, the SANs the FQDNs given. */
  function multiCsr(sans: string[]): string {
    const keys = forge.pki.rsa.generateKeyPair(2048);
    const request = forge.pki.createCertificationRequest();
    request.publicKey = keys.publicKey;
    request.setSubject([{ name: 'commonName', value: 'pub.lab.example-ms' }]);
    request.setAttributes([
      {
        name: 'extensionRequest',
        extensions: [{ name: 'subjectAltName', altNames: sans.map((value) => ({ type: 2, value })) }],
      },
    ]);
    request.sign(keys.privateKey, forge.md.sha256.create());
    return forge.pki.certificationRequestToPem(request);
  }

  before(async () => {
    root = await createCertificate({
      commonName: 'Lab Root CA',
      organizationalUnit: 'PKI',
      validityDays: 3650,
      isCa: true,
    });
    csr = multiCsr(nodes.map((n) => `${n}.lab.example`));
  });

  const check = (leaf: string, csrPem = csr) =>
    checkSignedChain({ nodeId: 'pub', unit: 'tomcat', csrPem, chainPem: `${leaf}${root.pem}`, coversNodes: nodes });

  it('accepts a leaf whose SANs name every node (its CN names none)', () => {
    const r = check(signCsr(csr, root));
    assert.ok(r.ok, r.ok ? '' : r.problem);
  });

  it('refuses a leaf missing SANs, naming the nodes missing', () => {
    // The CA dropped two SANs: same key (the CSR's), but sub2 and imp1 are not named.
    const keys = forge.pki.certificationRequestFromPem(csr);
    const trimmed = forge.pki.createCertificate();
    trimmed.publicKey = keys.publicKey as forge.pki.rsa.PublicKey;
    trimmed.serialNumber = '4b01';
    trimmed.validity.notBefore = new Date(Date.now() - 60_000);
    trimmed.validity.notAfter = new Date(Date.now() + 86_400_000);
    trimmed.setSubject(keys.subject.attributes);
    trimmed.setIssuer(forge.pki.certificateFromPem(root.pem).subject.attributes);
    trimmed.setExtensions([
      {
        name: 'subjectAltName',
        altNames: ['pub.lab.example', 'sub1.lab.example'].map((value) => ({ type: 2, value })),
      },
    ]);
    trimmed.sign(forge.pki.privateKeyFromPem(root.keyPem), forge.md.sha256.create());
    const r = check(forge.pki.certificateToPem(trimmed));
    assert.ok(!r.ok);
    assert.match(
      r.problem,
      /does not name sub2, imp1 among its SANs \(it names pub\.lab\.example, sub1\.lab\.example\)/,
    );
  });

  it('refuses a leaf from another CSR, and an incomplete chain, as for per-node CSRs', () => {
    const other = signCsr(multiCsr(nodes.map((n) => `${n}.lab.example`)), root);
    const wrongKey = check(other);
    assert.ok(!wrongKey.ok && /No certificate in the chain carries the public key/.test(wrongKey.problem));
    const noRoot = checkSignedChain({
      nodeId: 'pub',
      unit: 'tomcat',
      csrPem: csr,
      chainPem: signCsr(csr, root),
      coversNodes: nodes,
    });
    assert.ok(!noRoot.ok && /incomplete/.test(noRoot.problem));
  });
});
