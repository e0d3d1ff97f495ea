/**
 * What a simulated node's SSH server says on the wire, as OpenSSH's own client reports it (`ssh -vvv`): the ident,
 * the KEXINIT it offers and the server-sig-algs it sends must be one coherent OpenSSH for the release (facts/ssh.ts):
 * no strict-KEX marker before OpenSSH 9.6, a well-formed server-sig-algs from 7.2, none before. And the product's
 * own client still logs in on every release.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { sshProfile, parseVersion } from '../../simulator/facts';
import { startSimulator, type RunningSimulator } from '../../simulator/cluster-runner';
import { Client, type Algorithms } from 'ssh2';
import { CliError, CliSession } from '../../activities/cucm/cli';
import { cliTarget, runOn } from '../support/cli';
import { startControl } from '../support/control';

const CLUSTERS = [
  { id: 'v115', version: '11.5.1.21900-40' },
  { id: 'v14', version: '14.0.1.13900-155' },
  { id: 'v15', version: '15.0.1.10000-34' },
] as const;

/** OpenSSH's client against a node, with the legacy algorithms an old CUCM needs enabled; no password, so it stops at auth. */
function opensshDebug(port: number): Promise<string> {
  const args = [
    '-vvv',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'HostKeyAlgorithms=+ssh-rsa',
    '-o',
    'KexAlgorithms=+diffie-hellman-group14-sha1,diffie-hellman-group-exchange-sha1',
    '-o',
    'ConnectTimeout=20',
    '-p',
    String(port),
    'probe@127.0.0.1',
    'exit',
  ];
  return new Promise((resolve, reject) => {
    execFile('ssh', args, { timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
        reject(new Error('OpenSSH client `ssh` not found: install openssh-client to run this test'));
      else resolve(stderr);
    });
  });
}

/** The value after `label` on the first line that has it after `after`. */
function field(log: string, label: string, after = ''): string | undefined {
  const start = after ? log.indexOf(after) : 0;
  if (start < 0) return undefined;
  const line = log
    .slice(start)
    .split('\n')
    .find((l) => l.includes(label));
  return line?.slice(line.indexOf(label) + label.length).trim();
}

describe('simulator SSH server, as OpenSSH sees it', function () {
  this.timeout(120_000);
  let sim: RunningSimulator;

  before(async () => {
    sim = await startSimulator(
      [
        ...CLUSTERS.map((c) => ({
          id: c.id,
          version: c.version,
          nodes: [{ name: 'pub', role: 'publisher' as const }],
        })),
        // The variant a public client reports of a live CUCM 15: password refused, keyboard-interactive only.
        {
          id: 'v15kbd',
          version: '15.0.1.10000-34',
          sshPasswordAuthentication: false,
          nodes: [{ name: 'pub', role: 'publisher' as const }],
        },
      ],
      { timeScale: 0.005 },
    );
  });
  after(() => sim?.stop());

  for (const c of CLUSTERS) {
    it(`${c.version}: ident, KEXINIT and server-sig-algs of one OpenSSH; the product's client logs in`, async () => {
      const profile = sshProfile(parseVersion(c.version));
      const node = sim.endpoints.clusters.find((x) => x.id === c.id)!.nodes[0]!;
      const log = await opensshDebug(node.sshPort);

      assert.equal(field(log, 'remote software version'), profile.software, 'ident');
      const kex = field(log, 'KEX algorithms:', 'peer server KEXINIT proposal');
      assert.ok(kex, `the server's KEXINIT in the client's log:\n${log.slice(0, 3000)}`);
      assert.deepEqual(kex.split(','), profile.kex, 'KEX algorithms offered');
      assert.ok(!kex.includes('kex-strict-s-v00@openssh.com'), 'no strict-KEX marker before OpenSSH 9.6');
      assert.deepEqual(
        field(log, 'host key algorithms:', 'peer server KEXINIT proposal')?.split(','),
        profile.serverHostKey,
        'host key algorithms',
      );
      const sigAlgs = /server-sig-algs=<([^>]*)>/.exec(log)?.[1];
      if (profile.serverSigAlgs) assert.deepEqual(sigAlgs?.split(','), profile.serverSigAlgs, 'server-sig-algs');
      else assert.equal(sigAlgs, undefined, `no EXT_INFO from ${profile.software}`);

      const [version] = await runOn(sim, c.id, 'pub', 'show version active');
      assert.match(version ?? '', new RegExp(c.version.replace(/\./g, '\\.')));
    });
  }

  /**
   * A client that offers only `password` (ssh2 with no keyboard-interactive), as older public tools log in; with
   * `algorithms`, ssh2's defaults unless given.
   */
  function passwordOnlyLogin(
    clusterId: string,
    algorithms: Algorithms = { serverHostKey: ['rsa-sha2-256', 'ssh-rsa'] },
  ): Promise<string> {
    const node = sim.endpoints.clusters.find((x) => x.id === clusterId)!.nodes[0]!;
    return new Promise((resolve) => {
      const client = new Client();
      client
        .on('ready', () => {
          client.end();
          resolve('logged in');
        })
        .on('error', (err) => resolve(err.message))
        .connect({
          host: node.host,
          port: node.sshPort,
          username: node.username,
          password: node.password,
          algorithms,
        });
    });
  }

  // Public clients connect to live CUCM 14 and 15 nodes with their SSH library's defaults (ssh2 in
  // calltelemetry/cisco-cucm-mcp and sieteunoseis/netSSL; paramiko in test/conformance): no SHA-1 key exchange there.
  // Only the old releases' OpenSSH needs the legacy set the product offers last (activities/cucm/cli.ts).
  it("ssh2's default algorithms log in to 14.0 and 15.0, and cannot agree a key exchange with 11.5", async () => {
    assert.equal(await passwordOnlyLogin('v14', {}), 'logged in', '14.0 with ssh2 defaults');
    assert.equal(await passwordOnlyLogin('v15', {}), 'logged in', '15.0 with ssh2 defaults');
    assert.match(
      await passwordOnlyLogin('v115', {}),
      /no matching key exchange algorithm/i,
      '11.5 needs the legacy set',
    );
  });

  it('a 15.0 node that refuses password: OpenSSH is offered keyboard-interactive only, a password-only client is refused, the product logs in through keyboard-interactive', async () => {
    const node = sim.endpoints.clusters.find((x) => x.id === 'v15kbd')!.nodes[0]!;
    const log = await opensshDebug(node.sshPort);
    assert.equal(
      field(log, 'Authentications that can continue:'),
      'keyboard-interactive',
      `the methods the node lists:\n${log.slice(-1500)}`,
    );
    assert.equal(await passwordOnlyLogin('v15kbd'), 'All configured authentication methods failed');
    assert.equal(await passwordOnlyLogin('v15'), 'logged in', 'the default variant still takes password');

    const control = await startControl(sim);
    try {
      const since = (await control.events('v15kbd')).at(-1)?.seq ?? 0;
      const [version] = await runOn(sim, 'v15kbd', 'pub', 'show version active');
      assert.match(version ?? '', /Active Master Version: 15\.0\.1\.10000-34/);
      const logins = (await control.events('v15kbd', { kind: 'ssh-login' })).filter((e) => e.seq > since);
      assert.deepEqual(
        logins.map((e) => e.detail.method),
        ['keyboard-interactive'],
        'one login, through keyboard-interactive',
      );
      const failed = (await control.events('v15kbd', { kind: 'ssh-login-failed' })).filter((e) => e.seq > since);
      assert.equal(failed.length, 0, 'no failed attempt counted against the node');

      // A wrong password through keyboard-interactive: an auth error (not retried), one failed attempt on the node.
      await assert.rejects(
        CliSession.open({ ...cliTarget(sim, 'v15kbd', 'pub'), password: 'wrong' }),
        (err: unknown) => err instanceof CliError && err.kind === 'auth' && !err.retryable,
      );
      const refused = (await control.events('v15kbd', { kind: 'ssh-login-failed' })).filter((e) => e.seq > since);
      assert.deepEqual(
        refused.map((e) => e.detail.method),
        ['keyboard-interactive'],
        'one refused attempt, through keyboard-interactive',
      );
    } finally {
      await control.close();
    }
  });
});
