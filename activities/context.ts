/**
 * What every activity shares inside one worker process: the cluster directory (./cluster-directory.ts: inventory
 * lookups and learned subscribers), secret resolution (the only place secrets are read), the SSH host-key policy,
 * and the CUCM clients, built lazily and reused (SOAP clients are costly to create; the RisPort limiter must be
 * shared by every activity of a cluster; the CLI sessions are the pool's, ./cucm/session-pool.ts). Each activity
 * factory declares the part it uses (a `Pick` of this class). Failures leave as Temporal failures
 * (./activity-support.ts).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Inventory } from '../domain/inventory/types';
import { parseCucmVersion } from '../domain/cucm-version';
import { cancellationSignal, toFailure } from './activity-support';
import { ClusterDirectory, type NodeRef } from './cluster-directory';
import { AxlClient } from './cucm/axl';
import { CertMgrClient } from './cucm/certmgr';
import { CliError, type CliCommands, type CliSession, type CliSessionOptions, type CliTarget } from './cucm/cli';
import { ControlCenterClient } from './cucm/control-center';
import { NodeTlsTrust } from './cucm/https-trust';
import { parseActiveVersion, parseCertificateDetails } from './cucm/parsers';
import { RateLimiterRegistry } from './cucm/rate-limiter';
import { PERFMON_REQUESTS_PER_MINUTE, PerfmonClient } from './cucm/perfmon';
import { RisPortClient } from './cucm/risport';
import { CliSessionPool } from './cucm/session-pool';
import type { HostKeyStore } from './host-keys';
import type { NotificationDeps } from './notify/deliver';
import type { ExpiryGauges } from './expiry-gauges';

export { heartbeating, toFailure } from './activity-support';
export { isMember, type NodeRef } from './cluster-directory';

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

/** A Unified CCX node of a cluster (inventory `uccxNodes`). */
export interface UccxRef {
  clusterId: string;
  uccxNodeId: string;
}

export class ActivityContext extends ClusterDirectory {
  private readonly limiters: RateLimiterRegistry;
  private readonly perfmonLimiters: RateLimiterRegistry;
  private readonly trusts = new Map<string, NodeTlsTrust>();
  private readonly versions = new Map<string, string>();
  private readonly controlCenters = new Map<string, ControlCenterClient>();
  private readonly pool: CliSessionPool;

  constructor(readonly deps: ActivityDeps) {
    super(deps.inventory);
    this.limiters = new RateLimiterRegistry(deps.risportWindowMs ?? 60_000, deps.risportWorkers ?? 1);
    // PerfMon's budget has the same one-minute window (the same shortened window against a fast simulator).
    this.perfmonLimiters = new RateLimiterRegistry(deps.risportWindowMs ?? 60_000, deps.risportWorkers ?? 1);
    this.pool =
      deps.cliPool ??
      new CliSessionPool({ open: deps.openCli, sessionOptions: deps.cliOptions, log: (m) => this.info(m) });
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
      const node = this.node(ref);
      trust = new NodeTlsTrust(
        key,
        this.cluster(ref.clusterId).tls,
        () =>
          this.withCli(ref, async (cli) => parseCertificateDetails(await cli.run('show cert own tomcat')).pem ?? ''),
        (m) => this.warn(m),
        // The served certificate is probed here, so a pin follows a tomcat changed behind this worker's back.
        { host: node.host, port: node.httpsPort },
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
      node: ref.nodeId,
      baseUrl: this.baseUrl(ref),
      ...this.axlCredentials(clusterId),
      version: `${v.major}.${v.minor}`,
      agent: () => trust.agent(),
      tlsFailed: () => trust.tlsFailed(),
    });
  }

  /** RisPort on the publisher, with the cluster's shared limiter; `onWait` is told how long a slot takes. */
  risport(clusterId: string, onWait?: (ms: number) => void): RisPortClient {
    const limiter = this.limiters.forCluster(clusterId, this.cluster(clusterId).risportRequestsPerMinute);
    // A client per call site shares the per-cluster limiter; node-soap caches the parsed WSDL.
    return new RisPortClient(this.publisherSoap(clusterId, 'RisPort70'), limiter, onWait);
  }

  /** PerfMon on the publisher, with the cluster's own PerfMon limiter (apart from RisPort70's budget). */
  perfmon(clusterId: string, onWait?: (ms: number) => void): PerfmonClient {
    const limiter = this.perfmonLimiters.forCluster(clusterId, PERFMON_REQUESTS_PER_MINUTE);
    return new PerfmonClient(this.publisherSoap(clusterId, 'PerfMon'), limiter, onWait);
  }

  /** A serviceability SOAP interface of the publisher (RisPort70, PerfMon): its URL, AXL user and pinned TLS. */
  private publisherSoap(clusterId: string, service: string) {
    const ref = { clusterId, nodeId: this.publisher(clusterId).id };
    const trust = this.tls(ref);
    return {
      label: `${clusterId} ${service}`,
      node: ref.nodeId,
      baseUrl: this.baseUrl(ref),
      ...this.axlCredentials(clusterId),
      agent: () => trust.agent(),
      tlsFailed: () => trust.tlsFailed(),
    };
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
        tlsFailed: () => trust.tlsFailed(),
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
      node: ref.nodeId,
      baseUrl: this.baseUrl(ref),
      username: cluster.credentials.osAdmin.username,
      password: this.deps.resolveSecret(cluster.credentials.osAdmin.passwordRef),
      agent: () => trust.agent(),
      tlsFailed: () => trust.tlsFailed(),
    });
  }
}
