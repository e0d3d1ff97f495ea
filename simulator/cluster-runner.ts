/**
 * Starts simulated clusters on loopback ports (an SSH CLI and an HTTPS server per node) and describes their
 * endpoints in the format the rest of the project (and `npm start`) reads:
 * {"clusters":[{"id","version","nodes":[{"name","role","host","sshPort","httpsPort","username","password", ...}]}]}.
 *
 * Two ways to lay the nodes out:
 * - `ports` (default): every node on `host` (127.0.0.1) with its own SSH and HTTPS ports; `show network cluster`
 *   prints the configured (unreachable) addresses, so the inventory must list every node.
 * - `loopback`: node i of a cluster on 127.0.0.(i+1), all nodes of the cluster on the same SSH and HTTPS ports, and
 *   `show network cluster` prints those addresses, as on a real cluster where every node listens on 22 and 8443: a
 *   worker that knows only the publisher can reach the subscribers it prints. Linux routes all of 127.0.0.0/8 to
 *   `lo`; elsewhere the extra addresses must exist (e.g. `ifconfig lo0 alias 127.0.0.2` on macOS). A node whose
 *   configured `ip` is already a 127.x address keeps it.
 */
import { randomBytes } from 'node:crypto';
import { startNodeHttpsServer, type NodeHttpsServer } from './https-server';
import { SimCluster, type ClusterConfig, type NodeConfig, type SimNode } from './model';
import { startNodeSshServer, type NodeSshServer } from './ssh-server';

interface SimulatorOptions {
  /** Address of every node with `addressing: 'ports'`; ignored with `loopback`. */
  host?: string;
  /** `ports` (default): distinct ports on `host`; `loopback`: one address per node, the same ports per cluster. */
  addressing?: 'ports' | 'loopback';
  /** Multiplies every simulated delay; 1 by default. */
  timeScale?: number;
  /**
   * With `loopback`: the SSH and HTTPS ports every node listens on (a real node's are 22 and 8443, which clients such
   * as ciscoris and Cisco's DevNet samples assume); free ports when unset. With several clusters, each cluster's
   * nodes need their own addresses, so fixed ports suit one cluster.
   */
  sshPort?: number;
  httpsPort?: number;
  /**
   * With `loopback`: a second HTTPS port every node also serves, the same Tomcat on both (a real node serves 443 as
   * well as 8443, and public clients call the certificate REST API on 443).
   */
  alsoHttpsPort?: number;
}

export interface NodeEndpoints {
  name: string;
  role: 'publisher' | 'subscriber';
  product: string;
  host: string;
  sshPort: number;
  httpsPort: number;
  /** The second HTTPS port (443) when the simulator was asked to serve one: every API answers there too. */
  alsoHttpsPort?: number;
  /** OS admin: SSH CLI and the certificate REST API. */
  username: string;
  password: string;
  /** Application user for AXL, RisPort70 and Control Center Services. */
  axlUsername: string;
  axlPassword: string;
  sshHostKeySha256: string;
}

/** A Unified CCX node that trusts the cluster: its own SSH CLI and administrator. */
interface UccxEndpoints {
  name: string;
  host: string;
  sshPort: number;
  username: string;
  password: string;
  sshHostKeySha256: string;
}

export interface ClusterEndpoints {
  id: string;
  version: string;
  securityMode: 0 | 1;
  nodes: NodeEndpoints[];
  /** Present when the cluster's config names UCCX nodes. */
  uccxNodes?: UccxEndpoints[];
}

export interface RunningSimulator {
  clusters: SimCluster[];
  endpoints: { clusters: ClusterEndpoints[] };
  cluster(id: string): SimCluster;
  stop(): Promise<void>;
}

const randomPassword = () => randomBytes(12).toString('base64url');

/** Node i's address with `addressing: 'loopback'` (its configured ip when that is already a loopback address). */
function loopbackIp(node: NodeConfig, index: number): string {
  if (node.ip?.startsWith('127.')) return node.ip;
  if (index > 252) throw new Error(`loopback addressing supports up to 253 nodes per cluster`);
  return `127.0.0.${index + 1}`;
}

interface StartedNode {
  node: SimNode;
  host: string;
  ssh: NodeSshServer;
  https: NodeHttpsServer;
  /** The same node's HTTPS on its second port, if any. */
  alsoHttps?: NodeHttpsServer;
}

/** Every node of the cluster on its own address, all on one SSH port and one HTTPS port (as a real cluster is). */
async function startOnLoopback(
  cluster: SimCluster,
  fixed: { sshPort?: number; httpsPort?: number; alsoHttpsPort?: number },
): Promise<StartedNode[]> {
  for (let attempt = 1; ; attempt++) {
    const started: StartedNode[] = [];
    try {
      let sshPort = fixed.sshPort ?? 0;
      let httpsPort = fixed.httpsPort ?? 0;
      for (const node of cluster.nodes) {
        // The first node takes free ports; the others bind the same ports on their own addresses.
        const ssh = await startNodeSshServer(node, { host: node.ip, port: sshPort });
        const https = await startNodeHttpsServer(node, { host: node.ip, port: httpsPort }).catch(async (err) => {
          await ssh.close();
          throw err;
        });
        const alsoHttps =
          fixed.alsoHttpsPort === undefined
            ? undefined
            : await startNodeHttpsServer(node, { host: node.ip, port: fixed.alsoHttpsPort }).catch(async (err) => {
                await Promise.all([ssh.close(), https.close()]);
                throw err;
              });
        started.push({ node, host: node.ip, ssh, https, ...(alsoHttps ? { alsoHttps } : {}) });
        sshPort = ssh.port;
        httpsPort = https.port;
      }
      return started;
    } catch (err) {
      await Promise.all(
        started.flatMap((s) => [s.ssh.close(), s.https.close(), ...(s.alsoHttps ? [s.alsoHttps.close()] : [])]),
      );
      const code = (err as NodeJS.ErrnoException).code;
      // Another process holds that port on one of the other addresses: take new ports (unless they were fixed).
      if (code === 'EADDRINUSE' && fixed.sshPort === undefined && fixed.httpsPort === undefined && attempt < 5)
        continue;
      if (code === 'EADDRNOTAVAIL')
        throw new Error(
          `Simulated cluster ${cluster.config.id}: cannot bind ${(err as Error).message.split(' ').pop() ?? 'a loopback address'} (loopback addressing needs 127.0.0.0/8 on the loopback interface, as on Linux).`,
        );
      throw err;
    }
  }
}

export async function startSimulator(
  configs: ClusterConfig[],
  options: SimulatorOptions = {},
): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const loopback = options.addressing === 'loopback';
  const servers: Array<NodeSshServer | NodeHttpsServer> = [];
  const clusters: SimCluster[] = [];
  const endpoints: ClusterEndpoints[] = [];
  try {
    // Certificates for every cluster are generated in parallel (key generation runs on the thread pool).
    const created = await Promise.all(
      configs.map((config) =>
        SimCluster.create(
          // `show network cluster` prints node.ip: with loopback addressing, the address the node listens on.
          loopback ? { ...config, nodes: config.nodes.map((n, i) => ({ ...n, ip: loopbackIp(n, i) })) } : config,
          {
            timeScale: options.timeScale ?? 1,
            credentials: {
              osAdmin: { username: config.username ?? 'admin', password: config.password ?? randomPassword() },
              axl: { username: config.axlUsername ?? 'axladmin', password: config.axlPassword ?? randomPassword() },
              uccx: new Map((config.uccxNodes ?? []).map((u) => [u.name, randomPassword()])),
            },
          },
        ),
      ),
    );
    for (const cluster of created) {
      const nodes: NodeEndpoints[] = [];
      let started: StartedNode[];
      if (loopback) {
        started = await startOnLoopback(cluster, {
          sshPort: options.sshPort,
          httpsPort: options.httpsPort,
          alsoHttpsPort: options.alsoHttpsPort,
        });
        servers.push(...started.flatMap((s) => [s.ssh, s.https, ...(s.alsoHttps ? [s.alsoHttps] : [])]));
      } else {
        started = [];
        for (const node of cluster.nodes) {
          const ssh = await startNodeSshServer(node, { host });
          servers.push(ssh);
          const https = await startNodeHttpsServer(node, { host });
          servers.push(https);
          started.push({ node, host, ssh, https });
        }
      }
      for (const { node, host: address, ssh, https, alsoHttps } of started) {
        node.onTomcatStarted.push(() => https.reloadCertificate());
        if (alsoHttps) node.onTomcatStarted.push(() => alsoHttps.reloadCertificate());
        nodes.push({
          name: node.name,
          role: node.role,
          product: node.product,
          host: address,
          sshPort: ssh.port,
          httpsPort: https.port,
          ...(alsoHttps ? { alsoHttpsPort: alsoHttps.port } : {}),
          username: cluster.osAdmin.username,
          password: cluster.osAdmin.password,
          axlUsername: cluster.axlUser.username,
          axlPassword: cluster.axlUser.password,
          sshHostKeySha256: ssh.hostKeySha256,
        });
      }
      // UCCX nodes: an SSH CLI each (on `host`, or 127.0.0.1 with loopback addressing), no HTTPS.
      const uccxNodes: UccxEndpoints[] = [];
      for (const node of cluster.uccxNodes) {
        const address = loopback ? '127.0.0.1' : host;
        const ssh = await startNodeSshServer(node, { host: address });
        servers.push(ssh);
        uccxNodes.push({
          name: node.name,
          host: address,
          sshPort: ssh.port,
          username: node.osAdmin.username,
          password: node.osAdmin.password,
          sshHostKeySha256: ssh.hostKeySha256,
        });
      }
      clusters.push(cluster);
      endpoints.push({
        id: cluster.config.id,
        version: cluster.config.version,
        securityMode: cluster.securityMode,
        nodes,
        ...(uccxNodes.length ? { uccxNodes } : {}),
      });
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.close()));
    throw err;
  }
  return {
    clusters,
    endpoints: { clusters: endpoints },
    cluster(id) {
      const found = clusters.find((c) => c.config.id === id);
      if (!found) throw new Error(`No simulated cluster ${id}`);
      return found;
    },
    stop: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
