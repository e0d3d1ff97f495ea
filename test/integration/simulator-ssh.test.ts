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
import { runOn } from '../support/cli';

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
      CLUSTERS.map((c) => ({ id: c.id, version: c.version, nodes: [{ name: 'pub', role: 'publisher' as const }] })),
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
});
