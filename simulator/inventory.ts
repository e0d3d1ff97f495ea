/**
 * Turns the simulator's endpoints into a cluster inventory, with the passwords kept out of it: each password gets a
 * secret reference, and the caller decides where the secret lives (a file for `npm start`, a map in tests).
 */
import type { ClusterEndpoints } from './cluster-runner';

/**
 * The inventory document as docs/inventory.md and inventory.example.json describe it, typed
 * here from that documentation (the simulator imports nothing from the product); what a user would write by hand.
 * test/unit/inventory-schema.test.ts checks what this writes against the published docs/inventory.schema.json.
 */
export interface InventoryDocument {
  clusters: Array<{
    id: string;
    name: string;
    nodes: Array<{
      id: string;
      role: 'publisher' | 'subscriber';
      host: string;
      sshPort: number;
      httpsPort: number;
      sshHostKeySha256: string;
    }>;
    sshHostKeys?: Record<string, string>;
    credentials: {
      osAdmin: { username: string; passwordRef: string };
      axl: { username: string; passwordRef: string };
    };
    hostKeyPolicy: 'pinned';
    tls: { mode: 'pin-tomcat' };
    risportRequestsPerMinute: number;
    uccxNodes?: Array<{
      id: string;
      host: string;
      sshPort: number;
      sshHostKeySha256: string;
      osAdmin: { username: string; passwordRef: string };
    }>;
  }>;
}

export interface InventoryFromEndpointsOptions {
  /**
   * `listed` (default): every node in `nodes`. `discovered`: the publisher alone, the subscribers left for the worker
   * to learn from `show network cluster` (start the simulator with `addressing: 'loopback'` so that they are
   * reachable there), their SSH fingerprints in the cluster's `sshHostKeys` by hostname.
   */
  subscribers?: 'listed' | 'discovered';
}

export function inventoryFromEndpoints(
  clusters: ClusterEndpoints[],
  secretRefFor: (clusterId: string, user: 'os-admin' | 'axl') => string,
  options: InventoryFromEndpointsOptions = {},
): { inventory: InventoryDocument; secrets: Map<string, string> } {
  const discovered = options.subscribers === 'discovered';
  const secrets = new Map<string, string>();
  const inventory: InventoryDocument = {
    clusters: clusters.map((c) => {
      const first = c.nodes[0];
      if (!first) throw new Error(`Simulated cluster ${c.id} has no nodes`);
      const passwordRef = secretRefFor(c.id, 'os-admin');
      const axlRef = secretRefFor(c.id, 'axl');
      secrets.set(passwordRef, first.password);
      secrets.set(axlRef, first.axlPassword);
      return {
        id: c.id,
        name: `${c.id} (simulated CUCM ${c.version})`,
        nodes: c.nodes
          .filter((n) => !discovered || n.role === 'publisher')
          .map((n) => ({
            id: n.name,
            role: n.role,
            host: n.host,
            sshPort: n.sshPort,
            httpsPort: n.httpsPort,
            sshHostKeySha256: n.sshHostKeySha256,
          })),
        ...(discovered
          ? {
              sshHostKeys: Object.fromEntries(
                c.nodes.filter((n) => n.role !== 'publisher').map((n) => [n.name, n.sshHostKeySha256]),
              ),
            }
          : {}),
        credentials: {
          osAdmin: { username: first.username, passwordRef },
          axl: { username: first.axlUsername, passwordRef: axlRef },
        },
        hostKeyPolicy: 'pinned',
        tls: { mode: 'pin-tomcat' },
        risportRequestsPerMinute: 15,
        ...(c.uccxNodes?.length
          ? {
              uccxNodes: c.uccxNodes.map((u, i) => {
                // Its own administrator: a reference of its own, derived from the cluster's OS admin reference.
                const ref = `${passwordRef}_UCCX${i + 1}`;
                secrets.set(ref, u.password);
                return {
                  id: u.name,
                  host: u.host,
                  sshPort: u.sshPort,
                  sshHostKeySha256: u.sshHostKeySha256,
                  osAdmin: { username: u.username, passwordRef: ref },
                };
              }),
            }
          : {}),
      };
    }),
  };
  return { inventory, secrets };
}
