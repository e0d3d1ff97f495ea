/**
 * A production-shaped Temporal for the production suite, every part real and provisioned by the project's scripts:
 * the Temporal server built from its Go module (scripts/temporal-server.ts), Debian's PostgreSQL in a temporary
 * folder (scripts/postgres.ts), the schemas, namespace and search attributes set up by scripts/temporal-setup.ts (the
 * operators' script), and two server processes sharing the database as one cluster (they split the history shards;
 * when one dies, the other takes its shards). Clients reach them through one address, a TCP balancer over both
 * frontends, as they would reach a cluster through a load balancer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { fingerprint32 } from 'farmhash-modern';
import { connectClient } from '../../clients/temporal';
import { loadConfig } from '../../config';
import { ensurePostgresBinaries, startLocalPostgres, type LocalPostgres } from '../../scripts/postgres';
import { setupNamespace, setupSchemas, type SqlTarget } from '../../scripts/temporal-setup';
import { ensureTemporalServer, type TemporalServerBinaries } from '../../scripts/temporal-server';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer';

/** The ports of one server process (all four services in one process). */
interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
  internalFrontend: number;
  internalFrontendMembership: number;
}

/** The cluster's history shards (fixed for a cluster's life: the database is set up with it). */
const NUM_HISTORY_SHARDS = 4;

const taken = new Set<number>();
/**
 * A free loopback port below 32768. Temporal's PostgreSQL schema stores membership ports as SMALLINT, so a port from
 * the OS's ephemeral range (32768 and up on Linux) crashes the server at start.
 */
async function lowFreePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
}

async function serverPorts(): Promise<ServerPorts> {
  const names = [
    'frontend',
    'frontendHttp',
    'frontendMembership',
    'history',
    'historyMembership',
    'matching',
    'matchingMembership',
    'worker',
    'workerMembership',
    'internalFrontend',
    'internalFrontendMembership',
  ] as const;
  const ports: Partial<ServerPorts> = {};
  for (const name of names) ports[name] = await lowFreePort();
  return ports as ServerPorts;
}

/**
 * Temporal's JWT authorizer on the public frontend: every call needs a bearer token signed by a key of the JWKS at
 * `jwksUrl` whose `permissions` claim grants it. The server's own worker service then reaches the cluster through an
 * internal frontend (no token needed there), as a secured cluster is set up; `adminApiKey` (a `temporal-system:admin`
 * token) is what the suite's setup and client send.
 */
export interface JwtAuthorization {
  jwksUrl: string;
  adminApiKey: string;
}

/** The services a server process runs: the default four, and the internal frontend under an authorizer. */
const servicesOf = (authorization?: JwtAuthorization) => [
  'frontend',
  'history',
  'matching',
  'worker',
  ...(authorization ? ['internal-frontend'] : []),
];

/** The server's configuration file: the same for every process but for its ports. */
export function serverConfig(
  db: SqlTarget,
  ports: ServerPorts,
  clusterAddress: string,
  options: { authorization?: JwtAuthorization } = {},
): string {
  const store = (database: string, maxConns: number) => `
      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${db.host}:${db.port}"
        connectProtocol: tcp
        user: ${db.user}
        password: "${db.password}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpc: number, membership: number, http?: number) => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${http ? `\n      httpPort: ${http}` : ''}`;
  return `log:
  stdout: true
  level: info
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${NUM_HISTORY_SHARDS}
  datastores:
    default:${store(db.database, 20)}
    visibility:${store(db.visibilityDatabase, 10)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
${
  options.authorization
    ? `  authorization:
    jwtKeyProvider:
      keySourceURIs: ["${options.authorization.jwksUrl}"]
      refreshInterval: 1m
    permissionsClaimName: permissions
    authorizer: default
    claimMapper: default`
    : ''
}
services:
  frontend:${service(ports.frontend, ports.frontendMembership, ports.frontendHttp)}
  history:${service(ports.history, ports.historyMembership)}
  matching:${service(ports.matching, ports.matchingMembership)}
  worker:${service(ports.worker, ports.workerMembership)}${
    options.authorization
      ? `\n  internal-frontend:${service(ports.internalFrontend, ports.internalFrontendMembership)}`
      : ''
  }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "${clusterAddress}"
dcRedirectionPolicy:
  policy: noop
`;
}

/** One `temporal-server start` process, which can be killed and started again on the same configuration. */
export interface ServerProcess {
  name: string;
  /** host:port of its frontend. */
  frontend: string;
  logPath: string;
  pid(): number | undefined;
  /** Starts the process and resolves once its frontend answers. */
  start(): Promise<void>;
  /** SIGKILL: no goodbye to the cluster, its shards are left for the others to steal. */
  kill(): Promise<void>;
  /**
   * The history shards this process holds now, from its log: Temporal logs "Acquired shard" with the shard id when
   * it takes one, and its shard context's Stopping/Stopped when it lets one go.
   */
  shardsHeld(): number[];
  /** How far its log has come (bytes): `shardsAcquiredSince` reads what it logged after that point. */
  logOffset(): number;
  /** Each shard it acquired after `offset`, with when it first did. */
  shardsAcquiredSince(offset: number): ShardEvent[];
}

/** The history shard of a workflow, as Temporal computes it (common.WorkflowIDToHistoryShard: FarmHash Fingerprint32). */
export function historyShardOf(namespaceId: string, workflowId: string): number {
  return (fingerprint32(`${namespaceId}_${workflowId}`) % NUM_HISTORY_SHARDS) + 1;
}

/** A shard taken (held) or let go, and when (epoch ms, the server's log time; NaN when the line has none). */
interface ShardEvent {
  shard: number;
  held: boolean;
  at: number;
}

/** What a server's log says about shard ownership, in order. */
function shardEvents(log: string): ShardEvent[] {
  const events: ShardEvent[] = [];
  for (const line of log.split('\n')) {
    const shard = /"shard-id":(\d+)/.exec(line)?.[1];
    if (!shard) continue;
    const at = Date.parse(/"ts":"([^"]+)"/.exec(line)?.[1] ?? '');
    if (line.includes('Acquired shard')) events.push({ shard: Number(shard), held: true, at });
    else if (/"component":"shard-context"/.test(line) && /"lifecycle":"Stopp(ing|ed)"/.test(line))
      events.push({ shard: Number(shard), held: false, at });
  }
  return events;
}

async function frontendAnswers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch(() => undefined);
  if (!connection) return false;
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}

function serverProcess(
  name: string,
  binaries: TemporalServerBinaries,
  dir: string,
  ports: ServerPorts,
  config: string,
  services: string[],
) {
  const configPath = join(dir, `${name}.yaml`);
  writeFileSync(configPath, config);
  const logPath = join(dir, `${name}.log`);
  const frontend = `127.0.0.1:${ports.frontend}`;
  let child: ChildProcess | undefined;
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => c.once('exit', () => resolve()));
  const server: ServerProcess = {
    name,
    frontend,
    logPath,
    pid: () => child?.pid,
    async start() {
      const log = createWriteStream(logPath, { flags: 'a' });
      const c = spawn(
        binaries.server,
        ['--config-file', configPath, '--allow-no-auth', 'start', ...services.flatMap((s) => ['--service', s])],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = c;
      c.stdout?.pipe(log);
      c.stderr?.pipe(log);
      const deadline = Date.now() + 120_000;
      while (!(await frontendAnswers(frontend))) {
        if (c.exitCode !== null)
          throw new Error(
            `${name} exited (${c.exitCode}) at start; its log:\n${readFileSync(logPath, 'utf8').slice(-4000)}`,
          );
        if (Date.now() > deadline) throw new Error(`${name}'s frontend ${frontend} did not answer within 120 s`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
    },
    shardsHeld() {
      const held = new Set<number>();
      for (const e of shardEvents(readFileSync(logPath, 'utf8')))
        if (e.held) held.add(e.shard);
        else held.delete(e.shard);
      return [...held].sort((a, b) => a - b);
    },
    logOffset: () => statSync(logPath).size,
    shardsAcquiredSince(offset) {
      const after = readFileSync(logPath).subarray(offset).toString('utf8');
      const first = new Map<number, ShardEvent>();
      for (const e of shardEvents(after)) if (e.held && !first.has(e.shard)) first.set(e.shard, e);
      return [...first.values()].sort((a, b) => a.shard - b.shard);
    },
  };
  return { server, stop: async () => child && (child.kill('SIGKILL'), await exited(child)) };
}

export interface RealTemporal {
  binaries: TemporalServerBinaries;
  postgres: LocalPostgres;
  /** The server processes of the cluster (two). */
  servers: ServerProcess[];
  /** The one address clients use (the balancer over every frontend). */
  address: string;
  client: Client;
  namespace: string;
  stop(): Promise<void>;
}

type Log = (message: string) => void;

/** Provisions and starts PostgreSQL and a cluster of `processes` server processes, set up for this product. */
export async function startRealTemporal(
  options: { processes?: number; authorization?: JwtAuthorization; log?: Log } = {},
): Promise<RealTemporal> {
  const log = options.log ?? ((message: string) => console.log(`      [real-temporal] ${message}`));
  const binaries = ensureTemporalServer(log);
  const pgBinaries = ensurePostgresBinaries(log);
  const dir = mkdtempSync(join(tmpdir(), 'ccr-temporal-'));
  const postgres = startLocalPostgres(pgBinaries, { port: await lowFreePort() }, log);
  const cleanups: Array<() => Promise<unknown>> = [];
  let balancer: TcpBalancer | undefined;
  let client: Client | undefined;
  const stop = async () => {
    await client?.connection.close().catch(() => undefined);
    await balancer?.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
    postgres.dispose();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const db: SqlTarget = {
      host: postgres.host,
      port: postgres.port,
      user: postgres.user,
      password: 'temporal',
      database: 'temporal',
      visibilityDatabase: 'temporal_visibility',
    };
    setupSchemas(binaries.sqlTool, db, log);
    const allPorts: ServerPorts[] = [];
    for (let i = 0; i < (options.processes ?? 2); i += 1) allPorts.push(await serverPorts());
    const clusterAddress = `127.0.0.1:${allPorts[0]!.frontend}`;
    const servers = allPorts.map((ports, i) => {
      const name = `server-${String.fromCharCode(65 + i)}`;
      const made = serverProcess(
        name,
        binaries,
        dir,
        ports,
        serverConfig(db, ports, clusterAddress, options),
        servicesOf(options.authorization),
      );
      cleanups.push(made.stop);
      return made.server;
    });
    // The first process creates the cluster's metadata in the empty database; the others join it.
    await servers[0]!.start();
    await Promise.all(servers.slice(1).map((s) => s.start()));
    balancer = await startTcpBalancer(
      servers.map((s) => ({ host: '127.0.0.1', port: Number(s.frontend.split(':')[1]) })),
    );
    // The operators' setup and the suite's own client, with the admin token where the server demands one (in clear:
    // the test cluster's frontend has no TLS).
    const apiKey = options.authorization?.adminApiKey;
    const credentials = apiKey ? { TEMPORAL_API_KEY: apiKey, TEMPORAL_TLS: 'false' } : {};
    const config = loadConfig({ TEMPORAL_ADDRESS: balancer.address, TEMPORAL_NAMESPACE: 'default', ...credentials });
    await setupNamespace(config, log);
    client = await connectClient(config);
    log(
      `Temporal server ${binaries.version} (${binaries.source}): ${servers.map((s) => `${s.name} pid ${s.pid()} frontend ${s.frontend}`).join(', ')}; clients through ${balancer.address}`,
    );
    return { binaries, postgres, servers, address: balancer.address, client, namespace: 'default', stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
