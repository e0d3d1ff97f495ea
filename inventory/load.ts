import { readFileSync } from 'node:fs';
import { OPTIONAL_GATES, type GateKind, type MaintenanceWindow } from '../workflows/types';
import { isTimeZone, windowProblem } from '../workflows/maintenance-window';
import { parseNotifications } from './notifications';
import type { CredentialRef, Inventory, InventoryCluster, InventoryNode, UccxNode } from './types';

import { InventoryError } from './errors';

export { InventoryError };

const ID = /^[a-z0-9][a-z0-9._-]{0,62}$/i;
const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(obj: Record<string, unknown>, field: string, where: string, pattern?: RegExp): string {
  const value = obj[field];
  if (typeof value !== 'string' || value === '')
    throw new InventoryError(`${where}: "${field}" must be a non-empty string.`);
  if (pattern && !pattern.test(value))
    throw new InventoryError(`${where}: "${field}" has an invalid value "${value}".`);
  return value;
}

function isFingerprint(value: unknown): value is string {
  return typeof value === 'string' && /^SHA256:\S+$/.test(value);
}

function parseNode(raw: unknown, where: string): InventoryNode {
  if (!isRecord(raw)) throw new InventoryError(`${where} must be an object.`);
  const role = raw.role;
  if (role !== 'publisher' && role !== 'subscriber') {
    throw new InventoryError(`${where}: "role" must be "publisher" or "subscriber".`);
  }
  const sshPort = raw.sshPort ?? 22;
  if (typeof sshPort !== 'number' || !Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535) {
    throw new InventoryError(`${where}: "sshPort" must be a port number.`);
  }
  const httpsPort = raw.httpsPort ?? 8443;
  if (typeof httpsPort !== 'number' || !Number.isInteger(httpsPort) || httpsPort < 1 || httpsPort > 65535) {
    throw new InventoryError(`${where}: "httpsPort" must be a port number.`);
  }
  const fingerprint = raw.sshHostKeySha256;
  if (fingerprint !== undefined && !isFingerprint(fingerprint)) {
    throw new InventoryError(`${where}: "sshHostKeySha256" must look like "SHA256:<base64>" (ssh-keygen -lf).`);
  }
  return {
    id: str(raw, 'id', where, ID),
    role,
    host: str(raw, 'host', where),
    sshPort,
    httpsPort,
    sshHostKeySha256: fingerprint,
  };
}

function parseCredential(raw: unknown, where: string): CredentialRef {
  if (!isRecord(raw)) throw new InventoryError(`${where} must be an object with "username" and "passwordRef".`);
  if ('password' in raw) {
    throw new InventoryError(
      `${where}: put a secret reference in "passwordRef" (env:NAME or file:/path), not a password.`,
    );
  }
  return { username: str(raw, 'username', where), passwordRef: str(raw, 'passwordRef', where, SECRET_REF) };
}

/**
 * `sshHostKeys`: fingerprints by hostname for subscribers the inventory does not list (they are learned from the
 * publisher's `show network cluster`). A listed node's own `sshHostKeySha256` wins; the two must not disagree.
 */
function parseSshHostKeys(raw: unknown, where: string, nodes: InventoryNode[]): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  if (!isRecord(raw))
    throw new InventoryError(`${where}: "sshHostKeys" must be an object of fingerprints by hostname.`);
  const keys: Record<string, string> = {};
  for (const [hostname, fingerprint] of Object.entries(raw)) {
    if (!ID.test(hostname)) throw new InventoryError(`${where}: "sshHostKeys" has an invalid hostname "${hostname}".`);
    if (!isFingerprint(fingerprint))
      throw new InventoryError(
        `${where}: "sshHostKeys.${hostname}" must look like "SHA256:<base64>" (ssh-keygen -lf).`,
      );
    const listed = nodes.findIndex((n) => n.id === hostname);
    const pinned = nodes[listed]?.sshHostKeySha256;
    if (pinned !== undefined && pinned !== fingerprint)
      throw new InventoryError(
        `${where}: "sshHostKeys.${hostname}" differs from nodes[${listed}].sshHostKeySha256; keep one of them.`,
      );
    keys[hostname] = fingerprint;
  }
  return keys;
}

/**
 * `uccxNodes`: the Unified CCX nodes that trust the cluster's tomcat certificates. Each is reached over its own SSH
 * CLI with its own administrator (a secret reference); nothing is learned about them, so under a pinned host-key
 * policy each needs its fingerprint.
 */
function parseUccxNodes(
  raw: unknown,
  where: string,
  nodes: InventoryNode[],
  hostKeyPolicy: InventoryCluster['hostKeyPolicy'],
): Pick<InventoryCluster, 'uccxNodes'> {
  if (raw === undefined) return {};
  if (!Array.isArray(raw))
    throw new InventoryError(
      `${where}: "uccxNodes" must be a list like [{"id":"uccx-pub","host":"10.0.0.5","osAdmin":{"username":"admin","passwordRef":"env:UCCX_PASSWORD"}}].`,
    );
  const uccxNodes = raw.map((entry: unknown, i): UccxNode => {
    const at = `${where} uccxNodes[${i}]`;
    if (!isRecord(entry)) throw new InventoryError(`${at} must be an object.`);
    const known = ['id', 'host', 'sshPort', 'sshHostKeySha256', 'osAdmin'];
    const unknown = Object.keys(entry).find((k) => !known.includes(k));
    if (unknown) throw new InventoryError(`${at}: unknown field "${unknown}" (allowed: ${known.join(', ')}).`);
    const sshPort = entry.sshPort ?? 22;
    if (typeof sshPort !== 'number' || !Number.isInteger(sshPort) || sshPort < 1 || sshPort > 65535)
      throw new InventoryError(`${at}: "sshPort" must be a port number.`);
    const fingerprint = entry.sshHostKeySha256;
    if (fingerprint !== undefined && !isFingerprint(fingerprint))
      throw new InventoryError(`${at}: "sshHostKeySha256" must look like "SHA256:<base64>" (ssh-keygen -lf).`);
    if (fingerprint === undefined && hostKeyPolicy === 'pinned')
      throw new InventoryError(
        `${at}: "sshHostKeySha256" is required while the cluster's hostKeyPolicy is "pinned" (ssh-keygen -lf of the UCCX node's host key).`,
      );
    const id = str(entry, 'id', at, ID);
    if (nodes.some((n) => n.id === id))
      throw new InventoryError(`${at}: "id" "${id}" is also a CUCM node of the cluster; UCCX nodes are separate.`);
    return {
      id,
      host: str(entry, 'host', at),
      sshPort,
      ...(fingerprint ? { sshHostKeySha256: fingerprint } : {}),
      osAdmin: parseCredential(entry.osAdmin, `${at} osAdmin`),
    };
  });
  uccxNodes.forEach((node, i) => {
    if (uccxNodes.findIndex((n) => n.id === node.id) !== i)
      throw new InventoryError(`${where} uccxNodes[${i}]: "id" "${node.id}" is listed twice.`);
  });
  return uccxNodes.length > 0 ? { uccxNodes } : {};
}

function notificationsOf(raw: unknown, where: string): Pick<InventoryCluster, 'notifications'> {
  const notifications = parseNotifications(raw, where);
  return notifications ? { notifications } : {};
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The expiry watch's fields: renewBeforeDays, expiryWatch, maintenanceWindow, renewal (defaults when absent). */
function parseExpiryPolicy(
  raw: Record<string, unknown>,
  where: string,
): Pick<InventoryCluster, 'renewBeforeDays' | 'expiryWatch' | 'maintenanceWindow' | 'renewal'> {
  const renewBeforeDays = raw.renewBeforeDays ?? 60;
  if (
    typeof renewBeforeDays !== 'number' ||
    !Number.isInteger(renewBeforeDays) ||
    renewBeforeDays < 1 ||
    renewBeforeDays > 3650
  )
    throw new InventoryError(`${where}: "renewBeforeDays" must be a whole number of days from 1 to 3650 (default 60).`);
  const watch = raw.expiryWatch ?? {};
  if (!isRecord(watch))
    throw new InventoryError(`${where}: "expiryWatch" must be an object like {"at":"06:00","timeZone":"UTC"}.`);
  const unknownWatch = Object.keys(watch).filter((k) => k !== 'at' && k !== 'timeZone');
  if (unknownWatch.length)
    throw new InventoryError(`${where}: "expiryWatch" has unknown field "${unknownWatch[0]}" (allowed: at, timeZone).`);
  const at = watch.at ?? '06:00';
  if (typeof at !== 'string' || !HH_MM.test(at))
    throw new InventoryError(`${where}: "expiryWatch.at" must be a 24-hour local time HH:MM, e.g. "06:00".`);
  const timeZone = watch.timeZone ?? 'UTC';
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone))
    throw new InventoryError(`${where}: "expiryWatch.timeZone" must be an IANA time zone, e.g. "Europe/Paris".`);
  let maintenanceWindow: MaintenanceWindow | undefined;
  if (raw.maintenanceWindow !== undefined) {
    const problem = windowProblem(raw.maintenanceWindow);
    if (problem)
      throw new InventoryError(
        `${where}: ${problem.startsWith('maintenanceWindow') ? `"${problem.split(' ')[0]}"${problem.slice(problem.indexOf(' '))}` : `"maintenanceWindow": ${problem}`}.`,
      );
    maintenanceWindow = raw.maintenanceWindow as MaintenanceWindow;
  }
  const renewal = raw.renewal ?? {};
  if (!isRecord(renewal))
    throw new InventoryError(`${where}: "renewal" must be an object like {"approvals":["before-start"]}.`);
  const approvals = renewal.approvals ?? ['before-start'];
  if (!Array.isArray(approvals) || approvals.some((g) => !OPTIONAL_GATES.includes(g as GateKind)))
    throw new InventoryError(
      `${where}: "renewal.approvals" must be a list of ${OPTIONAL_GATES.map((g) => `"${g}"`).join(', ')} ([] for none).`,
    );
  return {
    renewBeforeDays,
    expiryWatch: { at, timeZone },
    ...(maintenanceWindow ? { maintenanceWindow } : {}),
    renewal: { approvals: [...new Set(approvals as GateKind[])] },
  };
}

function parseCluster(raw: unknown, index: number): InventoryCluster {
  if (!isRecord(raw)) throw new InventoryError(`clusters[${index}] must be an object.`);
  const id = str(raw, 'id', `clusters[${index}]`, ID);
  const where = `cluster "${id}"`;
  if (!Array.isArray(raw.nodes) || raw.nodes.length === 0)
    throw new InventoryError(`${where}: "nodes" must list at least the publisher.`);
  const nodes = raw.nodes.map((node, i) => parseNode(node, `${where} nodes[${i}]`));
  if (nodes.filter((n) => n.role === 'publisher').length !== 1) {
    throw new InventoryError(`${where}: "nodes" must hold exactly one node with role "publisher".`);
  }
  nodes.forEach((node, i) => {
    if (nodes.findIndex((n) => n.id === node.id) !== i)
      throw new InventoryError(`${where} nodes[${i}]: "id" "${node.id}" is listed twice.`);
  });
  const sshHostKeys = parseSshHostKeys(raw.sshHostKeys, where, nodes);
  const credentials = raw.credentials;
  if (!isRecord(credentials)) throw new InventoryError(`${where}: "credentials" must be an object.`);
  const hostKeyPolicy = raw.hostKeyPolicy ?? 'pinned';
  if (hostKeyPolicy !== 'pinned' && hostKeyPolicy !== 'record-on-first-use') {
    throw new InventoryError(`${where}: "hostKeyPolicy" must be "pinned" or "record-on-first-use".`);
  }
  const tls = raw.tls ?? { mode: 'pin-tomcat' };
  if (!isRecord(tls) || !['pin-tomcat', 'ca', 'insecure'].includes(String(tls.mode))) {
    throw new InventoryError(`${where}: "tls.mode" must be "pin-tomcat", "ca" or "insecure".`);
  }
  if (tls.mode === 'ca' && (typeof tls.caFile !== 'string' || !tls.caFile.startsWith('/'))) {
    throw new InventoryError(`${where}: "tls.caFile" must be an absolute path when tls.mode is "ca".`);
  }
  const rate = raw.risportRequestsPerMinute ?? 15;
  if (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1 || rate > 18) {
    throw new InventoryError(
      `${where}: "risportRequestsPerMinute" must be an integer from 1 to 18 (CUCM allows at most 18).`,
    );
  }
  return {
    id,
    name: typeof raw.name === 'string' && raw.name ? raw.name : id,
    // Publisher first: every procedure starts there.
    nodes: [...nodes].sort((a, b) => Number(b.role === 'publisher') - Number(a.role === 'publisher')),
    credentials: {
      osAdmin: parseCredential(credentials.osAdmin, `${where} credentials.osAdmin`),
      ...(credentials.axl === undefined ? {} : { axl: parseCredential(credentials.axl, `${where} credentials.axl`) }),
    },
    ...(sshHostKeys ? { sshHostKeys } : {}),
    hostKeyPolicy,
    tls: {
      mode: tls.mode as InventoryCluster['tls']['mode'],
      ...(typeof tls.caFile === 'string' ? { caFile: tls.caFile } : {}),
    },
    risportRequestsPerMinute: rate,
    ...notificationsOf(raw.notifications, where),
    ...parseExpiryPolicy(raw, where),
    ...parseUccxNodes(raw.uccxNodes, where, nodes, hostKeyPolicy),
  };
}

export function parseInventory(raw: unknown): Inventory {
  if (!isRecord(raw) || !Array.isArray(raw.clusters))
    throw new InventoryError('The inventory must be an object with a "clusters" array.');
  const clusters = raw.clusters.map(parseCluster);
  const seen = new Set<string>();
  for (const c of clusters) {
    if (seen.has(c.id)) throw new InventoryError(`cluster "${c.id}" is listed twice.`);
    seen.add(c.id);
  }
  return { clusters };
}

export function loadInventory(path: string): Inventory {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InventoryError(`Cannot read the inventory ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InventoryError(`The inventory ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseInventory(raw);
}

export function findCluster(inventory: Inventory, clusterId: string): InventoryCluster | undefined {
  return inventory.clusters.find((c) => c.id === clusterId);
}
