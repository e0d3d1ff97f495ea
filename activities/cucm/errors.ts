/**
 * Typed failures of the HTTPS interfaces (AXL, RisPort70, Control Center, certificate REST API). The activity layer
 * turns each into a Temporal failure: `retryable` ones are retried, the others stop the step with their type.
 */
import type { Agent } from 'node:https';

type CucmHttpErrorKind =
  | 'auth' // 401: wrong user or password
  | 'throttled' // AXL 503: write throttling, try again after a delay
  | 'rate-limited' // RisPort over the cluster's per-minute limit
  | 'fault' // a SOAP fault or a 4xx the request caused
  | 'tls' // the node presented a certificate we do not trust
  | 'network' // connection refused, reset, timeout
  | 'server'; // 5xx other than throttling

export class CucmHttpError extends Error {
  override name = 'CucmHttpError';
  constructor(
    readonly kind: CucmHttpErrorKind,
    message: string,
    readonly status?: number,
    /** AXL's axlcode, when the fault carried one. */
    readonly code?: number,
  ) {
    super(message);
  }
  get retryable(): boolean {
    return (
      this.kind === 'throttled' ||
      this.kind === 'rate-limited' ||
      this.kind === 'network' ||
      this.kind === 'server' ||
      this.kind === 'tls'
    );
  }
}

/** How a client reaches a node over HTTPS: the agent to use, and whom to tell when TLS verification failed. */
export interface HttpsTrust {
  agent: () => Promise<Agent>;
  /** The node the requests go to, as the evidence of a step names it (./evidence.ts); else the label. */
  node?: string;
  /** Told of a failed TLS verification, so the next request checks what the node serves now (https-trust.ts). */
  tlsFailed?: () => void;
}

/**
 * Classifies an axios-style error (status, code) into a CucmHttpError; a TLS failure is also told to `trust`, so the
 * retry re-checks the served certificate instead of failing the same way.
 */
export function classifyHttpError(what: string, err: unknown, trust?: HttpsTrust): CucmHttpError {
  const classified = classify(what, err);
  if (classified.kind === 'tls') trust?.tlsFailed?.();
  return classified;
}

function classify(what: string, err: unknown): CucmHttpError {
  if (err instanceof CucmHttpError) return err;
  const e = err as { response?: { status?: number; data?: unknown }; body?: unknown; code?: string; message?: string };
  const status = e.response?.status;
  const message = e.message ?? String(err);
  if (status === 401 || status === 403)
    return new CucmHttpError(
      'auth',
      `${what}: authentication failed (HTTP ${status}); check the user and its roles.`,
      status,
    );
  if (status === 503)
    return new CucmHttpError('throttled', `${what}: the node is throttling (HTTP 503); retry after a delay.`, status);
  // node-soap keeps the reply's body on the error itself, axios on the response.
  const fault = soapFault(e.response?.data) ?? soapFault(e.body);
  // A fault the request caused (soapenv:Client, or one carrying an AXL axlcode) answers the same on every retry.
  if (fault && (/Client/.test(fault.code) || fault.axlcode !== undefined))
    return new CucmHttpError('fault', `${what}: SOAP fault ${fault.code}: ${fault.message}`, status, fault.axlcode);
  if (status !== undefined && status >= 500) return new CucmHttpError('server', `${what}: HTTP ${status}`, status);
  if (status !== undefined) return new CucmHttpError('fault', `${what}: HTTP ${status}`, status);
  if (e.code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME/.test(e.code))
    return new CucmHttpError('tls', `${what}: TLS verification failed (${e.code}): ${message}`);
  return new CucmHttpError('network', `${what}: ${message}`);
}

/** faultcode, faultstring and any axlcode of a SOAP 1.1 fault in a response body (the prefix kept as sent). */
function soapFault(body: unknown): { code: string; message: string; axlcode?: number } | undefined {
  if (typeof body !== 'string') return undefined;
  const code = /<faultcode[^>]*>([^<]*)<\/faultcode>/.exec(body)?.[1];
  if (code === undefined) return undefined;
  const message = /<faultstring[^>]*>([^<]*)<\/faultstring>/.exec(body)?.[1] ?? '';
  const axlcode = /<axlcode[^>]*>(-?\d+)<\/axlcode>/.exec(body)?.[1];
  return { code: code.trim(), message: message.trim(), ...(axlcode !== undefined ? { axlcode: Number(axlcode) } : {}) };
}
