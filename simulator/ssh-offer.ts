/**
 * Makes an ssh2 server connection offer what the simulated release's OpenSSH offers (facts/ssh.ts), where ssh2
 * 1.17 has no option for it:
 *   - its Server appends `kex-strict-s-v00@openssh.com` to every KEXINIT (lib/server.js), a marker OpenSSH sends
 *     only from 9.6;
 *   - it answers a client's `ext-info-c` with a hard-coded server-sig-algs list that lacks a comma
 *     (`…ecdsa-sha2-nistp521rsa-sha2-512…`, lib/protocol/Protocol.js sendExtInfo; upstream fix pending in
 *     mscdex/ssh2#1485) whatever the release;
 *   - it enters strict KEX whenever the client offers `kex-strict-c-v00@openssh.com`, assuming its own marker went
 *     out (lib/protocol/kex.js).
 * Both are fixed per connection, from the 'connection' event, which ssh2 emits after reading the client's ident and
 * before it sends its own KEXINIT: the connection's offer is rebuilt without the marker, ssh2's EXT_INFO is
 * suppressed and, where the release's OpenSSH sends one, a correct EXT_INFO goes out at the same point of the
 * handshake. This reaches into ssh2's internals (`_protocol`, `_offer`, `_kex`, `_packetRW`): `adaptConnection`
 * checks they are there and throws otherwise, so an ssh2 upgrade that moves them fails loudly, not silently.
 */
import { createRequire } from 'node:module';
import type { Connection } from 'ssh2';
import type { SshProfile } from './facts';

const load = createRequire(__filename);

interface NameList {
  array: string[];
}
interface Offer {
  lists: {
    kex: NameList;
    serverHostKey: NameList;
    cs: { cipher: NameList; mac: NameList; compress: NameList; lang: NameList };
    sc: { cipher: NameList; mac: NameList; compress: NameList; lang: NameList };
  };
}
interface Kex {
  remoteExtInfoEnabled?: boolean;
}
interface PacketWriter {
  allocStart: number;
  alloc(size: number): Buffer;
  finalize(packet: Buffer): Buffer;
}
interface Protocol {
  _handlers: Record<string, ((...args: unknown[]) => void) | undefined>;
  serviceAccept(service: string): void;
  _offer: Offer;
  _strictMode: boolean | undefined;
  _kex: Kex | undefined;
  _packetRW: { write: PacketWriter };
}

const { KexInit } = load('ssh2/lib/protocol/kex.js') as { KexInit: new (lists: object) => Offer };
const { sendPacket } = load('ssh2/lib/protocol/utils.js') as {
  sendPacket: (proto: Protocol, packet: Buffer) => boolean;
};
const STRICT_KEX_SERVER = 'kex-strict-s-v00@openssh.com';
const SSH_MSG_EXT_INFO = 7;

function protocolOf(client: Connection): Protocol {
  const proto = (client as unknown as { _protocol?: Partial<Protocol> })._protocol;
  if (!proto || typeof proto._offer !== 'object' || !proto._offer.lists?.kex || !proto._packetRW?.write)
    throw new Error('ssh2 internals changed: cannot adapt the SSH offer (simulator/ssh-offer.ts)');
  return proto as Protocol;
}

function rebuiltOffer(offer: Offer, profile: SshProfile): Offer {
  const { lists } = offer;
  const kex = lists.kex.array.filter((k) => k !== STRICT_KEX_SERVER);
  if (profile.strictKex) kex.push(STRICT_KEX_SERVER);
  const direction = (d: Offer['lists']['cs']) => ({
    cipher: d.cipher.array,
    mac: d.mac.array,
    compress: d.compress.array,
    lang: d.lang.array,
  });
  return new KexInit({
    kex,
    serverHostKey: lists.serverHostKey.array,
    cs: direction(lists.cs),
    sc: direction(lists.sc),
  });
}

/** RFC 8308: byte SSH_MSG_EXT_INFO, uint32 nr-extensions, then (string name, string value) pairs. */
function sendServerSigAlgs(proto: Protocol, algs: readonly string[]): void {
  const name = Buffer.from('server-sig-algs');
  const value = Buffer.from(algs.join(','));
  const writer = proto._packetRW.write;
  let p = writer.allocStart;
  const packet = writer.alloc(1 + 4 + 4 + name.length + 4 + value.length);
  packet[p++] = SSH_MSG_EXT_INFO;
  packet.writeUInt32BE(1, p);
  packet.writeUInt32BE(name.length, (p += 4));
  name.copy(packet, (p += 4));
  packet.writeUInt32BE(value.length, (p += name.length));
  value.copy(packet, (p += 4));
  sendPacket(proto, writer.finalize(packet));
}

/** Call from the server's 'connection' listener, before anything else happens on the connection. */
export function adaptConnection(client: Connection, profile: SshProfile): void {
  const proto = protocolOf(client);
  proto._offer = rebuiltOffer(proto._offer, profile);
  // ssh2 turns strict KEX on when the client offers kex-strict-c, taking its own marker for granted: without the
  // marker the client stays in the classic mode, so must we (else sequence numbers part after NEWKEYS).
  if (!profile.strictKex) proto._strictMode = false;

  // ssh2 sets `_kex`, then its remoteExtInfoEnabled: keep the client's wish, answer it ourselves.
  let clientWantsExtInfo = false;
  let current: Kex | undefined = proto._kex;
  Object.defineProperty(proto, '_kex', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (kex: Kex | undefined) => {
      current = kex;
      if (!kex) return;
      Object.defineProperty(kex, 'remoteExtInfoEnabled', {
        configurable: true,
        get: () => false,
        set: (wanted: boolean) => {
          clientWantsExtInfo ||= wanted;
        },
      });
    },
  });
  client.once('handshake', () => {
    if (clientWantsExtInfo && profile.serverSigAlgs) sendServerSigAlgs(proto, profile.serverSigAlgs);
  });
}

/**
 * OpenSSH answers every `ssh-userauth` service request until the user is authenticated (auth2.c,
 * input_service_request: it accepts while authentication has not succeeded). ssh2's server accepts the first one
 * and disconnects on a second (SERVICE_NOT_AVAILABLE), which cuts off clients that start each method with its own
 * request: paramiko does so when a refused password falls back to keyboard-interactive (Transport.auth_password).
 * Call from the server's 'connection' listener.
 */
export function acceptRepeatedUserauthRequests(client: Connection): void {
  const proto = protocolOf(client);
  const original = proto._handlers.SERVICE_REQUEST;
  if (typeof original !== 'function')
    throw new Error('ssh2 internals changed: no SERVICE_REQUEST handler (simulator/ssh-offer.ts)');
  let accepted = false;
  proto._handlers.SERVICE_REQUEST = (packet, service) => {
    const authenticated = (client as unknown as { authenticated?: boolean }).authenticated === true;
    if (service === 'ssh-userauth' && accepted && !authenticated) {
      proto.serviceAccept('ssh-userauth');
      return;
    }
    original(packet, service);
    if (service === 'ssh-userauth') accepted = true;
  };
}
