/**
 * HTTP Basic authentication as the node's Tomcat applies it: AXL and the serviceability SOAP services take the
 * application user, the platform REST API takes the OS administrator. The authenticated name is remembered per
 * request so handlers can record who did what in the event log.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Credentials } from '../model';
import { sendTomcatError } from './http-util';

const users = new WeakMap<IncomingMessage, string>();

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The user name when the request carries exactly these credentials, else undefined. */
function basicAuthUser(req: IncomingMessage, expected: Credentials): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  return same(username, expected.username) && same(password, expected.password) ? username : undefined;
}

/**
 * Checks the credentials; on success remembers the user for the request and returns true, otherwise answers
 * 401 with a Basic challenge (Tomcat's HTML page) and returns false.
 */
export function requireBasicAuth(
  req: IncomingMessage,
  res: ServerResponse,
  expected: Credentials,
  realm: string,
): boolean {
  const user = basicAuthUser(req, expected);
  if (user === undefined) {
    sendTomcatError(res, 401, 'Authentication required or the credentials are not valid', {
      'WWW-Authenticate': `Basic realm="${realm}"`,
    });
    return false;
  }
  users.set(req, user);
  return true;
}

/** Who sent this request (after requireBasicAuth accepted it). */
export function requestUser(req: unknown): string {
  if (typeof req !== 'object' || req === null) return 'unknown';
  return users.get(req as IncomingMessage) ?? 'unknown';
}
