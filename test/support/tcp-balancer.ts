/**
 * A TCP load balancer in front of several Temporal frontends, the way a production cluster is reached (one address,
 * a load balancer or DNS name over every frontend): each new connection goes to the next backend in turn, and to the
 * one after when a backend refuses it (a killed server process). Open connections are piped byte for byte; when a
 * backend dies, its connections close and the clients (gRPC) reconnect, landing on a live backend.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpBalancer {
  /** host:port clients connect to. */
  address: string;
  close(): Promise<void>;
}

export async function startTcpBalancer(backends: readonly { host: string; port: number }[]): Promise<TcpBalancer> {
  let next = 0;
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  /** Tries each backend once, starting with the next in turn; resolves with the first that accepts. */
  const dial = async (): Promise<Socket | undefined> => {
    const start = next++;
    for (let i = 0; i < backends.length; i += 1) {
      const backend = backends[(start + i) % backends.length]!;
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(backend.port, backend.host);
        s.once('connect', () => resolve(s));
        s.once('error', () => resolve(undefined));
      });
      if (socket) return socket;
    }
    return undefined;
  };
  const server: Server = createServer((client) => {
    track(client);
    client.pause();
    void dial().then((upstream) => {
      if (!upstream) return client.destroy();
      track(upstream);
      client.pipe(upstream).on('error', () => client.destroy());
      upstream.pipe(client).on('error', () => upstream.destroy());
      const closeBoth = () => {
        client.destroy();
        upstream.destroy();
      };
      client.once('close', closeBoth).on('error', closeBoth);
      upstream.once('close', closeBoth).on('error', closeBoth);
      client.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the balancer has no port');
  return {
    address: `127.0.0.1:${address.port}`,
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
