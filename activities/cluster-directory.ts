/**
 * Which nodes a cluster has, as this worker knows them: the inventory's, plus the subscribers learned from the
 * publisher's `show network cluster` (an inventory may list the publisher alone). Lookups fail as Temporal failures
 * that say which inventory field to fix. Reading the publisher is left to the subclass (the CLI lives there), so this
 * module holds no client and no secret.
 */
import { ApplicationFailure } from '@temporalio/common';
import { findCluster, type Inventory, type InventoryCluster, type InventoryNode } from '../domain/inventory/types';
import type { CliCommands } from './cucm/cli';
import { parseNetworkCluster, type ClusterNodeLine } from './cucm/parsers';

export interface NodeRef {
  clusterId: string;
  nodeId: string;
}

/**
 * Whether a listed node is the one a `show network cluster` line describes: by id (hostname or FQDN, as listed
 * nodes are named) or by address.
 */
export function isMember(node: InventoryNode, member: ClusterNodeLine): boolean {
  return (
    node.id === member.host ||
    node.id === member.fqdn ||
    member.fqdn.startsWith(`${node.id}.`) ||
    node.host === member.ip
  );
}

/** What the worker learned of a cluster from its publisher's `show network cluster`. */
interface LearnedCluster {
  /** Subscribers the inventory does not list, as reachable nodes (id = hostname). */
  nodes: InventoryNode[];
  /** Lines `show network cluster` printed that the worker cannot manage (e.g. a second publisher), for warnings. */
  ignored: string[];
  learnedAt: number;
}

export abstract class ClusterDirectory {
  /** Per cluster: subscribers learned from the publisher (inventories may list the publisher alone). */
  private readonly learned = new Map<string, LearnedCluster>();
  private readonly learning = new Map<string, Promise<LearnedCluster>>();

  constructor(protected readonly inventory: Inventory) {}

  /** Runs `work` with the node's CLI (the publisher's `show network cluster` is read with it). */
  abstract withCli<T>(ref: NodeRef, work: (cli: CliCommands) => Promise<T>): Promise<T>;
  /** Where a warning about the inventory goes (the activity's log). */
  abstract warn(message: string): void;

  cluster(clusterId: string): InventoryCluster {
    const cluster = findCluster(this.inventory, clusterId);
    if (!cluster)
      throw ApplicationFailure.nonRetryable(`Cluster "${clusterId}" is not in the inventory.`, 'UnknownCluster');
    return cluster;
  }

  /**
   * A node the worker knows: listed in the inventory, or learned from the publisher's `show network cluster`.
   * Synchronous: activities reach it after `withCli` (or `resolveNode`), which learns a node id it does not know.
   */
  node({ clusterId, nodeId }: NodeRef): InventoryNode {
    const node = this.knownNode({ clusterId, nodeId });
    if (!node)
      throw ApplicationFailure.nonRetryable(
        `Node "${nodeId}" is not part of cluster "${clusterId}": neither listed in the inventory nor printed by the publisher's show network cluster.`,
        'UnknownNode',
      );
    return node;
  }

  private knownNode({ clusterId, nodeId }: NodeRef): InventoryNode | undefined {
    return (
      this.cluster(clusterId).nodes.find((n) => n.id === nodeId) ??
      this.learned.get(clusterId)?.nodes.find((n) => n.id === nodeId)
    );
  }

  /** The node, learning the cluster's subscribers from the publisher first when the id is not known yet. */
  async resolveNode(ref: NodeRef): Promise<InventoryNode> {
    if (!this.knownNode(ref)) await this.learn(ref.clusterId);
    return this.node(ref);
  }

  /** True for a node the inventory does not list (learned from the publisher). */
  isDiscovered({ clusterId, nodeId }: NodeRef): boolean {
    return !this.cluster(clusterId).nodes.some((n) => n.id === nodeId);
  }

  /** Every node known for the cluster: the listed ones (publisher first), then the learned subscribers. */
  nodes(clusterId: string): InventoryNode[] {
    return [...this.cluster(clusterId).nodes, ...(this.learned.get(clusterId)?.nodes ?? [])];
  }

  /**
   * Reads the publisher's `show network cluster` and learns the subscribers the inventory does not list (one read at
   * a time per cluster; callers arriving meanwhile share it).
   */
  async learn(clusterId: string): Promise<InventoryNode[]> {
    let pending = this.learning.get(clusterId);
    if (!pending) {
      pending = this.withCli({ clusterId, nodeId: this.publisher(clusterId).id }, async (cli) =>
        this.learnFrom(clusterId, parseNetworkCluster(await cli.run('show network cluster'))),
      ).finally(() => this.learning.delete(clusterId));
      this.learning.set(clusterId, pending);
    }
    return (await pending).nodes;
  }

  /**
   * Records what a `show network cluster` of the publisher says (discovery reads it anyway): each line that no listed
   * node matches becomes a subscriber with the hostname as id, the address CUCM prints, the publisher's SSH and HTTPS
   * ports and the cluster's credentials; its host key comes from the cluster's `sshHostKeys`. Listed nodes win.
   */
  learnFrom(clusterId: string, members: ClusterNodeLine[]): LearnedCluster {
    const cluster = this.cluster(clusterId);
    const pub = this.publisher(clusterId);
    const nodes: InventoryNode[] = [];
    const ignored: string[] = [];
    for (const m of members) {
      if (cluster.nodes.some((n) => isMember(n, m)) || nodes.some((n) => n.id === m.host)) continue;
      if (m.role === 'publisher') {
        // CUCM names another publisher than the inventory's: do not guess which one is right.
        ignored.push(m.fqdn);
        this.warn(
          `${clusterId}: show network cluster on ${pub.id} names ${m.fqdn} (${m.ip}) as the publisher, not ${pub.id}; check the inventory's publisher. ${m.fqdn} is not managed.`,
        );
        continue;
      }
      nodes.push({
        id: m.host,
        role: 'subscriber',
        host: m.ip,
        sshPort: pub.sshPort,
        httpsPort: pub.httpsPort,
        sshHostKeySha256: cluster.sshHostKeys?.[m.host],
      });
    }
    const learned = { nodes, ignored, learnedAt: Date.now() };
    this.learned.set(clusterId, learned);
    return learned;
  }

  publisher(clusterId: string): InventoryNode {
    const pub = this.cluster(clusterId).nodes.find((n) => n.role === 'publisher');
    if (!pub)
      throw ApplicationFailure.nonRetryable(
        `Cluster "${clusterId}" has no publisher in the inventory.`,
        'InvalidInventory',
      );
    return pub;
  }
}
