/**
 * What every activity shares inside one worker process: the inventory, secret resolution (the only place secrets
 * are read), and the CUCM clients, built lazily and reused (SOAP clients are costly to create; the RisPort limiter
 * must be shared by every activity of a cluster). Failures leave here as Temporal failures with a type the workflow
 * can branch on: retryable for network trouble and throttling, non-retryable for wrong credentials, host-key
 * mismatches, commands CUCM rejects and invalid input.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { findCluster } from '../inventory/load';
import type { Inventory, InventoryCluster, InventoryNode } from '../inventory/types';
import { parseCucmVersion } from '../workflows/cucm-version';
import { AxlClient } from './cucm/axl';
import { CertMgrClient } from './cucm/certmgr';
import { CliError, type CliCommands, type CliSession, type CliSessionOptions, type CliTarget } from './cucm/cli';
import { ControlCenterClient } from './cucm/control-center';
import { CucmHttpError } from './cucm/errors';
import { NodeTlsTrust } from './cucm/https-trust';
import { parseActiveVersion, parseCertificateDetails, parseNetworkCluster, type ClusterNodeLine } from './cucm/parsers';
import { RateLimiterRegistry } from './cucm/rate-limiter';
import { RisPortClient } from './cucm/risport';
import { CliSessionPool } from './cucm/session-pool';
import type { HostKeyStore } from './host-keys';
import type { NotificationDeps } from './notify/deliver';

import type { ExpiryGauges } from './expiry-gauges';

export interface ActivityDeps {
  inventory: Inventory;
  resolveSecret: (ref: string) => string;
  /** Opens an authenticated CLI session; injectable so tests can count or break sessions. */
  openCli?: (target: CliTarget, options?: CliSessionOptions) => Promise<CliSession>;
  cliOptions?: CliSessionOptions;
  /**
   * The worker's CLI sessions, one per node (the worker closes it at shutdown); without one, the activities build
   * their own pool with `openCli` and `cliOptions`.
   */
  cliPool?: CliSessionPool;
  /** Where keys of `record-on-first-use` clusters are kept. */
  hostKeys?: HostKeyStore;
  /** RisPort's rate window (60 s on CUCM; tests against a fast simulator shorten it). */
  risportWindowMs?: number;
  /** Worker processes that may poll one cluster's RisPort70 at once: each takes this share of the budget (1). */
  risportWorkers?: number;
  /** Where warnings go outside an activity (e.g. insecure TLS). */
  warn?: (message: string) => void;
  /** Links in notifications (API_PUBLIC_URL, TEMPORAL_UI_URL) and the delivery counter. */
  notifications?: Partial<Pick<NotificationDeps, 'links' | 'onAttempt'>>;
  /** Where the expiry watch publishes days left and expired trust counts (the worker's metrics registry). */
  expiryGauges?: ExpiryGauges;
}

export interface NodeRef {
  clusterId: string;
  nodeId: string;
}

/** A Unified CCX node of a cluster (inventory `uccxNodes`). */
export interface UccxRef {
  clusterId: string;
  uccxNodeId: string;
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

/** Maps client failures to Temporal failures: retry what can recover, stop at once on what cannot. */
export function toFailure(err: unknown): unknown {
  if (err instanceof CliError) {
    return ApplicationFailure.create({
      type: `CliError.${err.kind}`,
      message: err.message,
      nonRetryable: !err.retryable,
    });
  }
  if (err instanceof CucmHttpError) {
    return ApplicationFailure.create({
      type: `HttpError.${err.kind}`,
      message: err.message,
      nonRetryable: !err.retryable,
    });
  }
  return err;
}

/** Heartbeats while long work runs, so a crashed worker is noticed within the heartbeat timeout. */
export async function heartbeating<T>(work: () => Promise<T>, details?: () => unknown): Promise<T> {
  const ctx = Context.current();
  const beat = () => ctx.heartbeat(details?.());
  const timer = setInterval(beat, 5_000);
  try {
    beat();
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The running activity's cancellation signal; none outside an activity. */
function cancellationSignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

export class ActivityContext {
  private readonly limiters: RateLimiterRegistry;
  private readonly trusts = new Map<string, NodeTlsTrust>();
  private readonly versions = new Map<string, string>();
  private readonly controlCenters = new Map<string, ControlCenterClient>();
  /** Per cluster: subscribers learned from the publisher (inventories may list the publisher alone). */
  private readonly learned = new Map<string, LearnedCluster>();
  private readonly learning = new Map<string, Promise<LearnedCluster>>();
  private readonly pool: CliSessionPool;

  constructor(readonly deps: ActivityDeps) {
    this.limiters = new RateLimiterRegistry(deps.risportWindowMs ?? 60_000, deps.risportWorkers ?? 1);
    this.pool =
      deps.cliPool ??
      new CliSessionPool({ open: deps.openCli, sessionOptions: deps.cliOptions, log: (m) => this.info(m) });
  }

  cluster(clusterId: string): InventoryCluster {
    const cluster = findCluster(this.deps.inventory, clusterId);
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

  private async cliTarget(ref: NodeRef): Promise<CliTarget & { unpinned?: { offered?: string } }> {
    const cluster = this.cluster(ref.clusterId);
    const node = await this.resolveNode(ref);
    const { username, passwordRef } = cluster.credentials.osAdmin;
    const hostKeySha256 =
      node.sshHostKeySha256 ?? cluster.sshHostKeys?.[ref.nodeId] ?? this.deps.hostKeys?.get(ref.clusterId, ref.nodeId);
    const recordOnFirstUse = cluster.hostKeyPolicy === 'record-on-first-use' && this.deps.hostKeys;
    // A learned node with no fingerprint under a pinned policy: connect only far enough to see the key it offers
    // (the host verifier refuses it before any credential is sent), then say which inventory field to fill in.
    const unpinned: { offered?: string } | undefined =
      !hostKeySha256 && !recordOnFirstUse && this.isDiscovered(ref) ? {} : undefined;
    return {
      label: ref.nodeId,
      host: node.host,
      port: node.sshPort,
      username,
      password: this.deps.resolveSecret(passwordRef),
      hostKeySha256,
      acceptFirstUse: recordOnFirstUse
        ? (fingerprint) => {
            this.deps.hostKeys?.record(ref.clusterId, ref.nodeId, fingerprint);
            this.warn(`${ref.clusterId}/${ref.nodeId}: recorded SSH host key ${fingerprint} on first use`);
            return true;
          }
        : unpinned
          ? (fingerprint) => {
              unpinned.offered = fingerprint;
              return false;
            }
          : undefined,
      unpinned,
    };
  }

  /** The non-retryable failure for a learned node whose host key the inventory does not pin. */
  private unpinnedFailure(ref: NodeRef, host: string, offered?: string): ApplicationFailure {
    const policy =
      this.cluster(ref.clusterId).hostKeyPolicy === 'pinned'
        ? `the cluster's hostKeyPolicy is "pinned"`
        : `this process has no store to record host keys in`;
    return ApplicationFailure.create({
      type: 'HostKeyNotPinned',
      nonRetryable: true,
      message:
        `Node "${ref.nodeId}" (${host}) of cluster "${ref.clusterId}" was learned from the publisher's show network ` +
        `cluster and has no pinned SSH host key, and ${policy}. Add ` +
        `"sshHostKeys": {"${ref.nodeId}": "SHA256:..."} to cluster "${ref.clusterId}" in the inventory` +
        (offered ? ` (the node presented ${offered}; check it on the node's console: it is not trusted)` : '') +
        `, or list the node in "nodes" with "sshHostKeySha256", or set "hostKeyPolicy": "record-on-first-use".`,
    });
  }

  /** The activity's logger inside an activity, else `deps.warn`. */
  warn(message: string): void {
    try {
      Context.current().log.warn(message);
    } catch {
      (this.deps.warn ?? console.warn)(message);
    }
  }

  /** The activity's logger inside an activity (info level), else nowhere: the pool's routine messages. */
  private info(message: string): void {
    try {
      Context.current().log.info(message);
    } catch {
      // outside an activity (a session closed by its idle timer): nothing to say
    }
  }

  /**
   * Runs `work` with the node's pooled CLI session (one per node in this worker; each command waits its turn);
   * client errors become Temporal failures.
   */
  async withCli<T>(ref: NodeRef, work: (cli: CliCommands) => Promise<T>): Promise<T> {
    let target: Awaited<ReturnType<ActivityContext['cliTarget']>> | undefined;
    try {
      target = await this.cliTarget(ref);
      return await work(this.pool.lease(`${ref.clusterId}/${ref.nodeId}`, target, cancellationSignal()));
    } catch (err) {
      // A node whose key is not pinned can never open a session: refused (or unreachable), either way the inventory
      // lacks the fingerprint, which no retry can bring.
      if (target?.unpinned && err instanceof CliError)
        throw this.unpinnedFailure(ref, target.host, target.unpinned.offered);
      throw toFailure(err);
    }
  }

  /**
   * Runs `work` with a Unified CCX node's pooled CLI session (inventory `uccxNodes`: its own address, host key and
   * administrator); same pool, keyed apart from the CUCM nodes.
   */
  async withUccxCli<T>(ref: UccxRef, work: (cli: CliCommands) => Promise<T>): Promise<T> {
    const cluster = this.cluster(ref.clusterId);
    const node = cluster.uccxNodes?.find((n) => n.id === ref.uccxNodeId);
    if (!node)
      throw ApplicationFailure.nonRetryable(
        `"${ref.uccxNodeId}" is not a UCCX node of cluster "${ref.clusterId}" (inventory uccxNodes).`,
        'UnknownNode',
      );
    const key = `uccx:${node.id}`;
    const hostKeySha256 = node.sshHostKeySha256 ?? this.deps.hostKeys?.get(ref.clusterId, key);
    const recordOnFirstUse = !hostKeySha256 && cluster.hostKeyPolicy === 'record-on-first-use' && this.deps.hostKeys;
    const target: CliTarget = {
      label: `UCCX ${node.id}`,
      host: node.host,
      port: node.sshPort,
      username: node.osAdmin.username,
      password: this.deps.resolveSecret(node.osAdmin.passwordRef),
      hostKeySha256,
      ...(recordOnFirstUse
        ? {
            acceptFirstUse: (fingerprint: string) => {
              this.deps.hostKeys?.record(ref.clusterId, key, fingerprint);
              this.warn(`${ref.clusterId}/${key}: recorded SSH host key ${fingerprint} on first use`);
              return true;
            },
          }
        : {}),
    };
    try {
      return await work(this.pool.lease(`${ref.clusterId}/${key}`, target, cancellationSignal()));
    } catch (err) {
      throw toFailure(err);
    }
  }

  /** HTTPS trust for a node, per the cluster's TLS policy (pinning reads tomcat over SSH). */
  tls(ref: NodeRef): NodeTlsTrust {
    const key = `${ref.clusterId}/${ref.nodeId}`;
    let trust = this.trusts.get(key);
    if (!trust) {
      trust = new NodeTlsTrust(
        key,
        this.cluster(ref.clusterId).tls,
        () =>
          this.withCli(ref, async (cli) => parseCertificateDetails(await cli.run('show cert own tomcat')).pem ?? ''),
        (m) => this.warn(m),
      );
      this.trusts.set(key, trust);
    }
    return trust;
  }

  private baseUrl(ref: NodeRef): string {
    const node = this.node(ref);
    return `https://${node.host}:${node.httpsPort}`;
  }

  private axlCredentials(clusterId: string): { username: string; password: string } {
    const cluster = this.cluster(clusterId);
    const ref = cluster.credentials.axl;
    if (!ref)
      throw ApplicationFailure.nonRetryable(
        `Cluster "${clusterId}" has no credentials.axl in the inventory (needed for AXL and RisPort70).`,
        'InvalidInventory',
      );
    return { username: ref.username, password: this.deps.resolveSecret(ref.passwordRef) };
  }

  /** The cluster's CUCM version, read once per process from the publisher's CLI (AXL needs its major.minor). */
  async version(clusterId: string): Promise<string> {
    let version = this.versions.get(clusterId);
    if (!version) {
      version = await this.withCli({ clusterId, nodeId: this.publisher(clusterId).id }, async (cli) =>
        parseActiveVersion(await cli.run('show version active')),
      );
      this.versions.set(clusterId, version);
    }
    return version;
  }

  async axl(clusterId: string): Promise<AxlClient> {
    const ref = { clusterId, nodeId: this.publisher(clusterId).id };
    const v = parseCucmVersion(await this.version(clusterId));
    const trust = this.tls(ref);
    return new AxlClient({
      label: `${clusterId} AXL`,
      baseUrl: this.baseUrl(ref),
      ...this.axlCredentials(clusterId),
      version: `${v.major}.${v.minor}`,
      agent: () => trust.agent(),
    });
  }

  /** RisPort on the publisher, with the cluster's shared limiter; `onWait` is told how long a slot takes. */
  risport(clusterId: string, onWait?: (ms: number) => void): RisPortClient {
    const ref = { clusterId, nodeId: this.publisher(clusterId).id };
    const limiter = this.limiters.forCluster(clusterId, this.cluster(clusterId).risportRequestsPerMinute);
    const trust = this.tls(ref);
    // A client per call site shares the per-cluster limiter; node-soap caches the parsed WSDL.
    const client = new RisPortClient(
      {
        label: `${clusterId} RisPort70`,
        baseUrl: this.baseUrl(ref),
        ...this.axlCredentials(clusterId),
        agent: () => trust.agent(),
      },
      limiter,
      onWait,
    );
    return client;
  }

  /** Control Center Services of a node the worker knows (call `resolveNode` first for a node not yet learned). */
  controlCenter(ref: NodeRef): ControlCenterClient {
    const key = `${ref.clusterId}/${ref.nodeId}`;
    // Keyed by address too: a learned node may move when the publisher's show network cluster is read again.
    let client = this.controlCenters.get(`${key} ${this.baseUrl(ref)}`);
    if (!client) {
      const trust = this.tls(ref);
      client = new ControlCenterClient({
        label: key,
        nodeName: ref.nodeId,
        baseUrl: this.baseUrl(ref),
        ...this.axlCredentials(ref.clusterId),
        agent: () => trust.agent(),
      });
      this.controlCenters.set(`${key} ${this.baseUrl(ref)}`, client);
    }
    return client;
  }

  /** The certificate REST API of a node (14+); async because a node the worker has not met yet is learned first. */
  async certmgr(ref: NodeRef): Promise<CertMgrClient> {
    await this.resolveNode(ref);
    const cluster = this.cluster(ref.clusterId);
    const trust = this.tls(ref);
    return new CertMgrClient({
      label: `${ref.clusterId}/${ref.nodeId}`,
      baseUrl: this.baseUrl(ref),
      username: cluster.credentials.osAdmin.username,
      password: this.deps.resolveSecret(cluster.credentials.osAdmin.passwordRef),
      agent: () => trust.agent(),
    });
  }
}
