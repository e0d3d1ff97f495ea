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
import { CliError, CliSession, type CliSessionOptions, type CliTarget } from './cucm/cli';
import { ControlCenterClient } from './cucm/control-center';
import { CucmHttpError } from './cucm/errors';
import { NodeTlsTrust } from './cucm/https-trust';
import { parseActiveVersion, parseCertificateDetails } from './cucm/parsers';
import { RateLimiterRegistry } from './cucm/rate-limiter';
import { RisPortClient } from './cucm/risport';
import type { HostKeyStore } from './host-keys';

export interface ActivityDeps {
  inventory: Inventory;
  resolveSecret: (ref: string) => string;
  /** Opens an authenticated CLI session; injectable so tests can count or break sessions. */
  openCli?: (target: CliTarget, options?: CliSessionOptions) => Promise<CliSession>;
  cliOptions?: CliSessionOptions;
  /** Where keys of `record-on-first-use` clusters are kept. */
  hostKeys?: HostKeyStore;
  /** RisPort's rate window (60 s on CUCM; tests against a fast simulator shorten it). */
  risportWindowMs?: number;
  /** Where warnings go outside an activity (e.g. insecure TLS). */
  warn?: (message: string) => void;
}

export interface NodeRef {
  clusterId: string;
  nodeId: string;
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

export class ActivityContext {
  private readonly limiters: RateLimiterRegistry;
  private readonly trusts = new Map<string, NodeTlsTrust>();
  private readonly versions = new Map<string, string>();
  private readonly controlCenters = new Map<string, ControlCenterClient>();
  private readonly open: (target: CliTarget, options?: CliSessionOptions) => Promise<CliSession>;

  constructor(readonly deps: ActivityDeps) {
    this.limiters = new RateLimiterRegistry(deps.risportWindowMs ?? 60_000);
    this.open = deps.openCli ?? ((target, options) => CliSession.open(target, options));
  }

  cluster(clusterId: string): InventoryCluster {
    const cluster = findCluster(this.deps.inventory, clusterId);
    if (!cluster)
      throw ApplicationFailure.nonRetryable(`Cluster "${clusterId}" is not in the inventory.`, 'UnknownCluster');
    return cluster;
  }

  node({ clusterId, nodeId }: NodeRef): InventoryNode {
    const node = this.cluster(clusterId).nodes.find((n) => n.id === nodeId);
    if (!node)
      throw ApplicationFailure.nonRetryable(`Node "${nodeId}" is not part of cluster "${clusterId}".`, 'UnknownNode');
    return node;
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

  private cliTarget(ref: NodeRef): CliTarget {
    const cluster = this.cluster(ref.clusterId);
    const node = this.node(ref);
    const { username, passwordRef } = cluster.credentials.osAdmin;
    const recorded = this.deps.hostKeys?.get(ref.clusterId, ref.nodeId);
    return {
      label: ref.nodeId,
      host: node.host,
      port: node.sshPort,
      username,
      password: this.deps.resolveSecret(passwordRef),
      hostKeySha256: node.sshHostKeySha256 ?? recorded,
      acceptFirstUse:
        cluster.hostKeyPolicy === 'record-on-first-use' && this.deps.hostKeys
          ? (fingerprint) => {
              this.deps.hostKeys?.record(ref.clusterId, ref.nodeId, fingerprint);
              this.warn(`${ref.clusterId}/${ref.nodeId}: recorded SSH host key ${fingerprint} on first use`);
              return true;
            }
          : undefined,
    };
  }

  private warn(message: string): void {
    try {
      Context.current().log.warn(message);
    } catch {
      (this.deps.warn ?? console.warn)(message);
    }
  }

  /** Runs `work` in one CLI session on the node and closes it; client errors become Temporal failures. */
  async withCli<T>(ref: NodeRef, work: (cli: CliSession) => Promise<T>): Promise<T> {
    let cli: CliSession | undefined;
    try {
      cli = await this.open(this.cliTarget(ref), this.deps.cliOptions);
      return await work(cli);
    } catch (err) {
      throw toFailure(err);
    } finally {
      cli?.close();
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

  controlCenter(ref: NodeRef): ControlCenterClient {
    const key = `${ref.clusterId}/${ref.nodeId}`;
    let client = this.controlCenters.get(key);
    if (!client) {
      const trust = this.tls(ref);
      client = new ControlCenterClient({
        label: key,
        nodeName: ref.nodeId,
        baseUrl: this.baseUrl(ref),
        ...this.axlCredentials(ref.clusterId),
        agent: () => trust.agent(),
      });
      this.controlCenters.set(key, client);
    }
    return client;
  }

  certmgr(ref: NodeRef): CertMgrClient {
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
