/**
 * Validation of a CA-signed chain an engineer submits for a CSR the node generated, before anything is uploaded:
 * the leaf carries the CSR's public key, names the node (a multi-server CSR's leaf: every node it covers, in its
 * SANs), is valid now, and the chain is complete up to a self-signed root, each certificate signed by the next. Pure computation (no cluster I/O): an activity because
 * workflow code must not parse certificates with Node's crypto.
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { CertificateUnit } from '../domain/units';
import type { SignedChainCheck } from '../domain/certificates';

export interface SignedChainInput {
  nodeId: string;
  unit: CertificateUnit;
  csrPem: string;
  /** The leaf first, then intermediates, then the root (the order most CAs deliver; re-ordered if not). */
  chainPem: string;
  /**
   * A multi-server (SAN) CSR, made on `nodeId` for all these nodes (every CUCM and IM&P node): the leaf must name
   * each of them, since the publisher installs that one certificate on all of them.
   */
  coversNodes?: string[];
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The CSR's SubjectPublicKeyInfo, whatever the key type (node-forge parses RSA CSRs only, so read the ASN.1). */
function csrPublicKeyDer(csrPem: string): Buffer {
  const der = forge.pem.decode(csrPem)[0]?.body;
  if (!der) throw new Error('the CSR is not PEM');
  const request = forge.asn1.fromDer(der);
  const info = (request.value as forge.asn1.Asn1[])[0];
  const spki = (info?.value as forge.asn1.Asn1[] | undefined)?.[2];
  if (!spki) throw new Error('the CSR has no public key');
  return Buffer.from(forge.asn1.toDer(spki).getBytes(), 'binary');
}

function spkiOf(cert: X509Certificate): Buffer {
  return cert.publicKey.export({ type: 'spki', format: 'der' });
}

/** The leaf's DNS SANs, lower-case. */
function dnsNames(leaf: X509Certificate): string[] {
  return (leaf.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4).toLowerCase());
}

/** The node's id is a host name or an FQDN: the leaf names it as that or as its FQDN (`<id>.<domain>`). */
function namesNode(leaf: X509Certificate, nodeId: string, sansOnly = false): boolean {
  const cn = /CN=([^\n,]+)/.exec(leaf.subject)?.[1]?.trim().toLowerCase();
  const id = nodeId.toLowerCase();
  return [...dnsNames(leaf), ...(cn && !sansOnly ? [cn] : [])].some((n) => n === id || n.startsWith(`${id}.`));
}

/**
 * A multi-server certificate is served by every node, so its SANs must name each one (TN 118731: the CSR's SANs
 * are every node of the cluster; the Upgrade Guide asks that the SAN entries of every node be present). The CN of
 * such a CSR names the cluster, not a node, so only the SANs count.
 */
function multiServerProblem(leaf: X509Certificate, unit: string, nodes: readonly string[]): string | undefined {
  const missing = nodes.filter((n) => !namesNode(leaf, n, true));
  if (missing.length === 0) return undefined;
  const sans = dnsNames(leaf);
  return `The signed multi-server ${unit} certificate does not name ${missing.join(', ')} among its SANs (it names ${sans.length > 0 ? sans.join(', ') : 'none'}): every node of the cluster serves this one certificate, so have the CA sign the CSR keeping all its SANs (${nodes.join(', ')}).`;
}

export function checkSignedChain(input: SignedChainInput, now = new Date()): SignedChainCheck {
  const fail = (problem: string): SignedChainCheck => ({ ok: false, problem });
  if (/PRIVATE KEY/.test(input.chainPem))
    return fail(
      'The submission contains a private key: send only certificates (the key stays on the node that made the CSR). Treat that key as exposed.',
    );
  const blocks = input.chainPem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) return fail('No PEM certificate found: paste the signed certificate and its CA chain.');
  let certs: X509Certificate[];
  try {
    certs = blocks.map((b) => new X509Certificate(b));
  } catch (err) {
    return fail(`A certificate does not parse: ${err instanceof Error ? err.message : String(err)}.`);
  }
  let csrKey: Buffer;
  try {
    csrKey = csrPublicKeyDer(input.csrPem);
  } catch (err) {
    return fail(`The CSR of ${input.nodeId} does not parse: ${err instanceof Error ? err.message : String(err)}.`);
  }
  const leafIndex = certs.findIndex((c) => spkiOf(c).equals(csrKey));
  if (leafIndex < 0)
    return fail(
      `No certificate in the chain carries the public key of ${input.nodeId}'s ${input.unit} CSR: was it signed from another CSR (or an older one)?`,
    );
  const leaf = certs[leafIndex] as X509Certificate;
  const notCovered = input.coversNodes ? multiServerProblem(leaf, input.unit, input.coversNodes) : undefined;
  if (notCovered) return fail(notCovered);
  if (!input.coversNodes && !namesNode(leaf, input.nodeId))
    return fail(
      `The signed ${input.unit} certificate names ${leaf.subjectAltName ?? leaf.subject.replace(/\n/g, ', ')}, not ${input.nodeId}.`,
    );
  if (Date.parse(leaf.validFrom) > now.getTime() || Date.parse(leaf.validTo) < now.getTime())
    return fail(`The signed certificate is not valid now (valid ${leaf.validFrom} to ${leaf.validTo}).`);

  // Walk from the leaf to a self-signed root through the other certificates, whatever order they came in.
  const rest = certs.filter((_, i) => i !== leafIndex);
  const chain: X509Certificate[] = [];
  let current = leaf;
  while (!(current.checkIssued(current) && current.verify(current.publicKey))) {
    const issuer = rest.find((c) => !chain.includes(c) && current.checkIssued(c) && current.verify(c.publicKey));
    if (!issuer)
      return fail(
        `The chain is incomplete: nothing in it signed ${current.subject.replace(/\n/g, ', ')} (issuer ${current.issuer.replace(/\n/g, ', ')}). Add the intermediate and root CA certificates.`,
      );
    if (!issuer.ca) return fail(`${issuer.subject.replace(/\n/g, ', ')} signs the chain but is not a CA certificate.`);
    chain.push(issuer);
    current = issuer;
  }
  if (chain.length === 0)
    return fail(
      `The ${input.unit} certificate is self-signed: the CA-signed path expects a certificate signed by the CA.`,
    );
  return {
    ok: true,
    leafPem: leaf.toString(),
    caPems: chain.map((c) => c.toString()),
    serial: leaf.serialNumber.toUpperCase(),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    notAfter: new Date(leaf.validTo).toISOString(),
  };
}

export function chainActivities() {
  return {
    /** Checks a submitted chain against the node's CSR; answers the problem in an engineer's words. */
    validateSignedChain: async (input: SignedChainInput): Promise<SignedChainCheck> => checkSignedChain(input),
  };
}
