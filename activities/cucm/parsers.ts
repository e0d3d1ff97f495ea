/**
 * Parsers for the CUCM CLI outputs the procedures read. Pure functions over the text, unit-tested against the
 * formats in ../shared/reference/cucm-interfaces.md.
 */
import { X509Certificate } from 'node:crypto';

export interface CertificateDetails {
  /** Upper-case hex without separators, as Node's X509Certificate prints it. */
  serial: string;
  subject?: string;
  issuer?: string;
  validTo?: string;
  pem?: string;
}

/** `show cert own <unit>`: a decoded header then the PEM. The PEM, when present, is the source of truth. */
export function parseCertificateDetails(output: string): CertificateDetails {
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(output)?.[0];
  if (pem) {
    const cert = new X509Certificate(pem);
    return {
      serial: cert.serialNumber.toUpperCase(),
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      validTo: new Date(cert.validTo).toISOString(),
      pem,
    };
  }
  const serial = /^\s*Serial Number:\s*(\S+)/m.exec(output)?.[1];
  if (!serial)
    throw new Error(`No "Serial Number:" line and no PEM in the certificate output: ${output.slice(0, 200)}`);
  return {
    serial: serial.replace(/[:\s]/g, '').toUpperCase(),
    subject: /^\s*Subject Name:\s*(.+)$/m.exec(output)?.[1]?.trim(),
    issuer: /^\s*Issuer Name:\s*(.+)$/m.exec(output)?.[1]?.trim(),
  };
}

export interface ServiceStatus {
  name: string;
  /** STARTED, STOPPED, STARTING, STOPPING, ... as the CLI prints it. */
  state: string;
  /** e.g. "Service Not Activated", "Commanded Out of Service". */
  reason?: string;
}

/** `utils service list`: one `<Service Name>[<STATE>]  <reason>` line per service, among status chatter. */
export function parseServiceList(output: string): ServiceStatus[] {
  const services: ServiceStatus[] = [];
  for (const line of output.split('\n')) {
    const match = /^(\S.*?)\s*\[\s*([A-Z ]+?)\s*\]\s*(.*)$/.exec(line.trim());
    if (!match || match[1] === undefined || match[2] === undefined) continue;
    services.push({ name: match[1], state: match[2], reason: match[3] ? match[3].trim() : undefined });
  }
  return services;
}

/** The last state `utils service restart <name>` reported for the service (`<name>[STARTED]` lines). */
export function lastReportedState(output: string, service: string): string | undefined {
  let state: string | undefined;
  for (const s of parseServiceList(output)) if (s.name === service) state = s.state;
  return state;
}

export interface CertificateListEntry {
  /** Unit (own) or trust store (trust), e.g. "tomcat" or "tomcat-trust". */
  unit: string;
  /** File name inside the unit, e.g. "tomcat.pem" or "cucm-pub_791a....pem". */
  file: string;
  description: string;
}

/** `show cert list own|trust`: `<unit>/<file>.pem: <description>` lines. */
export function parseCertificateList(output: string): CertificateListEntry[] {
  const entries: CertificateListEntry[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*([\w.-]+)\/(\S+\.(?:pem|der)):\s*(.*)$/.exec(line);
    if (match?.[1] && match[2]) entries.push({ unit: match[1], file: match[2], description: (match[3] ?? '').trim() });
  }
  return entries;
}

/** `show version active`: `Active Master Version: 14.0.1.13900-155`. */
export function parseActiveVersion(output: string): string {
  const version = /Active Master Version:\s*<?([\d.-]+)>?/.exec(output)?.[1];
  if (!version) throw new Error(`No "Active Master Version" in: ${output.slice(0, 200)}`);
  return version;
}

export interface ClusterNodeLine {
  ip: string;
  fqdn: string;
  host: string;
  role: 'publisher' | 'subscriber';
  product: string;
}

/** `show network cluster`: `<ip> <fqdn> <host> <Publisher|Subscriber> <product> <DBPub|DBSub> authenticated ...`. */
export function parseNetworkCluster(output: string): ClusterNodeLine[] {
  const nodes: ClusterNodeLine[] = [];
  for (const line of output.split('\n')) {
    const m = /^\s*(\d{1,3}(?:\.\d{1,3}){3})\s+(\S+)\s+(\S+)\s+(Publisher|Subscriber)\s+(\S+)\s+DB(?:Pub|Sub)\b/.exec(
      line,
    );
    if (m?.[1] && m[2] && m[3] && m[4] && m[5])
      nodes.push({
        ip: m[1],
        fqdn: m[2],
        host: m[3],
        role: m[4] === 'Publisher' ? 'publisher' : 'subscriber',
        product: m[5],
      });
  }
  return nodes;
}

/** `run sql ...`: a header line, a `===` rule, then rows split on the column widths the rule gives. */
export function parseSqlTable(output: string): Array<Record<string, string>> {
  const lines = output.split('\n');
  const ruleIndex = lines.findIndex((l) => /^=+( +=+)*\s*$/.test(l));
  if (ruleIndex < 1) return [];
  const header = lines[ruleIndex - 1] ?? '';
  const rule = lines[ruleIndex] ?? '';
  const spans: Array<[number, number]> = [];
  for (const m of rule.matchAll(/=+/g)) spans.push([m.index, m.index + m[0].length]);
  const cell = (line: string, i: number) => {
    const [start] = spans[i] ?? [0, 0];
    const end = i + 1 < spans.length ? (spans[i + 1]?.[0] ?? line.length) : line.length;
    return line.slice(start, end).trim();
  };
  const columns = spans.map((_, i) => cell(header, i));
  return lines
    .slice(ruleIndex + 1)
    .filter((l) => l.trim() !== '')
    .map((l) => Object.fromEntries(columns.map((c, i) => [c, cell(l, i)])));
}

export interface TrustFileSummary {
  signerUnit?: string;
  signerSerial?: string;
  /** Serials of every record, upper-case hex without separators. */
  serials: string[];
  functions: string[];
}

/** `show itl` / `show ctl`: the signer line and the SERIALNUMBER / FUNCTION fields of each record. */
export function parseTrustFile(output: string): TrustFileSummary | undefined {
  if (/File not found/i.test(output)) return undefined;
  const signer = /Signer: .*\((\S+) of \S+, serial ([0-9A-F]+)\)/i.exec(output);
  const serials = [...output.matchAll(/SERIALNUMBER\s+\d+\s+([0-9A-F:]+)/gi)].map((m) =>
    (m[1] ?? '').replace(/:/g, '').toUpperCase(),
  );
  const functions = [...output.matchAll(/FUNCTION\s+\d+\s+(.+?)\s*$/gim)].map((m) => (m[1] ?? '').trim());
  return { signerUnit: signer?.[1], signerSerial: signer?.[2]?.toUpperCase(), serials, functions };
}

export interface ReplicationRow {
  server: string;
  ip: string;
  /** REPL. QUEUE: changes waiting to replicate. */
  queue: number;
  /** The RTMT Replicate_State: 2 is good; 0 not started, 1 incorrect count, 3 bad, 4 setup failed. */
  state: number;
  detail: string;
}

/**
 * `utils dbreplication runtimestate`: the per-server table under "Cluster Detailed View", e.g.
 * `cucm-57   10.77.32.57   0.163   Y/Y/Y   0   (g_3)   (2) Setup Completed`.
 */
export function parseReplicationState(output: string): ReplicationRow[] {
  const rows: ReplicationRow[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = /^(\S+)\s+(\d{1,3}(?:\.\d{1,3}){3})\s+\S+\s+\S+\s+(\d+)\s+\(\S+\)\s+\((\d)\)\s*(.*)$/.exec(line.trim());
    if (m)
      rows.push({
        server: m[1] ?? '',
        ip: m[2] ?? '',
        queue: Number(m[3]),
        state: Number(m[4]),
        detail: (m[5] ?? '').trim(),
      });
  }
  return rows;
}
