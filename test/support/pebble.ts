/**
 * Pebble, Let's Encrypt's ACME test server (RFC 8555, with renewalInfo, RFC 9773), built from its Go module by
 * scripts/pebble.ts and started on loopback ports with a TLS certificate of a test CA made here. Its VA resolves the
 * DNS-01 TXT records through the DNS server it is given (`-dnsserver`), so validation really goes through DNS. What
 * the test reads of it is what an operator would: its log ("Added order ... to the db") and its management API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePebble } from '../../scripts/pebble';
import { createCertificate } from '../../simulator/certificates';
import { freePort, waitFor } from './net';

export interface Pebble {
  directoryUrl: string;
  /** The CA that signed Pebble's own TLS certificate: the issuer's caFile. */
  caFile: string;
  /** Pebble's root CA of the certificates it issues (management API /roots/0), PEM. */
  rootPem(): Promise<string>;
  /** Orders Pebble has added to its database, from its log. */
  orders(): number;
  /** Sets the renewalInfo answer for a certificate it issued (management API /set-renewal-info/). */
  setRenewalInfo(certificatePem: string, info: unknown): Promise<void>;
  log(): string;
  stop(): Promise<void>;
}

function call(
  agent: Agent,
  url: string,
  method: 'GET' | 'POST',
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    // Pebble refuses a request without a User-Agent (RFC 8555 section 6.1).
    const req = request(url, { method, agent, headers: { 'User-Agent': 'cucm-cert-regen-test' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

export async function startPebble(dnsServer: string): Promise<Pebble> {
  const binary = ensurePebble();
  const dir = mkdtempSync(join(tmpdir(), 'acme-pebble-'));
  const ca = await createCertificate({
    commonName: 'Pebble TLS test CA',
    organizationalUnit: 'test',
    validityDays: 30,
    isCa: true,
  });
  const tls = await createCertificate({
    commonName: 'localhost',
    organizationalUnit: 'test',
    validityDays: 30,
    issuer: ca,
    altNames: ['localhost'],
  });
  writeFileSync(join(dir, 'ca.pem'), ca.pem);
  writeFileSync(join(dir, 'cert.pem'), tls.pem);
  writeFileSync(join(dir, 'key.pem'), tls.keyPem);
  const [port, management, http, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: http,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        retryAfter: { authz: 1, order: 1 },
        // RSA issuers, as Let's Encrypt's R1x intermediates (the simulator's certificate store reads RSA signatures).
        keyAlgorithm: 'rsa',
        // The first SAN promoted to the CN, as CUCM's own certificates name their node in the subject.
        profiles: { default: { description: '90 days', validityPeriod: 7776000, promoteCommonName: true } },
      },
    }),
  );
  const child: ChildProcess = spawn(binary, ['-config', join(dir, 'pebble.json'), '-dnsserver', dnsServer], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // No sleeps before validation, no nonce rejected on purpose, no authorization reused: each order validates.
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: '0',
      PEBBLE_AUTHZREUSE: '0',
    },
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const agent = new Agent({ ca: ca.pem });
  const directoryUrl = `https://localhost:${port}/dir`;
  await waitFor(
    `Pebble on ${directoryUrl}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`pebble exited ${child.exitCode}: ${output}`);
      return (await call(agent, directoryUrl, 'GET')).status === 200 ? true : undefined;
    },
    30_000,
  );
  return {
    directoryUrl,
    caFile: join(dir, 'ca.pem'),
    rootPem: async () => (await call(agent, `https://localhost:${management}/roots/0`, 'GET')).text,
    orders: () => (output.match(/Added order "[^"]+" to the db/g) ?? []).length,
    setRenewalInfo: async (certificatePem, info) => {
      const answer = await call(
        agent,
        `https://localhost:${management}/set-renewal-info/`,
        'POST',
        JSON.stringify({ Certificate: certificatePem, ARIResponse: JSON.stringify(info) }),
      );
      if (answer.status !== 200) throw new Error(`set-renewal-info: ${answer.status} ${answer.text}`);
    },
    log: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
