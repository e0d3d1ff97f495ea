/**
 * DNS UPDATE (RFC 2136) signed with TSIG (RFC 8945, which obsoletes RFC 2845): adds or deletes one TXT record in a
 * zone on its primary server, over TCP (RFC 7766). No well-kept npm DNS library signs with TSIG, so the message is
 * encoded with `dns-packet` and the TSIG record is built here (section 4.3.3 of RFC 8945: the MAC covers the message
 * as sent, then the TSIG variables), with Node's HMAC.
 */
import { createHmac, randomInt } from 'node:crypto';
import { connect } from 'node:net';
import dnsPacket from 'dns-packet';

export interface Rfc2136Target {
  host: string;
  port: number;
  zone: string;
  keyName: string;
  algorithm: 'hmac-sha256' | 'hmac-sha384' | 'hmac-sha512' | 'hmac-sha1';
  /** The key, base64 (as tsig-keygen prints it). */
  secret: string;
}

const TYPE = { SOA: 6, TXT: 16, TSIG: 250 } as const;
const CLASS = { IN: 1, NONE: 254, ANY: 255 } as const;
const OPCODE_UPDATE = 5 << 11;
/** RFC 8945 section 5.2.3: the server accepts a time signed within this many seconds of its clock. */
const FUDGE_SECONDS = 300;
const RCODES: Record<number, string> = {
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED (the server does not allow this key to update the zone)',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH (the TSIG key, its secret or the server clock is wrong, or the server is not authoritative)',
  10: 'NOTZONE (the name is not in the zone)',
};
const TSIG_ERRORS: Record<number, string> = { 16: 'BADSIG', 17: 'BADKEY', 18: 'BADTIME', 22: 'BADTRUNC' };

/** A domain name in wire format, lower-case and uncompressed (RFC 8945 section 4.3.3 wants the canonical form). */
function wireName(name: string): Buffer {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.flatMap((l) => [Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)]),
    Buffer.from([0]),
  ]);
}

/** The length of an uncompressed wire-format name at `offset`. */
function wireNameLength(buf: Buffer, offset: number): number {
  let at = offset;
  while (buf[at] !== 0 && at < buf.length) at += (buf[at] ?? 0) + 1;
  return at + 1 - offset;
}
const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => Buffer.from([(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
/** 48-bit seconds since the epoch. */
const u48 = (n: number) => Buffer.concat([u16(Math.floor(n / 2 ** 32)), u32(n % 2 ** 32)]);

/** One resource record: name, type, class, TTL, RDATA (RFC 1035 section 4.1.3), names uncompressed. */
function record(name: string, type: number, klass: number, ttl: number, rdata: Buffer): Buffer {
  return Buffer.concat([wireName(name), u16(type), u16(klass), u32(ttl), u16(rdata.length), rdata]);
}

/** TXT RDATA: the value as character-strings of at most 255 octets each. */
function txtRdata(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
  }
  return Buffer.concat(parts);
}

/**
 * The UPDATE message: the zone section (zone, SOA, IN); no prerequisite; one update RR. Adding: class IN with the
 * TTL (RFC 2136 section 2.5.1). Deleting that one record: class NONE, TTL 0, same RDATA (section 2.5.4), so a
 * record another client added for the same name stays.
 */
function updateMessage(id: number, zone: string, op: 'add' | 'delete', name: string, value: string, ttl: number) {
  const header = dnsPacket.encode({
    type: 'query',
    id,
    flags: OPCODE_UPDATE,
    questions: [{ name: zone.replace(/\.$/, ''), type: 'SOA', class: 'IN' }],
  });
  const rr =
    op === 'add'
      ? record(name, TYPE.TXT, CLASS.IN, ttl, txtRdata(value))
      : record(name, TYPE.TXT, CLASS.NONE, 0, txtRdata(value));
  header.writeUInt16BE(1, 8); // NSCOUNT, the update section
  return Buffer.concat([header, rr]);
}

/** The message with its TSIG record appended (RFC 8945 section 4.3): the MAC and the TSIG RR. */
export function signTsig(message: Buffer, key: Pick<Rfc2136Target, 'keyName' | 'algorithm' | 'secret'>, now: number) {
  const algorithm = wireName(`${key.algorithm}.`);
  const timeSigned = u48(Math.floor(now / 1000));
  const variables = Buffer.concat([
    wireName(key.keyName),
    u16(CLASS.ANY),
    u32(0),
    algorithm,
    timeSigned,
    u16(FUDGE_SECONDS),
    u16(0), // error
    u16(0), // other len
  ]);
  const mac = createHmac(key.algorithm.replace('hmac-', ''), Buffer.from(key.secret, 'base64'))
    .update(message)
    .update(variables)
    .digest();
  const rdata = Buffer.concat([
    algorithm,
    timeSigned,
    u16(FUDGE_SECONDS),
    u16(mac.length),
    mac,
    message.subarray(0, 2), // original id
    u16(0),
    u16(0),
  ]);
  const signed = Buffer.concat([message, record(key.keyName, TYPE.TSIG, CLASS.ANY, 0, rdata)]);
  signed.writeUInt16BE(message.readUInt16BE(10) + 1, 10); // ARCOUNT
  return signed;
}

/** Sends one length-prefixed message over TCP and reads the one answer. */
function exchange(host: string, port: number, message: Buffer, timeoutMs = 15_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${host}:${port}: no DNS answer in ${timeoutMs} ms`)));
    socket.once('error', reject);
    socket.on('connect', () => socket.write(Buffer.concat([u16(message.length), message])));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.end();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.once('close', () => reject(new Error(`${host}:${port} closed the connection without a DNS answer`)));
  });
}

/** The TSIG error of an answer (0 when none or when the answer carries no TSIG record). */
function tsigError(answer: Buffer): number {
  const decoded = dnsPacket.decode(answer);
  const tsig = decoded.additionals?.find((r) => (r as { type: string }).type === 'UNKNOWN_250') as
    { data?: Buffer } | undefined;
  if (!tsig?.data) return 0;
  // RDATA: algorithm name, time (6), fudge (2), MAC size (2), MAC, original id (2), error (2), ...
  const name = wireNameLength(tsig.data, 0);
  const macSize = tsig.data.readUInt16BE(name + 8);
  return tsig.data.readUInt16BE(name + 10 + macSize + 2);
}

/**
 * Adds or deletes the TXT record `name` = `value` in the target's zone. Throws with the server's answer in a
 * person's words when it refuses (wrong key, zone or permission).
 */
export async function updateTxt(
  target: Rfc2136Target,
  op: 'add' | 'delete',
  name: string,
  value: string,
  ttl: number,
): Promise<void> {
  const id = randomInt(0, 0xffff);
  const message = signTsig(updateMessage(id, target.zone, op, name, value, ttl), target, Date.now());
  const answer = await exchange(target.host, target.port, message);
  const rcode = answer.readUInt16BE(2) & 0xf;
  const tsig = tsigError(answer);
  if (answer.readUInt16BE(0) !== id) throw new Error(`${target.host}:${target.port} answered another message id`);
  if (rcode !== 0 || tsig !== 0)
    throw new Error(
      `RFC 2136 update (${op} TXT ${name}) refused by ${target.host}:${target.port} for zone ${target.zone}: ${RCODES[rcode] ?? `rcode ${rcode}`}${tsig ? `, TSIG ${TSIG_ERRORS[tsig] ?? tsig}` : ''} (key ${target.keyName}, ${target.algorithm}).`,
    );
}
