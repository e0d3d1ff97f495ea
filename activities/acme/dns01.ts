/**
 * DNS-01 (RFC 8555 section 8.4) behind one interface: publish the TXT record `_acme-challenge.<name>` = the
 * challenge's digest, and remove it after validation. Implementations: RFC 2136 dynamic update signed with TSIG
 * (./rfc2136.ts), an HTTP endpoint of the user's (webhook), and a program on the worker (exec, called the way lego's
 * exec provider is: `<command> present|cleanup <fqdn> <value>`). Secrets are resolved here, in the activity.
 */
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import axios from 'axios';
import type { Dns01Solver } from '../../domain/inventory/types';
import { updateTxt } from './rfc2136';

export interface TxtRecord {
  /** `_acme-challenge.<identifier>`, without the trailing dot. */
  fqdn: string;
  value: string;
}

export interface Dns01Provider {
  /** What the step and the logs say, e.g. "RFC 2136 update of uc.example.com at ns1:53". */
  readonly description: string;
  present(record: TxtRecord): Promise<void>;
  cleanUp(record: TxtRecord): Promise<void>;
}

const run = promisify(execFile);

function splitHostPort(server: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(server);
  if (!m) throw new Error(`"${server}" is not host:port`);
  return { host: m[1] as string, port: Number(m[2]) };
}

export function dns01Provider(solver: Dns01Solver, resolveSecret: (ref: string) => string): Dns01Provider {
  switch (solver.provider) {
    case 'rfc2136': {
      const { host, port } = splitHostPort(solver.server);
      const target = {
        host,
        port,
        zone: solver.zone,
        keyName: solver.tsigKeyName,
        algorithm: solver.tsigAlgorithm ?? 'hmac-sha256',
        secret: resolveSecret(solver.tsigSecretRef),
      };
      const ttl = solver.ttl ?? 60;
      return {
        description: `RFC 2136 update of zone ${solver.zone} at ${solver.server} (TSIG key ${solver.tsigKeyName})`,
        present: (r) => updateTxt(target, 'add', r.fqdn, r.value, ttl),
        cleanUp: (r) => updateTxt(target, 'delete', r.fqdn, r.value, ttl),
      };
    }
    case 'webhook': {
      const url = resolveSecret(solver.urlRef);
      const key = solver.hmacKeyRef ? resolveSecret(solver.hmacKeyRef) : undefined;
      const call = async (action: 'present' | 'cleanup', r: TxtRecord) => {
        const body = JSON.stringify({ action, fqdn: r.fqdn, value: r.value });
        const signature = key ? { 'X-Signature-SHA256': createHmac('sha256', key).update(body).digest('hex') } : {};
        await axios.post(url, body, {
          headers: { 'Content-Type': 'application/json', ...signature },
          timeout: 60_000,
        });
      };
      return {
        description: 'the DNS-01 webhook',
        present: (r) => call('present', r),
        cleanUp: (r) => call('cleanup', r),
      };
    }
    case 'exec':
      return {
        description: `the DNS-01 program ${solver.command}`,
        present: async (r) =>
          void (await run(solver.command, ['present', `${r.fqdn}.`, r.value], { timeout: 120_000 })),
        cleanUp: async (r) =>
          void (await run(solver.command, ['cleanup', `${r.fqdn}.`, r.value], { timeout: 120_000 })),
      };
  }
}
