/**
 * The PKI work behind the certificate REST API: CSRs with a fresh RSA key (node-forge), and the checks CUCM makes
 * before it installs a CA-signed identity certificate: the certificate carries the pending CSR's key, the chain
 * links up, and its top is a CA the unit's trust store already holds.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { describeCertificate as describePem, type SimCertificate } from '../certificates';
import type { PendingCsr, TrustEntry } from '../model';

const generateKeyPairAsync = promisify(generateKeyPair);

export class CertificateRejected extends Error {}

interface CsrRequest {
  commonName: string;
  /** The unit, as the OU, like CUCM's own CSRs. */
  organizationalUnit: string;
  altNames: string[];
  keyLength: number;
}

export async function createCsr(req: CsrRequest): Promise<PendingCsr> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: req.keyLength });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  const subject: forge.pki.CertificateField[] = [
    { name: 'commonName', value: req.commonName },
    { shortName: 'OU', value: req.organizationalUnit },
    { name: 'organizationName', value: 'Simulated CUCM' },
    { name: 'localityName', value: 'Lab' },
    { name: 'stateOrProvinceName', value: 'Lab' },
    { name: 'countryName', value: 'US' },
  ];
  csr.setSubject(subject);
  if (req.altNames.length > 0) {
    csr.setAttributes([
      {
        name: 'extensionRequest',
        extensions: [{ name: 'subjectAltName', altNames: req.altNames.map((value) => ({ type: 2, value })) }],
      },
    ]);
  }
  csr.sign(key, forge.md.sha256.create());
  return {
    csrPem: forge.pki.certificationRequestToPem(csr),
    keyPem,
    subject: `CN=${req.commonName}, OU=${req.organizationalUnit}, O=Simulated CUCM, L=Lab, ST=Lab, C=US`,
    altNames: req.altNames,
  };
}

/** Every PEM certificate block in the given strings, in order. */
export function pemBlocks(texts: string[]): string[] {
  return texts
    .flatMap((t) => t.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
    .map((b) => `${b}\n`);
}

function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new CertificateRejected('Invalid certificate: not a PEM-encoded X.509 certificate');
  }
}

/** A SimCertificate for an uploaded certificate (keyPem empty for trust certificates: the node has no key). */
export function describeCertificate(pem: string, keyPem = ''): SimCertificate {
  parseCertificate(pem); // refuses what is not a certificate, with the API's message
  return describePem(pem, keyPem);
}

function spki(key: ReturnType<typeof createPublicKey>): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

function issued(child: X509Certificate, issuer: X509Certificate): boolean {
  return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

/**
 * Validates `[leaf, intermediates..., root?]` for installation with the pending CSR's key. The chain must be
 * signed link by link, and its top (or the issuer of its top) must already be in `trust` (the unit's trust store).
 * Returns the leaf as a SimCertificate carrying the CSR's private key.
 */
export function validateIdentityChain(
  chainPem: string[],
  pending: PendingCsr,
  trust: TrustEntry[],
  store: string,
): SimCertificate {
  if (chainPem.length === 0)
    throw new CertificateRejected('No certificate in the request: send [leaf, intermediates..., root] as PEM');
  const chain = chainPem.map(parseCertificate);
  const leaf = chain[0]!;
  if (!spki(leaf.publicKey).equals(spki(createPublicKey(createPrivateKey(pending.keyPem))))) {
    throw new CertificateRejected('The certificate does not match the pending CSR: its public key is not the CSR key');
  }
  const now = Date.now();
  if (now < Date.parse(leaf.validFrom) || now > Date.parse(leaf.validTo)) {
    throw new CertificateRejected(`The certificate is not valid now (valid ${leaf.validFrom} to ${leaf.validTo})`);
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!issued(chain[i]!, chain[i + 1]!)) {
      throw new CertificateRejected(
        `Certificate ${i + 1} of the chain (${chain[i]!.subject.replace(/\n/g, ', ')}) is not signed by the next one`,
      );
    }
  }
  const top = chain[chain.length - 1]!;
  const trusted = trust.map((e) => new X509Certificate(e.cert.pem));
  const topIsTrusted = trusted.some((t) => t.raw.equals(top.raw)) && top !== leaf;
  const issuerIsTrusted = trusted.some((t) => issued(top, t));
  if (!topIsTrusted && !issuerIsTrusted) {
    throw new CertificateRejected(
      `The CA certificate that issued this chain (${top.issuer.replace(/\n/g, ', ')}) is not in ${store}: upload the root and intermediate certificates as ${store} first`,
    );
  }
  return describeCertificate(leaf.toString(), pending.keyPem);
}
