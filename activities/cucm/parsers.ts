/**
 * Parsers for the CUCM CLI outputs the procedures read. Pure functions over the text, unit-tested against the
 * formats in docs/reference/cucm-interfaces.md §1 (and the public transcripts in test/fixtures/cucm-transcripts.ts).
 */
import { X509Certificate } from 'node:crypto';
import type { ServiceStatus } from '../../domain/discovery';

interface CertificateDetails {
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

interface CertificateListEntry {
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

/** One record of an ITL or CTL listing: the TLVs of one `ITL Record #:n` / `CTL Record #:n` block, together. */
export interface TrustFileRecord {
  /** n of `Record #:n`. */
  index: number;
  dnsName?: string;
  subject?: string;
  /** e.g. `CCM+TFTP`, `TVS`, `CAPF`, `System Administrator Security Token`. */
  function?: string;
  issuer?: string;
  /** Upper-case hex without separators. */
  serial?: string;
  /** The record is followed by `This etoken was used to sign the ITL file.` (or CTL): the signer's own record. */
  signsFile: boolean;
}

export interface TrustFileListing {
  kind?: 'ITL' | 'CTL';
  md5?: string;
  sha1?: string;
  length?: number;
  /** As the CLI prints it, e.g. `Fri Mar 06 19:45:13 CET 2015`. */
  lastModified?: string;
  /** The header's signer TLVs (SIGNERNAME, SERIALNUMBER, CANAME), when the listing prints them. */
  signer?: { name?: string; serial?: string; caName?: string };
  /** The signer's serial: the header's SERIALNUMBER, else that of the record the etoken line follows. */
  signerSerial?: string;
  records: TrustFileRecord[];
  /** Serials of every record, in order (not the header's). */
  serials: string[];
  /** `The ITL file was verified successfully.` */
  verified: boolean;
}

// A TLV row: BYTEPOS, TAG (upper case, at least 3 letters: hex bytes of a value never match), LENGTH, then the value
// up to the next row. Matched anywhere, so listings whose line breaks a renderer collapsed (TN-118893) read the same.
const TLV_ROW = /(?<=^|\s)(\d{1,3})\s+([A-Z][A-Z_]{2,}(?: [A-Z][A-Z_]{2,})?)\s+(\d+)(?=\s|$)/g;
const RECORD_MARK = /\b(ITL|CTL) Record\s*#\s*:\s*(\d+)/g;
const ETOKEN = /This etoken was used to sign the (?:ITL|CTL) file\.?/i;
const VERIFIED = /The (?:ITL|CTL) file was verified successfully\.?/i;

const hexSerial = (value: string | undefined) =>
  value && /^[0-9A-F]{2}(?::?[0-9A-F]{2})*$/i.test(value.replace(/\s+/g, ''))
    ? value.replace(/[:\s]/g, '').toUpperCase()
    : undefined;
/** `CN=a;OU=b; ST=c` (a renderer may break after a `;`) as `CN=a;OU=b;ST=c`. */
const nameValue = (value: string | undefined) => value?.replace(/;\s+/g, ';').trim() || undefined;

/** The TLV rows of one block: tag name -> value text (the first row of each tag). */
function tlvRows(block: string): Map<string, string> {
  const rows = new Map<string, string>();
  const matches = [...block.matchAll(TLV_ROW)];
  for (const [i, m] of matches.entries()) {
    const end = matches[i + 1]?.index ?? block.length;
    const value = block
      .slice((m.index ?? 0) + m[0].length, end)
      .replace(/\s+/g, ' ')
      .trim();
    const tag = m[2] ?? '';
    if (!rows.has(tag)) rows.set(tag, value);
  }
  return rows;
}

/**
 * `show itl` / `show ctl` (reference sections 1.7-1.8): the header (checksums, length, last modified, version, the
 * signer TLVs after HeaderLength), then record by record, each record's FUNCTION, SERIALNUMBER, SUBJECTNAME and
 * ISSUERNAME read together from its own block; the signer from the header and from the record the etoken line
 * follows. Undefined when the file does not exist (`Length of CTL file: 0`, `CTL File not found`).
 */
export function parseTrustFile(output: string): TrustFileListing | undefined {
  const text = output.replace(/\r/g, '');
  if (/File not found/i.test(text) || /^\s*Length of (?:ITL|CTL) file:\s*0\s*$/im.test(text)) return undefined;
  const marks = [...text.matchAll(RECORD_MARK)];
  const headerText = text.slice(0, marks[0]?.index ?? text.length);
  const records: TrustFileRecord[] = marks.map((m, i) => {
    let block = text.slice((m.index ?? 0) + m[0].length, marks[i + 1]?.index ?? text.length);
    const signsFile = ETOKEN.test(block);
    // The etoken line and the closing line end the record's TLVs.
    const cut = [ETOKEN.exec(block)?.index, VERIFIED.exec(block)?.index].filter((x): x is number => x !== undefined);
    if (cut.length) block = block.slice(0, Math.min(...cut));
    const rows = tlvRows(block);
    return {
      index: Number(m[2]),
      dnsName: rows.get('DNSNAME') || undefined,
      subject: nameValue(rows.get('SUBJECTNAME')),
      function: rows.get('FUNCTION') || undefined,
      issuer: nameValue(rows.get('ISSUERNAME')),
      serial: hexSerial(rows.get('SERIALNUMBER')),
      signsFile,
    };
  });
  // The header's TLV table starts after `HeaderLength: ... (BYTES)`.
  const afterHeaderLength = /HeaderLength:\s*\d+\s*\(BYTES\)/i.exec(headerText);
  const header = tlvRows(
    afterHeaderLength ? headerText.slice(afterHeaderLength.index + afterHeaderLength[0].length) : '',
  );
  const signer =
    header.has('SIGNERNAME') || header.has('SERIALNUMBER')
      ? {
          name: nameValue(header.get('SIGNERNAME')),
          serial: hexSerial(header.get('SERIALNUMBER')),
          caName: nameValue(header.get('CANAME')),
        }
      : undefined;
  const kind = marks[0]?.[1] ?? /Parse (ITL|CTL) File/.exec(text)?.[1];
  const length = /Length of (?:ITL|CTL) file:\s*(\d+)/i.exec(text)?.[1];
  return {
    kind: kind === 'ITL' || kind === 'CTL' ? kind : undefined,
    md5: /\b([0-9a-f]{32})\s*\(MD5\)/i.exec(text)?.[1]?.toLowerCase(),
    sha1: /\b([0-9a-f]{40})\s*\(SHA1\)/i.exec(text)?.[1]?.toLowerCase(),
    length: length === undefined ? undefined : Number(length),
    lastModified: /File was last modified on\s+(\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2} \S+ \d{4})/i.exec(text)?.[1],
    signer,
    signerSerial: signer?.serial ?? records.find((r) => r.signsFile)?.serial,
    records,
    serials: records.flatMap((r) => (r.serial ? [r.serial] : [])),
    verified: VERIFIED.test(text),
  };
}

/** `utils ctl update CTLFile` confirmed the update (`CTL file Updated`, TN-118893). */
export function ctlFileUpdated(output: string): boolean {
  return /\bCTL file Updated\b/i.test(output);
}

interface ReplicationRow {
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
