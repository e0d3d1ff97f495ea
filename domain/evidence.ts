/**
 * What a step sent to the cluster, as the activities recorded it at the clients (the SSH CLI session, the SOAP and
 * HTTPS clients): the evidence the change report lists per step. Kept small on purpose, because it travels in
 * activity results (Temporal's history) and in the run's state: repeats of one request to one node are one entry
 * with a count, at most SENT_LIMITS.requests distinct entries per step (the rest counted as `omitted`), each request
 * at most SENT_LIMITS.length characters. Secrets never enter it (see `redact`): requests are CLI command lines, SOAP
 * operation names and HTTP methods with paths, never bodies, pasted input, headers or credentials.
 */

/** Through what a request went. */
export type SentChannel = 'ssh' | 'axl' | 'risport' | 'perfmon' | 'control-center' | 'https';

/** One request a step sent, repeats collapsed: `count` times through `via` to `target`. */
export interface SentRequest {
  via: SentChannel;
  /** The node it went to: a CUCM node id, or `UCCX <id>` for a Unified CCX node. */
  target: string;
  /** The CLI command line, the SOAP operation, or the HTTP method and path; secrets redacted. */
  request: string;
  count: number;
}

/** What a step sent (absent on steps recorded before this was: the report says so rather than guessing). */
export interface SentRecord {
  requests: SentRequest[];
  /** Distinct requests left off past the cap (each may have been sent more than once). */
  omitted?: number;
  /**
   * Activity attempts that ended in a retry: Temporal keeps only the last attempt's result or failure, so what an
   * earlier attempt sent is not listed (the simulator's or the node's own logs have it).
   */
  unlistedAttempts?: number;
}

export const SENT_LIMITS = { requests: 40, length: 200 } as const;

const REDACTED = '[redacted]';

/**
 * A request as it may be kept: every known secret value replaced, anything shaped like a credential (a private key,
 * `password=…`, an Authorization value) replaced too, then cut to SENT_LIMITS.length characters.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join(REDACTED);
  out = out
    .replace(/-----BEGIN [^-]*PRIVATE KEY-----[\s\S]*?(?:-----END [^-]*PRIVATE KEY-----|$)/g, REDACTED)
    .replace(/\b(authorization)(\s*[=:]\s*)[^\r\n]*/gi, `$1$2${REDACTED}`)
    .replace(/\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/g, `$1 ${REDACTED}`)
    .replace(/\b(pass(?:word|wd|phrase)?|secret|token|api[-_]?key)(\s*[=:]\s*)("[^"]*"|\S+)/gi, `$1$2${REDACTED}`);
  return out.length > SENT_LIMITS.length ? `${out.slice(0, SENT_LIMITS.length - 1)}…` : out;
}

const keyOf = (r: Pick<SentRequest, 'via' | 'target' | 'request'>) => `${r.via}\u0000${r.target}\u0000${r.request}`;

/**
 * Adds `more` to `into` (in place): the same request to the same node adds to its count, a new one is appended while
 * there is room, else counted as omitted. Order is the order first sent.
 */
export function addSent(into: SentRecord, more: SentRecord | undefined): SentRecord {
  if (!more) return into;
  for (const r of more.requests) {
    const same = into.requests.find((e) => keyOf(e) === keyOf(r));
    if (same) same.count += r.count;
    else if (into.requests.length < SENT_LIMITS.requests) into.requests.push({ ...r });
    else into.omitted = (into.omitted ?? 0) + 1;
  }
  if (more.omitted) into.omitted = (into.omitted ?? 0) + more.omitted;
  if (more.unlistedAttempts) into.unlistedAttempts = (into.unlistedAttempts ?? 0) + more.unlistedAttempts;
  return into;
}

/** A SentRecord read from an activity's result or failure details, or undefined when the value is not one. */
export function asSentRecord(value: unknown): SentRecord | undefined {
  const v = value as SentRecord | undefined;
  return v && typeof v === 'object' && Array.isArray(v.requests) ? v : undefined;
}

/** The key an activity's result carries its SentRecord under, and the failure detail that carries it on failure. */
export const SENT_KEY = 'sent';
/**
 * A result that is not an object (a boolean, a list) cannot take a `sent` field: the activity returns
 * `{ [WRAPPED_RESULT]: result, sent }` instead, which the workflow unwraps (workflows/run/evidence.ts). Only when the
 * activity sent something to a cluster; every such call goes through `named` or `withSentOf` in workflow code.
 */
export const WRAPPED_RESULT = 'resultWithSent';

/** One line per request, as the report prints them: `RisPort70 selectCmDevice × 5 (rep-pub)`. */
export function describeSent(r: SentRequest, stepNode?: string): string {
  const label: Record<SentChannel, string> = {
    ssh: '',
    axl: 'AXL ',
    risport: 'RisPort70 ',
    perfmon: 'PerfMon ',
    'control-center': 'Control Center ',
    https: 'HTTPS ',
  };
  const times = r.count > 1 ? ` × ${r.count}` : '';
  const where = r.target && r.target !== stepNode ? ` (${r.target})` : '';
  return `${label[r.via]}${r.request}${times}${where}`;
}
