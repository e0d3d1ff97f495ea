/**
 * The ACME client (npm `acme-client`, RFC 8555) for an inventory issuer: its account key resolved from its secret
 * reference, and, for an internal ACME server, its TLS trusted with the issuer's CA bundle. acme-client sends every
 * request through one shared axios instance, so the bundle is attached per origin by an interceptor (a worker may
 * serve clusters whose ACME servers have different CAs).
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import * as acme from 'acme-client';
import type { AcmeIssuer } from '../../domain/inventory/types';

const agents = new Map<string, Agent>();
let intercepting = false;

function trustFor(directoryUrl: string, caFile: string): void {
  const origin = new URL(directoryUrl).origin;
  if (!agents.has(origin)) agents.set(origin, new Agent({ ca: readFileSync(caFile, 'utf8'), keepAlive: true }));
  if (intercepting) return;
  intercepting = true;
  acme.axios.interceptors.request.use((config) => {
    const agent = config.url ? agents.get(new URL(config.url).origin) : undefined;
    return agent ? { ...config, httpsAgent: agent } : config;
  });
}

export function acmeClient(issuer: AcmeIssuer, resolveSecret: (ref: string) => string): acme.Client {
  if (issuer.caFile) trustFor(issuer.directoryUrl, issuer.caFile);
  return new acme.Client({ directoryUrl: issuer.directoryUrl, accountKey: resolveSecret(issuer.accountKeyRef) });
}

/** The account of the key (RFC 8555 section 7.3: a new-account request with a known key returns that account). */
export async function ensureAccount(client: acme.Client, issuer: AcmeIssuer): Promise<void> {
  await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${issuer.email}`] });
}

/** The directory's renewalInfo URL (RFC 9773 section 3), or undefined when the CA offers no ARI. */
export async function renewalInfoUrl(client: acme.Client): Promise<string | undefined> {
  const api = (client as unknown as { api: { http: { getDirectory(): Promise<Record<string, unknown>> } } }).api;
  const directory = await api.http.getDirectory();
  return typeof directory.renewalInfo === 'string' ? directory.renewalInfo : undefined;
}

/** A GET through acme-client's axios (and so its CA bundle): renewalInfo is not a JWS-signed resource. */
export function get(url: string) {
  return acme.axios.get<unknown>(url, { validateStatus: () => true, timeout: 30_000 });
}
