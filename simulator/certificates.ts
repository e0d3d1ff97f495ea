/**
 * Real X.509 certificates for simulated nodes. node-forge builds the structure; Node's crypto generates the keys
 * (asynchronously, on the thread pool, so a cluster's dozens of keys come in parallel) and signs. node-forge only
 * signs with RSA, so ECDSA certificates (tomcat-ECDSA, CallManager-ECDSA) get their TBSCertificate from forge with
 * the EC public key spliced in, then a signature from Node's crypto.
 */
import { createPrivateKey, generateKeyPair, randomBytes, sign, X509Certificate } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateKeyPairAsync = promisify(generateKeyPair);

type KeyType = 'RSA' | 'EC';

export interface SimCertificate {
  pem: string;
  /** PKCS#8 PEM of the private key: the simulator serves HTTPS with it and signs with it. */
  keyPem: string;
  keyType: KeyType;
  keySize: number;
  /** Upper-case hex, as Node's X509Certificate prints it. */
  serial: string;
  subject: string;
  issuer: string;
  commonName: string;
  selfSigned: boolean;
  validFrom: Date;
  validTo: Date;
}

interface CertificateRequest {
  commonName: string;
  /** The unit's distinguishing OU, so each unit's certificate reads like CUCM's. */
  organizationalUnit: string;
  validityDays: number;
  keyType?: KeyType;
  /** Signed by this CA instead of self-signed. */
  issuer?: SimCertificate;
  isCa?: boolean;
  /** Start of validity; a date in the past with a short validity makes an expired certificate. */
  notBefore?: Date;
  altNames?: string[];
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

function subjectAttrs(req: CertificateRequest): forge.pki.CertificateField[] {
  return [
    { name: 'commonName', value: req.commonName },
    { shortName: 'OU', value: req.organizationalUnit },
    { name: 'organizationName', value: 'Simulated CUCM' },
    { name: 'localityName', value: 'Lab' },
    { name: 'stateOrProvinceName', value: 'Lab' },
    { name: 'countryName', value: 'US' },
  ];
}

function positiveSerialHex(): string {
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x10; // positive, and always 16 bytes like CUCM's
  return serial.toString('hex');
}

/** Builds the forge certificate skeleton (everything but the key and the signature). */
function skeleton(req: CertificateRequest, publicKey: forge.pki.PublicKey): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = positiveSerialHex();
  const notBefore = req.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + req.validityDays * 86_400_000 - 1000);
  cert.setSubject(subjectAttrs(req));
  cert.setIssuer(req.issuer ? forge.pki.certificateFromPem(req.issuer.pem).subject.attributes : subjectAttrs(req));
  cert.setExtensions(
    req.isCa
      ? [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        ]
      : [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
          { name: 'subjectAltName', altNames: (req.altNames ?? [req.commonName]).map((value) => ({ type: 2, value })) },
        ],
  );
  return cert;
}

/** A SimCertificate from a PEM (keyPem empty for a certificate the node holds without its key, e.g. trust). */
export function describeCertificate(pem: string, keyPem = ''): SimCertificate {
  const parsed = new X509Certificate(pem);
  const keyType: KeyType = parsed.publicKey.asymmetricKeyType === 'ec' ? 'EC' : 'RSA';
  return {
    pem: parsed.toString(),
    keyPem,
    keyType,
    keySize: keyType === 'EC' ? 256 : (parsed.publicKey.asymmetricKeyDetails?.modulusLength ?? 0),
    serial: parsed.serialNumber.toUpperCase(),
    subject: parsed.subject.replace(/\n/g, ', '),
    issuer: parsed.issuer.replace(/\n/g, ', '),
    commonName: /CN=([^\n]+)/.exec(parsed.subject)?.[1] ?? '',
    selfSigned: parsed.subject === parsed.issuer,
    validFrom: new Date(parsed.validFrom),
    validTo: new Date(parsed.validTo),
  };
}

async function createRsa(req: CertificateRequest): Promise<SimCertificate> {
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const cert = skeleton(req, forge.pki.setRsaPublicKey(key.n, key.e));
  if (req.issuer && req.issuer.keyType !== 'RSA') throw new Error('the simulated CA signs with RSA');
  const signer = req.issuer ? forge.pki.privateKeyFromPem(toPkcs1(req.issuer.keyPem)) : key;
  cert.sign(signer, forge.md.sha256.create());
  return describeCertificate(forge.pki.certificateToPem(cert), keyPem);
}

function toPkcs1(pkcs8Pem: string): string {
  return createPrivateKey(pkcs8Pem).export({ type: 'pkcs1', format: 'pem' }).toString();
}

function algorithmIdentifier(oid: string, withNullParams: boolean): forge.asn1.Asn1 {
  const { asn1 } = forge;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(oid).getBytes()),
    ...(withNullParams ? [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')] : []),
  ]);
}

async function createEc(req: CertificateRequest): Promise<SimCertificate> {
  const { asn1 } = forge;
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
  // A throwaway RSA-shaped public key lets forge build the TBSCertificate; the EC key replaces it below.
  const placeholder = forge.pki.rsa.setPublicKey(new forge.jsbn.BigInteger('3'), new forge.jsbn.BigInteger('65537'));
  const draft = skeleton(req, placeholder);
  draft.siginfo.algorithmOid = ECDSA_WITH_SHA256; // replaced below; forge needs one to serialise
  // getTBSCertificate is public in node-forge but missing from its type definitions.
  const { getTBSCertificate } = forge.pki as unknown as {
    getTBSCertificate: (c: forge.pki.Certificate) => forge.asn1.Asn1;
  };
  const tbs = getTBSCertificate(draft);
  const parts = tbs.value as forge.asn1.Asn1[];
  // TBSCertificate: [0] version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, [3] extensions
  parts[6] = asn1.fromDer(
    forge.util.createBuffer(publicKey.export({ type: 'spki', format: 'der' }).toString('binary')),
  );
  // Self-signed: ECDSA with SHA-256; signed by the (RSA) simulated CA: sha256WithRSAEncryption.
  const algorithm = req.issuer
    ? algorithmIdentifier('1.2.840.113549.1.1.11', true)
    : algorithmIdentifier(ECDSA_WITH_SHA256, false);
  parts[2] = algorithm;
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, req.issuer ? createPrivateKey(req.issuer.keyPem) : privateKey);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    tbs,
    algorithm,
    asn1.create(
      asn1.Class.UNIVERSAL,
      asn1.Type.BITSTRING,
      false,
      String.fromCharCode(0) + signature.toString('binary'),
    ),
  ]);
  const base64 = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary').toString('base64');
  const pem = `-----BEGIN CERTIFICATE-----\n${base64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
  return describeCertificate(pem, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

export function createCertificate(req: CertificateRequest): Promise<SimCertificate> {
  return req.keyType === 'EC' ? createEc(req) : createRsa(req);
}

/** Kept for callers that only need a self-signed RSA certificate. */
export function createSelfSignedCertificate(req: CertificateRequest): Promise<SimCertificate> {
  return createRsa({ ...req, issuer: undefined });
}
