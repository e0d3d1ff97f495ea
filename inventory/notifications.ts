/**
 * Validation of a cluster's `notifications` in the inventory. Every error names the cluster, the channel and the
 * field to fix; URLs, tokens and passwords must be secret references, never values.
 */
import { NOTIFICATION_EVENT_KINDS, type NotificationEventKind } from '../workflows/notification-events';
import { InventoryError } from './errors';
import type { NotificationChannel } from './types';

const SECRET_REF = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/;
const CHANNEL_ID = /^[a-z0-9][a-z0-9._-]{0,62}$/i;
// Deliberately loose: one @, something either side, no spaces or angle brackets (RFC 5322 display names are not
// accepted here; the SMTP server is the judge of the rest).
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAddressList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === 'string' && ADDRESS.test(a));
}

function fail(where: string, message: string): never {
  throw new InventoryError(`${where}: ${message}`);
}

function secretRef(raw: Record<string, unknown>, field: string, where: string, plain: string): string {
  if (plain in raw) fail(where, `put a secret reference in "${field}" (env:NAME or file:/path), not "${plain}".`);
  const value = raw[field];
  if (typeof value !== 'string' || !SECRET_REF.test(value))
    fail(where, `"${field}" must be a secret reference (env:NAME or file:/path).`);
  return value;
}

function events(raw: unknown, where: string): NotificationEventKind[] | undefined {
  if (raw === undefined) return undefined;
  const known: readonly string[] = NOTIFICATION_EVENT_KINDS;
  if (!Array.isArray(raw) || raw.length === 0 || raw.some((e) => typeof e !== 'string' || !known.includes(e)))
    fail(where, `"events" must be a non-empty list of ${NOTIFICATION_EVENT_KINDS.join(', ')}.`);
  return raw as NotificationEventKind[];
}

function parseChannel(raw: unknown, where: string): NotificationChannel {
  if (!isRecord(raw)) fail(where, 'must be an object with "id" and "kind".');
  const id = raw.id;
  if (typeof id !== 'string' || !CHANNEL_ID.test(id)) fail(where, '"id" must be a short name (letters, digits, ._-).');
  const at = `${where} ("${id}")`;
  const filter = events(raw.events, at);
  const base = { id, ...(filter ? { events: filter } : {}) };
  switch (raw.kind) {
    case 'webhook':
      return {
        ...base,
        kind: 'webhook',
        urlRef: secretRef(raw, 'urlRef', at, 'url'),
        hmacKeyRef: secretRef(raw, 'hmacKeyRef', at, 'hmacKey'),
      };
    case 'webex':
    case 'teams':
    case 'slack':
      return { ...base, kind: raw.kind, urlRef: secretRef(raw, 'urlRef', at, 'url') };
    case 'email': {
      const smtp = raw.smtp;
      if (!isRecord(smtp)) fail(at, '"smtp" must be an object with "host".');
      if (typeof smtp.host !== 'string' || smtp.host === '') fail(at, '"smtp.host" must be a host name.');
      const port = smtp.port ?? (smtp.security === 'tls' ? 465 : 587);
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
        fail(at, '"smtp.port" must be a port number.');
      const security = smtp.security ?? 'starttls';
      if (security !== 'starttls' && security !== 'tls' && security !== 'none')
        fail(at, '"smtp.security" must be "starttls", "tls" or "none".');
      if ((smtp.username === undefined) !== (smtp.passwordRef === undefined) && !('password' in smtp))
        fail(at, '"smtp.username" and "smtp.passwordRef" go together.');
      if (smtp.username !== undefined && (typeof smtp.username !== 'string' || smtp.username === ''))
        fail(at, '"smtp.username" must be a non-empty string.');
      const auth =
        smtp.username === undefined
          ? {}
          : {
              username: smtp.username,
              passwordRef: secretRef(smtp, 'passwordRef', `${at} smtp`, 'password'),
            };
      if (typeof raw.from !== 'string' || !ADDRESS.test(raw.from)) fail(at, '"from" must be an e-mail address.');
      const to: unknown = raw.to;
      if (!isAddressList(to)) fail(at, '"to" must be a non-empty list of e-mail addresses.');
      return { ...base, kind: 'email', smtp: { host: smtp.host, port, security, ...auth }, from: raw.from, to };
    }
    default:
      fail(at, '"kind" must be one of webhook, webex, teams, slack, email.');
  }
}

/** `notifications` of one cluster (`where` names it); undefined when absent. */
export function parseNotifications(raw: unknown, where: string): NotificationChannel[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) fail(where, '"notifications" must be a list of channels.');
  const channels = raw.map((c, i) => parseChannel(c, `${where} notifications[${i}]`));
  channels.forEach((c, i) => {
    if (channels.findIndex((o) => o.id === c.id) !== i)
      fail(`${where} notifications[${i}]`, `"id" "${c.id}" is used twice.`);
  });
  return channels;
}
