/**
 * ITL and CTL files as a TFTP server serves them. Immutable snapshots: a TFTP server builds its ITL (and loads the
 * CTL) when it starts, so a file only changes when Cisco Tftp restarts, and phones hold a reference to the last
 * snapshot they accepted. Rules: the ITL is signed by the TFTP node's CallManager certificate before 12.0, by the
 * ITLRecovery certificate from 12.0; the CTL exists in mixed mode only and changes only with
 * `utils ctl update CTLFile` on the publisher.
 *
 * Each file is built as bytes (tag, 16-bit length, value), so that `show itl` / `show ctl` print the lengths, the
 * file length and the MD5 and SHA1 of that content, in the layout of the public listings (docs/reference/
 * cucm-interfaces.md §1.7 and §1.8: TN-118893's `show ctl`, and the header TLVs of Cisco's ITL/CTL
 * troubleshooting notes). Cisco's exact binary encoding is not public: the byte layout below (one tag byte, a
 * big-endian 16-bit length, the value) and the numeric values the listings do not print are guesses, marked so.
 */
import { createHash, sign, X509Certificate } from 'node:crypto';
import type { SimCertificate } from './certificates';
import { formatCliDate } from './cli-date';
import { TRUST_FILE_NAMES, trustFunctionCode } from './facts/trust-files';

type TrustFunction = 'CCM+TFTP' | 'TVS' | 'CAPF' | 'ITLRecovery' | 'System Administrator Security Token';

const SAST = 'System Administrator Security Token';

/**
 * The FUNCTION a record prints. Values seen in public listings: `System Administrator Security Token`, `CCM+TFTP`,
 * `CAPF` (TN-118893); `TVS` is the TVS record's (guess: not in a public transcript here). The ITLRecovery
 * certificate is a System Administrator Security Token (SAST): the CTL's primary SAST from 12.0, `utils ctl reset
 * localkey` signing with "the secondary SAST role (CallManager)" (CLI-utils); a third-party parser shows it with
 * FUNCTION `Security Token` (reference 1.7). Printing it as SAST is therefore the closest public fact.
 */
function printedFunction(fn: TrustFunction): string {
  return fn === 'ITLRecovery' ? SAST : fn;
}

export interface TrustRecord {
  function: TrustFunction;
  node: string;
  unit: string;
  serial: string;
  subject: string;
  issuer: string;
}

/** The certificate behind each record (kept out of the record itself, which the control API returns as JSON). */
const certificateOf = new WeakMap<TrustRecord, SimCertificate>();

interface Tlv {
  tag: number;
  name: string;
  value: Buffer;
  /** What the listing prints in the VALUE column; nothing for binary values. */
  display?: string;
}

interface Layout {
  bytes: Buffer;
  headerLength: number;
  header: Tlv[];
  records: Tlv[][];
}

export interface SignedTrustFile {
  kind: 'ITL' | 'CTL';
  /** Unique per build; two snapshots with the same content still differ in id. */
  id: number;
  /** The file's TIMESTAMP and its "last modified" time. */
  builtAt: Date;
  /** Node whose TFTP built it (ITL), or the publisher (CTL). */
  builtBy: string;
  /** The signer's own record, first in the file (FUNCTION System Administrator Security Token). */
  signer: TrustRecord;
  records: TrustRecord[];
  /** Serials of every record, for the phones' quick checks. */
  serials: ReadonlySet<string>;
  /** The file's content: its length and checksums are what `show itl` / `show ctl` print. */
  readonly layout: Layout;
}

let nextId = 1;

export function record(fn: TrustFunction, node: string, unit: string, cert: SimCertificate): TrustRecord {
  const r: TrustRecord = { function: fn, node, unit, serial: cert.serial, subject: cert.subject, issuer: cert.issuer };
  certificateOf.set(r, cert);
  return r;
}

// ---- encoding ------------------------------------------------------------------------------------------------

const u8 = (n: number) => Buffer.from([n & 0xff]);
const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => Buffer.from([(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
/** Strings end with a NUL: TN-118893's DNSNAME `cucm-1051-a-pub` (15 characters) has LENGTH 16. */
const str = (s: string) => Buffer.concat([Buffer.from(s, 'latin1'), u8(0)]);

function encode(tlvs: Tlv[]): Buffer {
  return Buffer.concat(tlvs.flatMap((t) => [u8(t.tag), u16(t.value.length), t.value]));
}

/** `CN=a, OU=b, O=c` as the listings print names: `CN=a;OU=b;O=c` (TN-118893). */
const semicolons = (name: string) => name.replace(/,\s*/g, ';');

function serialBytes(serial: string): Buffer {
  return Buffer.from(serial.length % 2 ? `0${serial}` : serial, 'hex');
}
const colonHex = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(':');

/** The signatureValue BIT STRING of a DER certificate (the last element of its outer SEQUENCE). */
function certificateSignature(der: Buffer): Buffer {
  const header = (at: number): [number, number] => {
    const first = der[at + 1] ?? 0;
    if (first < 0x80) return [first, at + 2];
    const n = first & 0x7f;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[at + 2 + i] ?? 0);
    return [len, at + 2 + n];
  };
  const [, inner] = header(0);
  let at = inner;
  for (let i = 0; i < 2; i++) {
    const [len, start] = header(at);
    at = start + len;
  }
  const [len, start] = header(at);
  return der.subarray(start + 1, start + len); // skip the unused-bits byte
}

function recordTlvs(r: TrustRecord, fn: string): Tlv[] {
  const cert = certificateOf.get(r);
  const x509 = cert ? new X509Certificate(cert.pem) : undefined;
  const der = x509?.raw ?? Buffer.alloc(0);
  const publicKey =
    x509?.publicKey.asymmetricKeyType === 'rsa'
      ? x509.publicKey.export({ type: 'pkcs1', format: 'der' })
      : (x509?.publicKey.export({ type: 'spki', format: 'der' }) ?? Buffer.alloc(0));
  const hash = createHash('sha1').update(der).digest();
  const body: Tlv[] = [
    { tag: 2, name: 'DNSNAME', value: str(r.node), display: r.node },
    { tag: 3, name: 'SUBJECTNAME', value: str(semicolons(r.subject)), display: semicolons(r.subject) },
    { tag: 4, name: 'FUNCTION', value: u16(trustFunctionCode(fn)), display: fn },
    { tag: 5, name: 'ISSUERNAME', value: str(semicolons(r.issuer)), display: semicolons(r.issuer) },
    { tag: 6, name: 'SERIALNUMBER', value: serialBytes(r.serial), display: colonHex(serialBytes(r.serial)) },
    // PKCS#1 for RSA: TN-118893's 1024-bit key prints LENGTH 140, a 2048-bit one 270.
    { tag: 7, name: 'PUBLICKEY', value: publicKey },
    { tag: 8, name: 'SIGNATURE', value: der.length ? certificateSignature(der) : Buffer.alloc(0) },
    {
      tag: 9,
      name: 'CERTIFICATE',
      value: der,
      display: `${[...hash].map((x) => x.toString(16).padStart(2, '0').toUpperCase()).join(' ')} (SHA1 Hash HEX)`,
    },
    // The listing prints no value for IPADDRESS (TN-118893); the simulator does not record the address (guess: 0).
    { tag: 10, name: 'IPADDRESS', value: Buffer.alloc(4) },
  ];
  const length = encode(body).length + 5; // + the RECORDLENGTH TLV itself
  return [{ tag: 1, name: 'RECORDLENGTH', value: u16(length), display: String(length) }, ...body];
}

function layoutOf(kind: 'ITL' | 'CTL', signer: TrustRecord, records: TrustRecord[], builtAt: Date): Layout {
  const recordTlvList = records.map((r) => recordTlvs(r, printedFunction(r === signer ? SAST : r.function)));
  const content = Buffer.concat(recordTlvList.map(encode));
  const filename = TRUST_FILE_NAMES[kind].value;
  const timestamp = u32(Math.floor(builtAt.getTime() / 1000));
  const cert = certificateOf.get(signer);
  // A real signature by the signer's key over the records, the file name and the time (what it covers, and the
  // digest, are guesses).
  const signature = cert?.keyPem
    ? sign('sha256', Buffer.concat([content, str(filename), timestamp]), cert.keyPem)
    : Buffer.alloc(256);
  // Header TLVs as Cisco's notes list them (reference 1.7); the values printed there are printed here: SIGNERID 110,
  // SIGNATUREINFO 15, SIGNATUREALGOINFO 8. DIGESTALGORTITHM and SIGNATUREALGORTITHM are Cisco's spelling.
  const rest: Tlv[] = [
    { tag: 3, name: 'SIGNERID', value: u16(110), display: '110' },
    { tag: 4, name: 'SIGNERNAME', value: str(semicolons(signer.subject)), display: semicolons(signer.subject) },
    {
      tag: 5,
      name: 'SERIALNUMBER',
      value: serialBytes(signer.serial),
      display: colonHex(serialBytes(signer.serial)),
    },
    { tag: 6, name: 'CANAME', value: str(semicolons(signer.issuer)), display: semicolons(signer.issuer) },
    { tag: 7, name: 'SIGNATUREINFO', value: u16(15), display: '15' },
    { tag: 8, name: 'DIGESTALGORTITHM', value: u8(2) },
    { tag: 9, name: 'SIGNATUREALGOINFO', value: u16(8), display: '8' },
    { tag: 10, name: 'SIGNATUREALGORTITHM', value: u8(0) },
    { tag: 11, name: 'SIGNATUREMODULUS', value: u8(signature.length === 256 ? 2 : 1) },
    { tag: 12, name: 'SIGNATURE', value: signature },
    { tag: 14, name: 'FILENAME', value: str(filename) },
    { tag: 15, name: 'TIMESTAMP', value: timestamp },
  ];
  // VERSION 1.2 and HEADERLENGTH lead the header; the listing prints them as `Version:` and `HeaderLength:` lines.
  const headerLength = encode(rest).length + 2 * 5;
  const header: Tlv[] = [
    { tag: 1, name: 'VERSION', value: Buffer.from([1, 2]) },
    { tag: 2, name: 'HEADERLENGTH', value: u16(headerLength) },
    ...rest,
  ];
  return { bytes: Buffer.concat([encode(header), content]), headerLength, header, records: recordTlvList };
}

/**
 * The last build per node and file, by content: the Security Guide says the ITL's SHA-1/MD5 checksum changes only
 * when the ITL changes, so a TFTP restart that rebuilds the same records keeps the same bytes (and time).
 */
const lastBuild = new Map<string, { content: string; builtAt: Date }>();

export function buildTrustFile(
  kind: 'ITL' | 'CTL',
  builtBy: string,
  signer: TrustRecord,
  records: TrustRecord[],
): SignedTrustFile {
  // The signer's own record comes first (TN-118893: CTL Record #1 is the System Administrator Security Token that
  // signed the file). A certificate is listed once per FUNCTION: the signer's CallManager certificate also keeps its
  // CCM+TFTP record; the ITLRecovery signer's own record is the SAST one (guess from the abbreviated public listings).
  const seen = new Set([`${SAST}|${signer.serial}`]);
  const all = [signer];
  for (const r of records) {
    const key = `${printedFunction(r.function)}|${r.serial}`;
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(r);
  }
  const content = [kind, signer.serial, ...all.map((r) => `${r.function}/${r.node}/${r.serial}`)].join(' ');
  const key = `${kind}|${builtBy}|${signer.serial}`;
  const previous = lastBuild.get(key);
  const builtAt = previous?.content === content ? previous.builtAt : new Date();
  lastBuild.set(key, { content, builtAt });
  if (lastBuild.size > 1000) lastBuild.delete(lastBuild.keys().next().value ?? key);
  return {
    kind,
    id: nextId++,
    builtAt,
    builtBy,
    signer,
    records: all,
    serials: new Set(all.map((r) => r.serial)),
    layout: layoutOf(kind, signer, all, builtAt),
  };
}

const row = (pos: number | string, tag: string, length: number | string, value?: string) =>
  `${String(pos).padEnd(8)}${tag.padEnd(20)}${String(length).padEnd(8)}${value ?? ''}`.trimEnd();

function table(tlvs: Tlv[]): string[] {
  return [
    row('BYTEPOS', 'TAG', 'LENGTH', 'VALUE'),
    row('-------', '---', '------', '-----'),
    ...tlvs.map((t) => row(t.tag, t.name, t.value.length, t.display)),
  ];
}

/**
 * `show itl` / `show ctl`: checksums, length, last-modified time, then `Parse ITL File`, the version and header
 * length, the header TLVs from SIGNERID, and one block per record; the signer's record is followed by
 * `This etoken was used to sign the ITL file.` (reference 1.7-1.8). Where the public text collapses line breaks
 * (TN-118893's checksum line: `The checksum value of the CTL file: <md5>(MD5) <sha1>(SHA1)`), one line is a guess.
 * The public transcripts are of `show ctl`; `show itl` prints the same layout with ITL for CTL (the reference gives
 * the header TLVs as "the same in show itl"; its `Parse ITL File` and closing lines are by analogy, a guess).
 */
export function formatTrustFile(file: SignedTrustFile | undefined, what: 'ITL' | 'CTL'): string {
  if (!file) {
    return what === 'CTL'
      ? 'Length of CTL file: 0\nCTL File not found . Please run CTLClient plugin or run the CLI - utils ctl.. to generate the CTL file.\nError parsing the CTL File.'
      : // Guess, by analogy with the CTL's (no public transcript of a missing ITL).
        'Length of ITL file: 0\nITL File not found.';
  }
  const { bytes, headerLength, header, records } = file.layout;
  const md5 = createHash('md5').update(bytes).digest('hex');
  const sha1 = createHash('sha1').update(bytes).digest('hex');
  const lines = [
    `The checksum value of the ${what} file: ${md5}(MD5) ${sha1}(SHA1)`,
    `Length of ${what} file: ${bytes.length}`,
    `The ${what} File was last modified on ${formatCliDate(file.builtAt)}`,
    '',
    `Parse ${what} File`,
    '',
    'Version: 1.2',
    `HeaderLength: ${headerLength} (BYTES)`,
    '',
    ...table(header.filter((t) => t.tag > 2)),
    '',
  ];
  for (const [i, tlvs] of records.entries()) {
    lines.push(`${what} Record #:${i + 1}`, '----', ...table(tlvs));
    if (i === 0) lines.push(`This etoken was used to sign the ${what} file.`);
    lines.push('');
  }
  lines.push(`The ${what} file was verified successfully.`);
  return lines.join('\n');
}
