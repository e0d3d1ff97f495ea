/**
 * Cisco's certificate-management REST API (CUCM 14+) under /platformcom/api/v1/certmgr/config/, per node and with
 * the OS administrator's credentials (reference 5.1): snapshot, identity and trust reads, CSR generation, CA-signed
 * identity upload (validated against the pending CSR and the unit's trust store) and trust upload. An uploaded
 * identity certificate is installed like CUCM does: the service keeps its old certificate until it restarts.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimCertificate } from '../certificates';
import { CERTIFICATE_UNITS, MULTI_SERVER_FACTS, multiServerRow, trustStoreOf, type CertificateUnit } from '../facts';
import type { SimNode } from '../model';
import { requestUser } from './basic-auth';
import { CertificateRejected, createCsr, describeCertificate, pemBlocks, validateIdentityChain } from './certmgr-pki';
import { queryParam, readBody, requestPath, sendJson } from './http-util';

export const CERTMGR_BASE = '/platformcom/api/v1/certmgr/config';

const KEY_LENGTHS = [2048, 3072, 4096];

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new ApiError(400, message);

function findUnit(name: unknown): CertificateUnit {
  const unit =
    typeof name === 'string' ? CERTIFICATE_UNITS.find((u) => u.toLowerCase() === name.trim().toLowerCase()) : undefined;
  if (!unit)
    throw badRequest(`Invalid service ${JSON.stringify(name)}: expected one of ${CERTIFICATE_UNITS.join(', ')}`);
  return unit;
}

/** A unit this node holds its own certificate for. */
function ownUnit(node: SimNode, name: unknown): CertificateUnit {
  const unit = findUnit(name);
  if (!node.certificates.has(unit)) throw badRequest(`${node.name} has no ${unit} certificate`);
  return unit;
}

/**
 * A trust store, named as the public clients do by unit ("tomcat": confirmed, facts CERTMGR_FACTS.trustServiceUnit)
 * or by store ("tomcat-trust": accepted, a guess).
 */
function trustStore(name: unknown): string {
  if (typeof name === 'string' && /-trust$/i.test(name.trim()))
    return trustStoreOf(findUnit(name.trim().replace(/-trust$/i, '')));
  return trustStoreOf(findUnit(name));
}

function strings(value: unknown, field: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (value === undefined || list.some((v) => typeof v !== 'string'))
    throw badRequest(`${field} must be a string or a list of strings`);
  return list as string[];
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    const body: unknown = JSON.parse(await readBody(req));
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw badRequest('The request body must be a JSON object');
}

function trustData(node: SimNode, store: string) {
  return {
    service: store,
    certificate_data: (node.trust.get(store) ?? []).map((e) => ({ filename: e.filename, certificate: e.cert.pem })),
  };
}

function snapshot(node: SimNode) {
  return {
    server: node.fqdn,
    identities: [...node.certificates].map(([unit, cert]) => ({
      service: unit,
      certificate: cert.pem,
      ...(node.csrs.has(unit) ? { csr: node.csrs.get(unit)!.csrPem } : {}),
    })),
    trusts: [...node.trust.keys()].map((store) => trustData(node, store)),
    revokedCertificates: [],
  };
}

async function generateCsr(node: SimNode, req: IncomingMessage) {
  const body = await jsonBody(req);
  const unit = ownUnit(node, body.service);
  // What was asked, before any refusal: a test (or an engineer) sees which key a client wanted for which unit.
  const keyType = typeof body.keyType === 'string' ? body.keyType : 'rsa';
  node.cluster.log(node, requestUser(req), 'csr-requested', {
    unit,
    keyType,
    keyLength: typeof body.keyLength === 'number' || typeof body.keyLength === 'string' ? String(body.keyLength) : '',
    distribution: typeof body.distribution === 'string' ? body.distribution : 'this-server',
  });
  if (unit === 'ITLRecovery') throw badRequest('A CSR cannot be generated for ITLRecovery');
  // facts CERTMGR_FACTS.ecdsaKey: an -ECDSA unit takes an EC key, as OS Administration offers only EC for it.
  if (unit.endsWith('-ECDSA') && /^rsa$/i.test(keyType))
    throw badRequest(`${unit} takes an EC key: keyType ${keyType} is not offered for the ECDSA certificates`);
  if (!unit.endsWith('-ECDSA') && !/^rsa$/i.test(keyType))
    throw badRequest(`${unit} takes an RSA key: keyType ${keyType} is offered for the ECDSA certificates only`);
  // The simulator's own limit (its CSR builder makes RSA requests only), said as such, not as CUCM's answer.
  if (unit.endsWith('-ECDSA'))
    throw new ApiError(501, `The simulator does not generate EC CSRs (asked: ${unit}, keyType ${keyType})`);
  const keyLength = body.keyLength === undefined ? 2048 : Number(body.keyLength);
  if (!KEY_LENGTHS.includes(keyLength)) throw badRequest(`keyLength must be one of ${KEY_LENGTHS.join(', ')}`);
  const distribution = typeof body.distribution === 'string' ? body.distribution : 'this-server';
  // The REST spelling of the GUI's "Multi-server(SAN)" is a guess (facts/csr-distribution.ts).
  const multiServer = distribution.toLowerCase() === MULTI_SERVER_FACTS.restDistributionValue.value;
  if (!multiServer && distribution.toLowerCase() !== 'this-server')
    throw badRequest(`Invalid distribution ${JSON.stringify(distribution)}: expected this-server or multi-server`);
  const row = multiServerRow(unit);
  if (multiServer && !row) throw badRequest(`A multi-server CSR cannot be generated for ${unit}`);
  // TN 118731: the SANs are every node of the cluster (tomcat: CUCM and IM&P; CallManager: CUCM only).
  const covered = multiServer
    ? node.cluster.nodes.filter(
        (n) => n.certificates.has(unit) && (row?.covers === 'every node' || n.product === 'callmanager'),
      )
    : [node];
  const commonName =
    typeof body.commonName === 'string' && body.commonName
      ? body.commonName
      : multiServer
        ? `${node.fqdn}-ms`
        : node.fqdn;
  const extra = body.altNames === undefined ? [] : strings(body.altNames, 'altNames');
  const altNames = [...new Set([...covered.map((n) => n.fqdn), ...extra])];
  const pending = await createCsr({ commonName, organizationalUnit: unit, altNames, keyLength });
  if (multiServer) pending.multiServer = covered.map((n) => n.name);
  node.csrs.set(unit, pending);
  node.cluster.log(node, requestUser(req), 'csr-generated', {
    unit,
    commonName,
    distribution,
    ...(multiServer ? { altNames: altNames.join(',') } : {}),
  });
  return { csr: pending.csrPem };
}

/**
 * A multi-server certificate uploaded on one node is the certificate of every node it covers (facts
 * distributedOnUpload): each gets the same leaf and key, and the CA chain in its trust store. Like any upload, a
 * node's Tomcat keeps serving its old certificate until it restarts.
 */
function distributeMultiServer(
  node: SimNode,
  unit: CertificateUnit,
  cert: SimCertificate,
  cas: SimCertificate[],
  actor: string,
) {
  const store = trustStoreOf(unit);
  for (const name of node.csrs.get(unit)?.multiServer ?? []) {
    const target = node.cluster.nodes.find((n) => n.name === name);
    if (!target || target === node) continue;
    const before = target.certificates.get(unit);
    for (const ca of cas) target.addTrust(store, ca);
    target.certificates.set(unit, cert);
    target.csrs.delete(unit);
    node.cluster.log(target, actor, 'cert-distributed', {
      unit,
      from: node.name,
      serialBefore: before?.serial ?? '',
      serialAfter: cert.serial,
    });
  }
}

async function uploadIdentity(node: SimNode, req: IncomingMessage) {
  const body = await jsonBody(req);
  const unit = ownUnit(node, body.service);
  const pending = node.csrs.get(unit);
  if (!pending) throw badRequest(`No CSR is pending for ${unit} on ${node.name}: generate one first`);
  const store = trustStoreOf(unit);
  const cert = validateIdentityChain(
    pemBlocks(strings(body.certificates, 'certificates')),
    pending,
    node.trust.get(store) ?? [],
    store,
  );
  const before = node.certificate(unit);
  const covers = pending.multiServer;
  node.certificates.set(unit, cert);
  node.cluster.log(node, requestUser(req), 'cert-imported', {
    unit,
    serialBefore: before.serial,
    serialAfter: cert.serial,
    issuer: cert.issuer,
    ...(covers ? { distribution: 'multi-server', covers: covers.join(',') } : {}),
  });
  if (covers) {
    const cas = pemBlocks(strings(body.certificates, 'certificates'))
      .slice(1)
      .map((pem) => describeCertificate(pem));
    distributeMultiServer(node, unit, cert, cas, requestUser(req));
  }
  node.csrs.delete(unit);
  node.cluster.distributeTrust(node, unit, cert);
  return {
    service: unit,
    serialNumber: cert.serial,
    message: covers
      ? MULTI_SERVER_FACTS.uploadMessage.value
      : unit === 'tomcat'
        ? "Success: Certificate Uploaded. Restart the Cisco Tomcat web service using the CLI 'utils service restart Cisco Tomcat' on this node."
        : `Success: Certificate Uploaded. Restart the services that use the ${unit} certificate on this node.`,
  };
}

async function uploadTrust(node: SimNode, req: IncomingMessage) {
  const body = await jsonBody(req);
  const asked = strings(body.service, 'service');
  const stores = asked.map(trustStore);
  const pems = pemBlocks(strings(body.certificates, 'certificates'));
  if (pems.length === 0) throw badRequest('certificates must hold at least one PEM certificate');
  const certs = pems.map((pem) => describeCertificate(pem));
  const stored: Array<{ service: string; filename: string }> = [];
  for (const store of stores) {
    for (const cert of certs) {
      node.addTrust(store, cert);
      const filename = `${cert.commonName}_${cert.serial.toLowerCase()}.pem`;
      stored.push({ service: store, filename });
      // `service`: the spelling the client sent (unit or store name).
      node.cluster.log(node, requestUser(req), 'trust-imported', {
        store,
        filename,
        serial: cert.serial,
        service: asked.join(','),
      });
    }
  }
  return { stored };
}

async function route(node: SimNode, req: IncomingMessage, path: string): Promise<unknown> {
  const method = req.method ?? 'GET';
  if (method === 'GET' && path === 'snapshot/server') return snapshot(node);
  if (method === 'GET' && (path === 'identity/certificate' || path === 'identity/certificates')) {
    const unit = ownUnit(node, queryParam(req, 'service'));
    const cert = node.certificate(unit);
    return {
      service: unit,
      certificate: cert.pem,
      serialNumber: cert.serial,
      ...(node.csrs.has(unit) ? { csr: node.csrs.get(unit)!.csrPem } : {}),
    };
  }
  if (method === 'GET' && (path === 'trust/certificate' || path === 'trust/certificates'))
    return trustData(node, trustStore(queryParam(req, 'service')));
  if (method === 'POST' && path === 'csr') return generateCsr(node, req);
  if (method === 'POST' && path === 'identity/certificates') return uploadIdentity(node, req);
  if (method === 'POST' && path === 'trust/certificates') return uploadTrust(node, req);
  throw new ApiError(404, `No resource ${method} ${CERTMGR_BASE}/${path}`);
}

/** Handles a request under CERTMGR_BASE (authenticated by the caller). */
export async function handleCertMgr(node: SimNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const trackingId = randomUUID();
  const path = requestPath(req).slice(CERTMGR_BASE.length).replace(/^\/+/, '');
  try {
    const result = await route(node, req, path);
    sendJson(res, 200, { trackingId, ...(result as object) });
  } catch (err) {
    if (err instanceof ApiError)
      return sendJson(res, err.status, { trackingId, status: err.status, message: err.message });
    if (err instanceof CertificateRejected)
      return sendJson(res, 400, { trackingId, status: 400, message: err.message });
    throw err;
  }
}
