/**
 * When a certificate from an ACME issuer is due, pure (no clock, no I/O: the expiry watch passes its own time).
 *
 * - ACME Renewal Information (RFC 9773): the CA suggests a window for each certificate it issued. Due once the
 *   window has started (RFC 9773 section 4.2 lets a client pick any time inside it; the daily watch renews at its
 *   first run inside, so a renewal is never later than the window's first day). A window still ahead is "later",
 *   and the watch says when.
 * - No renewal information (the CA offers none, or does not know this certificate, e.g. one signed by another CA
 *   before the cluster moved to ACME): due once `renewAtFraction` of the lifetime has passed (2/3 by default, as
 *   Let's Encrypt's clients renew a 90-day certificate at 30 days left).
 * - An expired certificate is always due.
 */

/** What the issuer's activity read for one node's certificate. */
export interface AcmeRenewalReading {
  node: string;
  notBefore: string;
  notAfter: string;
  /** RFC 9773 certID of the certificate (see ariCertId). */
  certId: string;
  /** The CA's suggested window; absent when the CA has no renewal information for this certificate. */
  window?: { start: string; end: string };
  /** Why the window is absent or what the CA said (explanationURL), in a person's words. */
  note?: string;
}

export interface AcmeDueDecision {
  due: boolean;
  /** From when it is (or was) due, ISO. */
  dueAt: string;
  basis: 'ari' | 'fraction' | 'expired';
  reason: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** base64url without padding (RFC 4648 section 5) of bytes given in hex. */
function base64urlOfHex(hex: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const bytes = (hex.match(/../g) ?? []).map((b) => parseInt(b, 16));
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]];
    const n = (a << 16) | (b << 8) | c;
    const chars = [18, 12, 6, 0].map((shift) => alphabet[(n >> shift) & 63]);
    out += chars.slice(0, Math.min(4, bytes.length - i + 1)).join('');
  }
  return out;
}

/**
 * The RFC 9773 certID: base64url(the Authority Key Identifier's keyIdentifier) "." base64url(the serial number's
 * DER content octets, a leading zero octet included when the high bit is set). Both given in hex, any separators.
 */
export function ariCertId(authorityKeyIdHex: string, serialHex: string): string {
  const aki = authorityKeyIdHex.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  let serial = serialHex.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  if (serial.length % 2) serial = `0${serial}`;
  // DER INTEGER content is minimal: drop redundant leading zero octets, then keep the number positive.
  while (serial.length > 2 && serial.startsWith('00') && parseInt(serial.slice(2, 3), 16) < 8) serial = serial.slice(2);
  if (parseInt(serial.slice(0, 1), 16) >= 8) serial = `00${serial}`;
  return `${base64urlOfHex(aki)}.${base64urlOfHex(serial)}`;
}

/** One certificate's decision. */
export function acmeDue(reading: AcmeRenewalReading, nowMs: number, renewAtFraction: number): AcmeDueDecision {
  const notBefore = Date.parse(reading.notBefore);
  const notAfter = Date.parse(reading.notAfter);
  if (notAfter <= nowMs)
    return { due: true, dueAt: reading.notAfter, basis: 'expired', reason: `expired ${reading.notAfter}` };
  if (reading.window) {
    const start = Date.parse(reading.window.start);
    return start <= nowMs
      ? {
          due: true,
          dueAt: reading.window.start,
          basis: 'ari',
          reason: `the CA's renewal window (ARI) opened ${reading.window.start}`,
        }
      : {
          due: false,
          dueAt: reading.window.start,
          basis: 'ari',
          reason: `later: the CA's renewal window (ARI) opens ${reading.window.start} (until ${reading.window.end})`,
        };
  }
  const at = notBefore + renewAtFraction * (notAfter - notBefore);
  const share = `${Math.round(renewAtFraction * 1000) / 10}%`;
  const why = reading.note ? ` (no renewal information: ${reading.note})` : ' (no renewal information)';
  return at <= nowMs
    ? { due: true, dueAt: iso(at), basis: 'fraction', reason: `${share} of its lifetime passed ${iso(at)}${why}` }
    : {
        due: false,
        dueAt: iso(at),
        basis: 'fraction',
        reason: `later: ${share} of its lifetime passes ${iso(at)}${why}`,
      };
}

/** A unit is due when any node's certificate is; otherwise it is due at the earliest of their dates. */
export function acmeUnitDue(
  readings: readonly AcmeRenewalReading[],
  nowMs: number,
  renewAtFraction: number,
): AcmeDueDecision & { node?: string } {
  const decisions = readings.map((r) => ({ node: r.node, ...acmeDue(r, nowMs, renewAtFraction) }));
  const due = decisions.find((d) => d.due);
  if (due) return due;
  const soonest = [...decisions].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
  return soonest ?? { due: false, dueAt: '', basis: 'fraction', reason: 'no certificate was read' };
}
