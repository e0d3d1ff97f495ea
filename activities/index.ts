/**
 * Activities: every side effect of a procedure. Built by a factory that receives its clients (Temporal's
 * activities-dependency-injection sample), so the worker passes real clients and tests pass the same clients aimed
 * at the simulator. Arguments and results carry cluster and node ids, never secrets: credentials are resolved here,
 * at run time, from the inventory's references.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { findCluster } from '../inventory/load';
import type { Inventory, InventoryCluster, InventoryNode } from '../inventory/types';
import type { CertificateUnit } from '../workflows/units';
import { CliError, CliSession, type CliSessionOptions, type CliTarget } from './cucm/cli';
import { lastReportedState, parseCertificateDetails, parseServiceList } from './cucm/parsers';

export interface ActivityDeps {
  inventory: Inventory;
  resolveSecret: (ref: string) => string;
  /** Opens an authenticated CLI session; injectable so tests can count or break sessions. */
  openCli?: (target: CliTarget, options?: CliSessionOptions) => Promise<CliSession>;
  cliOptions?: CliSessionOptions;
}

export interface NodeRef {
  clusterId: string;
  nodeId: string;
}

export interface ClusterDescription {
  clusterId: string;
  name: string;
  nodes: Array<{ id: string; role: InventoryNode['role'] }>;
}

export interface CertificateSummary {
  serial: string;
  subject?: string;
  issuer?: string;
  validTo?: string;
}

export interface RegenerateOutcome {
  serialBefore: string;
  serialAfter: string;
  regeneratedNow: boolean;
}

export interface RestartOutcome {
  restarted: boolean;
  reason?: string;
}

/** Maps a CLI failure to a Temporal failure: retry what can recover, stop at once on what cannot. */
function toFailure(err: unknown): unknown {
  if (err instanceof CliError) {
    return ApplicationFailure.create({
      type: `CliError.${err.kind}`,
      message: err.message,
      nonRetryable: !err.retryable,
    });
  }
  return err;
}

/** Heartbeats while a long command runs, so a crashed worker is noticed within the heartbeat timeout. */
async function heartbeating<T>(work: () => Promise<T>, details?: unknown): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(details), 5_000);
  try {
    ctx.heartbeat(details);
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export function createActivities(deps: ActivityDeps) {
  const open = deps.openCli ?? ((target, options) => CliSession.open(target, options));

  function clusterOf(clusterId: string): InventoryCluster {
    const cluster = findCluster(deps.inventory, clusterId);
    if (!cluster)
      throw ApplicationFailure.nonRetryable(`Cluster "${clusterId}" is not in the inventory.`, 'UnknownCluster');
    return cluster;
  }

  async function withCli<T>({ clusterId, nodeId }: NodeRef, work: (cli: CliSession) => Promise<T>): Promise<T> {
    const cluster = clusterOf(clusterId);
    const node = cluster.nodes.find((n) => n.id === nodeId);
    if (!node)
      throw ApplicationFailure.nonRetryable(`Node "${nodeId}" is not part of cluster "${clusterId}".`, 'UnknownNode');
    const { username, passwordRef } = cluster.credentials.osAdmin;
    let cli: CliSession | undefined;
    try {
      cli = await open(
        {
          label: nodeId,
          host: node.host,
          port: node.sshPort,
          username,
          password: deps.resolveSecret(passwordRef),
          hostKeySha256: node.sshHostKeySha256,
        },
        deps.cliOptions,
      );
      return await work(cli);
    } catch (err) {
      throw toFailure(err);
    } finally {
      cli?.close();
    }
  }

  async function readSerial(cli: CliSession, unit: CertificateUnit): Promise<CertificateSummary> {
    const { serial, subject, issuer, validTo } = parseCertificateDetails(await cli.run(`show cert own ${unit}`));
    return { serial, subject, issuer, validTo };
  }

  return {
    /** Nodes and roles from the inventory (discovery over the wire comes with the full procedure). */
    describeCluster: async (clusterId: string): Promise<ClusterDescription> => {
      const cluster = clusterOf(clusterId);
      return { clusterId, name: cluster.name, nodes: cluster.nodes.map(({ id, role }) => ({ id, role })) };
    },

    readCertificate: async (input: NodeRef & { unit: CertificateUnit }): Promise<CertificateSummary> => {
      return withCli(input, (cli) => heartbeating(() => readSerial(cli, input.unit)));
    },

    /**
     * Idempotent: if the node's serial already differs from `serialBefore`, an earlier attempt regenerated it (the
     * worker may have crashed before reporting), so report it done without regenerating a second time.
     */
    regenerateCertificate: async (
      input: NodeRef & { unit: CertificateUnit; serialBefore: string },
    ): Promise<RegenerateOutcome> => {
      const log = Context.current().log;
      return withCli(input, (cli) =>
        heartbeating(async () => {
          const current = await readSerial(cli, input.unit);
          if (current.serial !== input.serialBefore) {
            log.info('certificate already regenerated by an earlier attempt', {
              node: input.nodeId,
              unit: input.unit,
              serial: current.serial,
            });
            return { serialBefore: input.serialBefore, serialAfter: current.serial, regeneratedNow: false };
          }
          await cli.run(`set cert regen ${input.unit}`, { confirm: true, timeoutMs: 5 * 60_000 });
          const after = await readSerial(cli, input.unit);
          if (after.serial === input.serialBefore) {
            throw ApplicationFailure.create({
              type: 'RegenerationNotApplied',
              message: `${input.nodeId}: ${input.unit} still has serial ${after.serial} after set cert regen.`,
            });
          }
          log.info('certificate regenerated', {
            node: input.nodeId,
            unit: input.unit,
            serialBefore: input.serialBefore,
            serialAfter: after.serial,
          });
          return { serialBefore: input.serialBefore, serialAfter: after.serial, regeneratedNow: true };
        }),
      );
    },

    /** Restarts a service only where it is Started, and waits until it reports STARTED again. */
    restartService: async (input: NodeRef & { service: string }): Promise<RestartOutcome> => {
      const log = Context.current().log;
      return withCli(input, (cli) =>
        heartbeating(async () => {
          const status = parseServiceList(await cli.run('utils service list', { timeoutMs: 3 * 60_000 })).find(
            (s) => s.name === input.service,
          );
          if (!status) return { restarted: false, reason: `${input.service} does not exist on ${input.nodeId}` };
          if (status.state !== 'STARTED') {
            return {
              restarted: false,
              reason: `${input.service} is ${status.state}${status.reason ? ` (${status.reason})` : ''} on ${input.nodeId}: not restarted`,
            };
          }
          const output = await cli.run(`utils service restart ${input.service}`, { timeoutMs: 10 * 60_000 });
          const state = lastReportedState(output, input.service);
          if (state !== 'STARTED') {
            throw ApplicationFailure.create({
              type: 'ServiceRestartFailed',
              message: `${input.nodeId}: ${input.service} reported ${state ?? 'no state'} after restart.`,
            });
          }
          log.info('service restarted', { node: input.nodeId, service: input.service });
          return { restarted: true };
        }),
      );
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
