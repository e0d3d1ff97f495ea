import assert from 'node:assert/strict';
import forge from 'node-forge';
import type { SimCertificate } from '../../simulator/certificates';

/**
 * Signs a CSR as an enterprise CA would (node-forge), copying its SANs (those `keepSan` keeps: a CA that drops
 * some, for tests of what an engineer gets wrong).
 */
export function signCsr(csrPem: string, ca: SimCertificate, keepSan: (name: string) => boolean = () => true): string {
  const csr = forge.pki.certificationRequestFromPem(csrPem);
  assert.ok(csr.verify(), 'the CSR is self-consistent');
  const caCert = forge.pki.certificateFromPem(ca.pem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = csr.publicKey as forge.pki.rsa.PublicKey;
  cert.serialNumber = '4a' + forge.util.bytesToHex(forge.random.getBytesSync(15));
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  cert.setSubject(csr.subject.attributes);
  cert.setIssuer(caCert.subject.attributes);
  const request = csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: object[] } | null;
  const extensions = (request?.extensions ?? []).map((e) => {
    const san = e as { name?: string; altNames?: Array<{ value?: string }> };
    return san.name === 'subjectAltName' && san.altNames
      ? // A new extension object: forge would re-use the CSR's encoded `value` and keep every name.
        { name: 'subjectAltName', altNames: san.altNames.filter((a) => keepSan(a.value ?? '')) }
      : e;
  });
  cert.setExtensions([{ name: 'basicConstraints', cA: false }, ...extensions]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
