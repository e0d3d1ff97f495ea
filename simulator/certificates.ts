/**
 * Real X.509 certificates for simulated nodes (node-forge for the structure, Node's key generation for speed).
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

export interface SimCertificate {
  pem: string;
  /** Upper-case hex, as parsed by Node's X509Certificate. */
  serial: string;
  subject: string;
  issuer: string;
  validFrom: Date;
  validTo: Date;
}

export interface CertificateRequest {
  commonName: string;
  /** The unit's distinguishing OU, so each unit's certificate reads like CUCM's. */
  organizationalUnit: string;
  validityDays: number;
  now?: Date;
}

export function createSelfSignedCertificate(req: CertificateRequest): SimCertificate {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // Positive 128-bit serial, as CUCM's 16-byte serials.
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x10;
  cert.serialNumber = serial.toString('hex');
  const now = req.now ?? new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + req.validityDays * 86_400_000 - 1000);
  const attrs = [
    { name: 'commonName', value: req.commonName },
    { shortName: 'OU', value: req.organizationalUnit },
    { name: 'organizationName', value: 'Simulated CUCM' },
    { name: 'countryName', value: 'US' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: req.commonName }] },
  ]);
  cert.sign(key, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  const parsed = new X509Certificate(pem);
  return {
    pem,
    serial: parsed.serialNumber.toUpperCase(),
    subject: parsed.subject.replace(/\n/g, ', '),
    issuer: parsed.issuer.replace(/\n/g, ', '),
    validFrom: new Date(parsed.validFrom),
    validTo: new Date(parsed.validTo),
  };
}
