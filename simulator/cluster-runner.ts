/**
 * Starts simulated clusters on loopback ports (an SSH CLI and an HTTPS server per node) and describes their
 * endpoints in the format the rest of the project (and `npm start`) reads:
 * {"clusters":[{"id","version","nodes":[{"name","role","host","sshPort","httpsPort","username","password", ...}]}]}.
 */
import { randomBytes } from 'node:crypto';
import { startNodeHttpsServer, type NodeHttpsServer } from './https-server';
import { SimCluster, type ClusterConfig } from './model';
import { startNodeSshServer, type NodeSshServer } from './ssh-server';

export interface SimulatorOptions {
  host?: string;
  /** Multiplies every simulated delay; 1 by default. */
  timeScale?: number;
}

export interface NodeEndpoints {
  name: string;
  role: 'publisher' | 'subscriber';
  product: string;
  host: string;
  sshPort: number;
  httpsPort: number;
  /** OS admin: SSH CLI and the certificate REST API. */
  username: string;
  password: string;
  /** Application user for AXL, RisPort70 and Control Center Services. */
  axlUsername: string;
  axlPassword: string;
  sshHostKeySha256: string;
}

export interface ClusterEndpoints {
  id: string;
  version: string;
  securityMode: 0 | 1;
  nodes: NodeEndpoints[];
}

export interface RunningSimulator {
  clusters: SimCluster[];
  endpoints: { clusters: ClusterEndpoints[] };
  cluster(id: string): SimCluster;
  stop(): Promise<void>;
}

const randomPassword = () => randomBytes(12).toString('base64url');

export async function startSimulator(
  configs: ClusterConfig[],
  options: SimulatorOptions = {},
): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const servers: Array<NodeSshServer | NodeHttpsServer> = [];
  const clusters: SimCluster[] = [];
  const endpoints: ClusterEndpoints[] = [];
  try {
    // Certificates for every cluster are generated in parallel (key generation runs on the thread pool).
    const created = await Promise.all(
      configs.map((config) =>
        SimCluster.create(config, {
          timeScale: options.timeScale ?? 1,
          credentials: {
            osAdmin: { username: config.username ?? 'admin', password: config.password ?? randomPassword() },
            axl: { username: config.axlUsername ?? 'axladmin', password: config.axlPassword ?? randomPassword() },
          },
        }),
      ),
    );
    for (const cluster of created) {
      const nodes: NodeEndpoints[] = [];
      for (const node of cluster.nodes) {
        const ssh = await startNodeSshServer(node, { host });
        const https = await startNodeHttpsServer(node, { host });
        node.onTomcatStarted.push(() => https.reloadCertificate());
        servers.push(ssh, https);
        nodes.push({
          name: node.name,
          role: node.role,
          product: node.product,
          host,
          sshPort: ssh.port,
          httpsPort: https.port,
          username: cluster.osAdmin.username,
          password: cluster.osAdmin.password,
          axlUsername: cluster.axlUser.username,
          axlPassword: cluster.axlUser.password,
          sshHostKeySha256: ssh.hostKeySha256,
        });
      }
      clusters.push(cluster);
      endpoints.push({
        id: cluster.config.id,
        version: cluster.config.version,
        securityMode: cluster.securityMode,
        nodes,
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
