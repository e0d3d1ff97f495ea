/**
 * The SSH side of one simulated node: password authentication, an RSA host key (the legacy algorithms real nodes
 * offer), and an interactive shell per session running the CUCM CLI. Exec requests are refused, as CUCM's CLI does
 * not offer them.
 */
import { generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, utils } from 'ssh2';
import { SSH_ALGORITHMS, sshFingerprint } from '../activities/cucm/cli';
import { CliShell } from './cli-shell';
import type { SimNode } from './model';

export interface NodeSshServer {
  port: number;
  hostKeySha256: string;
  close(): Promise<void>;
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
  const credentials = node.cluster.osAdmin;
  const hostKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs1', format: 'pem' })
    .toString();
  const parsed = utils.parseKey(hostKey);
  if (parsed instanceof Error) throw parsed;
  const hostKeySha256 = sshFingerprint(parsed.getPublicSSH());
  const connections = new Set<{ end(): unknown }>();

  const server = new Server(
    {
      hostKeys: [hostKey],
      ident: 'OpenSSH_7.4',
      // The same legacy-inclusive lists a real node's old OpenSSH accepts.
      algorithms: SSH_ALGORITHMS,
    },
    (client) => {
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
        if (
          ctx.method === 'password' &&
          ctx.username === credentials.username &&
          same(ctx.password, credentials.password)
        ) {
          user = ctx.username;
          node.cluster.log(node, user, 'ssh-login');
          ctx.accept();
          return;
        }
        if (ctx.method === 'password') node.cluster.log(node, ctx.username, 'ssh-login-failed');
        ctx.reject(['password']);
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
