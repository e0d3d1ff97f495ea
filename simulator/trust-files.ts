/**
 * ITL and CTL files as a TFTP server serves them. Immutable snapshots: a TFTP server builds its ITL (and loads the
 * CTL) when it starts, so a file only changes when Cisco Tftp restarts, and phones hold a reference to the last
 * snapshot they accepted. Rules: the ITL is signed by the TFTP node's CallManager certificate before 12.0, by the
 * ITLRecovery certificate from 12.0; the CTL exists in mixed mode only and changes only with
 * `utils ctl update CTLFile` on the publisher.
 */
import type { SimCertificate } from './certificates';

export type TrustFunction = 'CCM+TFTP' | 'TVS' | 'CAPF' | 'ITLRecovery' | 'System Administrator Security Token';

export interface TrustRecord {
  function: TrustFunction;
  node: string;
  unit: string;
  serial: string;
  subject: string;
  issuer: string;
}

export interface SignedTrustFile {
  kind: 'ITL' | 'CTL';
  /** Unique per build; two snapshots with the same content still differ in id. */
  id: number;
  builtAt: Date;
  /** Node whose TFTP built it (ITL), or the publisher (CTL). */
  builtBy: string;
  signer: TrustRecord;
  records: TrustRecord[];
  /** Serials of every record, for the phones' quick checks. */
  serials: ReadonlySet<string>;
}

let nextId = 1;

export function record(fn: TrustFunction, node: string, unit: string, cert: SimCertificate): TrustRecord {
  return { function: fn, node, unit, serial: cert.serial, subject: cert.subject, issuer: cert.issuer };
}

export function buildTrustFile(
  kind: 'ITL' | 'CTL',
  builtBy: string,
  signer: TrustRecord,
  records: TrustRecord[],
): SignedTrustFile {
  const all = [signer, ...records.filter((r) => r.serial !== signer.serial)];
  return {
    kind,
    id: nextId++,
    builtAt: new Date(),
    builtBy,
    signer,
    records: all,
    serials: new Set(all.map((r) => r.serial)),
  };
}

function formatRecord(what: 'ITL' | 'CTL', r: TrustRecord, index: number): string {
  return [
    `   ${what} Record #:${index}`,
    '   ----',
    '   BYTEPOS TAG             LENGTH  VALUE',
    '   ------- ---             ------  -----',
    `   1       RECORDLENGTH    2       ${900 + (index % 7) * 13}`,
    `   2       DNSNAME         ${r.node.length.toString().padEnd(7)} ${r.node}`,
    `   3       SUBJECTNAME     ${r.subject.length.toString().padEnd(7)} ${r.subject.replace(/, /g, ';')}`,
    `   4       FUNCTION        2       ${r.function}`,
    `   5       ISSUERNAME      ${r.issuer.length.toString().padEnd(7)} ${r.issuer.replace(/, /g, ';')}`,
    `   6       SERIALNUMBER    ${(r.serial.length / 2).toString().padEnd(7)} ${r.serial.match(/.{2}/g)?.join(':') ?? r.serial}`,
    `   7       PUBLICKEY       270`,
    `   8       SIGNATURE       256`,
    '',
  ].join('\n');
}

/** `show itl` / `show ctl` listing, in the layout of Cisco's `show ctl` transcript (TN-118893). */
export function formatTrustFile(file: SignedTrustFile | undefined, what: 'ITL' | 'CTL'): string {
  if (!file) {
    return what === 'CTL'
      ? 'Length of CTL file: 0\nCTL File not found . Please run CTLClient plugin or run the CLI - utils ctl.. to generate the CTL file.\nError parsing the CTL File.'
      : 'Length of ITL file: 0\nITL File not found.';
  }
  const body = file.records.map((r, i) => formatRecord(what, r, i + 1)).join('\n');
  return [
    `The checksum value of the ${what} file: ${file.id.toString(16).padStart(32, '0')}(MD5)`,
    `Length of ${what} file: ${2000 + file.records.length * 900}`,
    `The ${what} File was last modified on ${file.builtAt.toUTCString()}`,
    '',
    `Parse ${what} File`,
    '----------------',
    '',
    'Version: 1.2',
    'HeaderLength: 336 (BYTES)',
    '',
    `Signer: ${file.signer.subject} (${file.signer.unit} of ${file.signer.node}, serial ${file.signer.serial})`,
    '',
    body,
    `The ${what} file was verified successfully.`,
  ].join('\n');
}
