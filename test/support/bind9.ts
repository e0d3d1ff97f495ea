/**
 * A real DNS server for the ACME tests: Debian's BIND 9 (`named`, installed by scripts/bind9-install.sh when it is
 * missing), authoritative for one zone on a loopback port, accepting RFC 2136 updates of TXT records signed with a
 * TSIG key (RFC 8945) made for the test. Its update log (BIND's "update" category) is what the test reads to see the
 * records added and removed; queries go to it over DNS like any resolver's would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './net';

const NAMED = '/usr/sbin/named';

export interface Bind9 {
  host: string;
  port: number;
  zone: string;
  keyName: string;
  algorithm: 'hmac-sha256';
  /** The TSIG secret, base64. */
  secret: string;
  /** The TXT values of a name, as the server answers now. */
  txt(name: string): Promise<string[]>;
  /** The update log's lines: "adding an RR at '<name>' TXT" / "deleting an RR at '<name>' TXT". */
  updates(): Array<{ op: 'add' | 'delete'; name: string }>;
  stop(): Promise<void>;
}

/** named, installing Debian's bind9 through the project's script when it is missing. */
export function ensureNamed(): string {
  if (existsSync(NAMED)) return NAMED;
  const script = join(__dirname, '..', '..', 'scripts', 'bind9-install.sh');
  const result = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0 || !existsSync(NAMED))
    throw new Error(`scripts/bind9-install.sh failed (exit ${result.status}): BIND 9 is needed for the ACME test`);
  return NAMED;
}

export async function startBind9(zone: string): Promise<Bind9> {
  const named = ensureNamed();
  const dir = mkdtempSync(join(tmpdir(), 'acme-bind9-'));
  const port = await freePort();
  const keyName = 'acme-update.';
  const secret = randomBytes(32).toString('base64');
  const log = join(dir, 'update.log');
  writeFileSync(
    join(dir, `${zone}.zone`),
    [
      '$TTL 60',
      `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 60 60 600 60`,
      `@ IN NS ns1.${zone}.`,
      'ns1 IN A 127.0.0.1',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'named.conf'),
    `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  allow-query { any; };
  dnssec-validation no;
};
controls { };
key "${keyName}" { algorithm hmac-sha256; secret "${secret}"; };
zone "${zone}" {
  type primary;
  file "${dir}/${zone}.zone";
  update-policy { grant ${keyName} subdomain ${zone}. TXT; };
};
logging {
  channel updates { file "${log}"; print-time yes; severity info; };
  category update { updates; };
};
`,
  );
  const child: ChildProcess = spawn(named, ['-f', '-c', join(dir, 'named.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  await waitFor(
    `named on 127.0.0.1:${port}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`named exited ${child.exitCode}: ${stderr}`);
      return (await resolver.resolveNs(zone)).length > 0 ? true : undefined;
    },
    30_000,
  );
  return {
    host: '127.0.0.1',
    port,
    zone,
    keyName,
    algorithm: 'hmac-sha256',
    secret,
    txt: async (name) =>
      resolver.resolveTxt(name).then(
        (records) => records.map((r) => r.join('')),
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOTFOUND' || err.code === 'ENODATA') return [];
          throw err;
        },
      ),
    updates: () =>
      (existsSync(log) ? readFileSync(log, 'utf8') : '').split('\n').flatMap((line) => {
        const m = /(adding|deleting) an RR at '?([^' ]+)'? TXT/.exec(line);
        return m ? [{ op: m[1] === 'adding' ? ('add' as const) : ('delete' as const), name: m[2] as string }] : [];
      }),
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
