/**
 * Starts the Temporal dev server (`temporal server start-dev`) from the provisioned CLI binary: SQLite persistence
 * when given a file (workflows survive a restart), the Web UI unless headless, and the project's search attributes.
 */
import { Connection } from '@temporalio/client';
import { grpc } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { startChild, waitUntil, type Child } from './processes';

interface DevServerOptions {
  binary: string;
  ip: string;
  port: number;
  /** Web UI port; undefined runs headless. */
  uiPort?: number;
  /** SQLite file; undefined keeps everything in memory. */
  dbFile?: string;
  namespace: string;
  readyTimeoutMs?: number;
}

interface DevServer {
  address: string;
  child: Child;
  stop(): Promise<void>;
}

function devServerArgs(options: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    options.ip,
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    ...(options.uiPort ? ['--ui-port', String(options.uiPort), '--ui-disable-news-fetch'] : ['--headless']),
    // WAL keeps SQLite writes cheap without giving up durability across a restart.
    ...(options.dbFile
      ? [
          '--db-filename',
          options.dbFile,
          '--sqlite-pragma',
          'journal_mode=WAL',
          '--sqlite-pragma',
          'synchronous=NORMAL',
        ]
      : []),
    ...SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', `${sa.name}=${sa.cliType}`]),
    '--log-format',
    'pretty',
    '--log-level',
    'warn',
  ];
}

/** True once the frontend answers gRPC health checks. */
async function temporalReachable(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    const response = await connection.healthService.check({});
    return response.status === grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
  } finally {
    await connection.close();
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const address = `${options.ip}:${options.port}`;
  const child = startChild('temporal', options.binary, devServerArgs(options));
  try {
    await waitUntil(`the Temporal dev server on ${address}`, () => temporalReachable(address), {
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      child,
    });
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { address, child, stop: () => child.stop(15_000) };
}
