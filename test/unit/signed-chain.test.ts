/**
 * checkSignedChain: what the workflow accepts from an engineer for a CA-signed unit, before anything is uploaded.
 * Real certificates (node-forge and Node's crypto): a CA, an intermediate, CSRs like the nodes make.
 */
import assert from 'node:assert/strict';
import forge from 'node-forge';
import { checkSignedChain } from '../../activities/chain';
import { createCertificate, type SimCertificate } from '../../simulator/certificates';
import { signCsr } from '../support/pki';

function csrFor(commonName: string): string {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = keys.publicKey;
  csr.setSubject([{ name: 'commonName', value: commonName }]);
  csr.setAttributes([
    { name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: commonName }] }] },
  ]);
  csr.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

describe('checkSignedChain (a CA-signed chain against the node CSR)', function () {
  this.timeout(60_000);
  let root: SimCertificate;
  let issuing: SimCertificate;
  let csr: string;
  let leaf: string;

  before(async () => {
    root = await createCertificate({
      commonName: 'Lab Root CA',
      organizationalUnit: 'PKI',
      validityDays: 3650,
      isCa: true,
    });
    issuing = await createCertificate({
      commonName: 'Lab Issuing CA',
      organizationalUnit: 'PKI',
      validityDays: 1825,
      isCa: true,
      issuer: root,
    });
    csr = csrFor('cucm-pub');
    leaf = signCsr(csr, issuing);
  });

  const check = (chainPem: string, nodeId = 'cucm-pub', csrPem = csr) =>
    checkSignedChain({ nodeId, unit: 'tomcat', csrPem, chainPem });

  it('accepts leaf, intermediate and root in any order, and returns the CA certificates leaf-up', () => {
    for (const chain of [`${leaf}${issuing.pem}${root.pem}`, `${root.pem}\n${leaf}\n${issuing.pem}`]) {
      const r = check(chain);
      assert.ok(r.ok, r.ok ? '' : r.problem);
      assert.equal(r.caPems.length, 2);
      assert.match(r.issuer, /Lab Issuing CA/);
      assert.match(r.serial, /^[0-9A-F]+$/);
    }
  });

  it('refuses a chain signed from another CSR', () => {
    const r = check(`${signCsr(csrFor('cucm-pub'), issuing)}${issuing.pem}${root.pem}`);
    assert.ok(!r.ok && /No certificate in the chain carries the public key/.test(r.problem));
  });

  it('refuses a chain without its root or intermediate, saying what to add', () => {
    const noRoot = check(`${leaf}${issuing.pem}`);
    assert.ok(!noRoot.ok && /incomplete.*Lab Issuing CA.*Add the intermediate and root/s.test(noRoot.problem));
    const noIntermediate = check(`${leaf}${root.pem}`);
    assert.ok(!noIntermediate.ok && /incomplete/.test(noIntermediate.problem));
  });

  it('refuses a certificate for another node', () => {
    const r = check(`${leaf}${issuing.pem}${root.pem}`, 'cucm-sub1');
    assert.ok(!r.ok && /names .*cucm-pub.*not cucm-sub1/.test(r.problem));
  });

  it('refuses a private key in the submission, and text that holds no certificate', () => {
    const withKey = check(`${leaf}${issuing.keyPem}`);
    assert.ok(!withKey.ok && /private key/.test(withKey.problem));
    const empty = check('hello');
    assert.ok(!empty.ok && /No PEM certificate/.test(empty.problem));
  });
});
