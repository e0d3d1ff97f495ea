/**
 * The SSH side of one simulated node: password and keyboard-interactive authentication (or keyboard-interactive
 * only, per the cluster's config: facts/ssh.ts), an RSA host key, the ident and algorithms of the
 * OpenSSH its release ships (facts/ssh.ts), and an interactive shell per session running the CUCM CLI. Exec
 * requests are refused, as CUCM's CLI does not offer them.
 */
import { createHash, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, utils } from 'ssh2';
import { CliShell } from './cli-shell';
import { sshAuthVariant, sshProfile, type SshAuthMethod } from './facts';
import type { SimNode } from './model';
import { acceptRepeatedUserauthRequests, adaptConnection } from './ssh-offer';

export interface NodeSshServer {
  port: number;
  hostKeySha256: string;
  close(): Promise<void>;
}

/** The host key's fingerprint as `ssh-keygen -lf` prints it (what the inventory pins). */
function sshFingerprint(publicKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicKey).digest('base64').replace(/=+$/, '')}`;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startNodeSshServer(
  node: SimNode,
  options: { host: string; port?: number },
): Promise<NodeSshServer> {
  // A UCCX node has its own administrator; CUCM nodes share the cluster's.
  const credentials = node.osAdmin;
  const hostKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  const parsed = utils.parseKey(hostKey);
  if (parsed instanceof Error) throw parsed;
  const hostKeySha256 = sshFingerprint(parsed.getPublicSSH());
  const connections = new Set<{ end(): unknown }>();
  const profile = sshProfile(node.cluster.version);
  const login = sshAuthVariant(node.cluster.config.sshPasswordAuthentication);

  const server = new Server(
    {
      hostKeys: [hostKey],
      ident: profile.software,
      algorithms: {
        kex: profile.kex,
        serverHostKey: profile.serverHostKey,
        cipher: profile.cipher,
        hmac: profile.hmac,
      },
    },
    (client) => {
      adaptConnection(client, profile);
      acceptRepeatedUserauthRequests(client);
      let user = '';
      // A node that is down (fault injection) accepts the TCP connection and drops it, like a host mid-reboot.
      if (node.cluster.faults.nodesDown.has(node.name)) {
        client.end();
        return;
      }
      connections.add(client);
      client.on('close', () => connections.delete(client));
      client.on('error', () => undefined); // a client that drops mid-session is normal
      client.on('authentication', (ctx) => {
        const allowed = login.methods;
        const grant = (method: SshAuthMethod) => {
          user = ctx.username;
          node.cluster.log(node, user, 'ssh-login', { method });
          ctx.accept();
        };
        const refuse = (method: SshAuthMethod) => {
          node.cluster.log(node, ctx.username, 'ssh-login-failed', { method });
          ctx.reject(allowed);
        };
        if (ctx.method === 'password' && allowed.includes('password')) {
          if (ctx.username === credentials.username && same(ctx.password, credentials.password)) grant('password');
          else refuse('password');
          return;
        }
        if (ctx.method === 'keyboard-interactive' && allowed.includes('keyboard-interactive')) {
          // One prompt, not echoed: what OpenSSH's PAM conversation asks.
          ctx.prompt([{ prompt: login.prompt, echo: false }], (answers) => {
            const answer = answers[0] ?? '';
            if (ctx.username === credentials.username && same(answer, credentials.password))
              grant('keyboard-interactive');
            else refuse('keyboard-interactive');
          });
          return;
        }
        // `none`, or a method this node does not serve (password when refused): not a failed login, as in OpenSSH.
        if (ctx.method === 'password')
          node.cluster.log(node, ctx.username, 'ssh-method-refused', { method: 'password' });
        ctx.reject(allowed);
      });
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (acceptPty) => acceptPty?.());
        session.on('exec', (_accept, reject) => reject?.());
        session.on('shell', (acceptShell) => {
          const channel = acceptShell();
          const shell = new CliShell(
            node,
            user,
            (text) => {
              if (channel.writable) channel.write(text);
            },
            () => {
              channel.exit(0);
              channel.end();
            },
            // Fault injection: drop the whole connection in the middle of a command.
            () => client.end(),
          );
          channel.on('data', (chunk: Buffer) => shell.input(chunk.toString('utf8')));
          void shell.start();
        });
      });
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    hostKeySha256,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const c of connections) c.end();
      }),
  };
}
