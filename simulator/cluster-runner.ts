/**
 * Starts simulated clusters on loopback ports and describes their endpoints in the format the rest of the project
 * (and `npm start`) reads: {"clusters":[{"id","version","nodes":[{"name","role","host","sshPort","username","password",
 * "sshHostKeySha256"}]}]}.
 */
import { randomBytes } from 'node:crypto';
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
  host: string;
  sshPort: number;
  sshHostKeySha256: string;
  username: string;
  password: string;
}

export interface ClusterEndpoints {
  id: string;
  version: string;
  nodes: NodeEndpoints[];
}

export interface RunningSimulator {
  clusters: SimCluster[];
  endpoints: { clusters: ClusterEndpoints[] };
  cluster(id: string): SimCluster;
  stop(): Promise<void>;
}

export async function startSimulator(
  configs: ClusterConfig[],
  options: SimulatorOptions = {},
): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const servers: NodeSshServer[] = [];
  const clusters: SimCluster[] = [];
  const endpoints: ClusterEndpoints[] = [];
  try {
    for (const config of configs) {
      const cluster = new SimCluster(config);
      const credentials = {
        username: config.username ?? 'admin',
        password: config.password ?? randomBytes(12).toString('base64url'),
      };
      const nodes: NodeEndpoints[] = [];
      for (const node of cluster.nodes) {
        const ssh = await startNodeSshServer(node, credentials, { host, timeScale: options.timeScale ?? 1 });
        servers.push(ssh);
        nodes.push({
          name: node.name,
          role: node.config.role,
          host,
          sshPort: ssh.port,
          sshHostKeySha256: ssh.hostKeySha256,
          ...credentials,
        });
      }
      clusters.push(cluster);
      endpoints.push({ id: config.id, version: config.version, nodes });
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
