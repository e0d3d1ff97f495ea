/**
 * Process configuration from the environment, with the defaults `npm start` runs on. One place, so the worker, the
 * API and the launcher agree on ports, addresses and names.
 */
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTemporalConnection, type TemporalConnectionConfig } from './temporal';

export interface AppConfig {
  /** Where the API binds; 127.0.0.1 unless told otherwise. */
  host: string;
  apiPort: number;
  temporalPort: number;
  temporalUiPort: number;
  /** Base URL of the Temporal Web UI for links in reports (TEMPORAL_UI_URL; default the dev server's UI). */
  temporalUiUrl: string;
  /** host:port of the Temporal frontend (`temporalConnection.address`); defaults to the embedded dev server. */
  temporalAddress: string;
  temporalNamespace: string;
  /** Temporal's standard client settings: profile, API key, TLS (config/temporal.ts). */
  temporalConnection: TemporalConnectionConfig;
  taskQueue: string;
  dataDir: string;
  /** Cluster inventory file; unset means "use the simulator's demo cluster" under `npm start`. */
  inventoryPath?: string;
  /**
   * API bearer tokens, the raw `API_TOKENS` JSON: `[{"name","role":"viewer"|"operator"|"approver","tokenRef"}]` with
   * secret references (`env:NAME`, `file:/path`); the API parses and resolves them at start (api/auth.ts).
   */
  apiTokensJson?: string;
  /** `API_AUTH_DISABLED=true`: the development switch that lets the API run without tokens (it logs that loudly). */
  apiAuthDisabled: boolean;
  /**
   * Every `OIDC_*` variable set (OIDC_ISSUER, OIDC_AUDIENCE, ...), raw: the API checks them at start (api/oidc.ts);
   * undefined when none is set.
   */
  oidc?: Record<string, string | undefined>;
  /**
   * `API_TEMPORAL_IDENTITY`: the identity the API's Temporal client gives (Temporal records it on every signal and
   * update the API sends); default `cucm-cert-regen-api@<host name>`.
   */
  apiTemporalIdentity: string;
  /**
   * `API_TEMPORAL_IDENTITIES`: the Temporal client identities counted as this API's (comma-separated; `*` matches
   * any characters), for telling the API's decisions from others in a history; default `cucm-cert-regen-api@*`.
   */
  apiTemporalIdentities: string[];
  /**
   * `API_VERIFIED_TEMPORAL_IDENTITIES`: Temporal client identities (comma-separated, `*` matching any characters) whose
   * decisions count as verified because Temporal's authorization binds them to an authenticated user; default none.
   */
  apiVerifiedTemporalIdentities: string[];
  /** How long an API request waits for a discovery workflow before answering 504 (`API_DISCOVERY_TIMEOUT_SECONDS`). */
  apiDiscoveryTimeoutSeconds: number;
  /** `WORKER_METRICS_PORT`: the worker serves its Prometheus metrics at this port (unset: not served). */
  workerMetricsPort?: number;
  /** `WORKER_METRICS_HOST`: the address it binds (127.0.0.1; another container scraping it needs 0.0.0.0). */
  workerMetricsHost: string;
  /** `WORKER_METRICS_URL`: the API appends the worker's metrics found there to its own GET /metrics. */
  workerMetricsUrl?: string;
  /**
   * `RISPORT_WORKERS` (1): how many worker processes may poll one cluster's RisPort70 at once; each takes that share
   * of the cluster's `risportRequestsPerMinute`, so together they stay within it.
   */
  risportWorkers: number;
  /**
   * `RISPORT_WINDOW_MS` (60000): the window of `risportRequestsPerMinute`. CUCM's is a minute; only a test against a
   * simulator configured with a shorter window sets it.
   */
  risportWindowMs: number;
  /** `API_PUBLIC_URL`: the API as people reach it, for the links in notifications (default http://<host>:<apiPort>). */
  apiPublicUrl: string;
  /** How much one worker process takes on at once (`WORKER_MAX_CONCURRENT_*`). */
  workerConcurrency: WorkerConcurrency;
}

export interface WorkerConcurrency {
  /** `WORKER_MAX_CONCURRENT_ACTIVITIES` (20): long CLI operations hold an activity slot for minutes. */
  activities: number;
  /** `WORKER_MAX_CONCURRENT_WORKFLOW_TASKS` (40, the SDK's default): short tasks; runs waiting at gates take none. */
  workflowTasks: number;
}

function limitFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 1000)
    throw new Error(`${name}=${raw} is not a whole number from 1 to 1000.`);
  return value;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name}=${raw} is not a valid port number (1-65535).`);
  }
  return value;
}

function windowFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 60_000)
    throw new Error(`${name}=${raw} is not a whole number of milliseconds from 1 to 60000.`);
  return value;
}

function countFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 18)
    throw new Error(
      `${name}=${raw} is not a whole number from 1 to 18 (CUCM allows at most 18 RisPort requests a minute).`,
    );
  return value;
}

function secondsFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 3600) {
    throw new Error(`${name}=${raw} is not a number of seconds (1-3600).`);
  }
  return value;
}

function urlFromEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name}=${raw} is not a URL (e.g. http://127.0.0.1:9464/metrics).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${name}=${raw} must be an http:// or https:// URL.`);
  return url.toString();
}

/** How the API's Temporal client names itself, so its messages are recognisable in a history and the Web UI. */
export const API_IDENTITY_PREFIX = 'cucm-cert-regen-api@';

/** The OIDC_* variables set (an empty one counts as unset). */
function oidcVariables(env: NodeJS.ProcessEnv): Record<string, string | undefined> | undefined {
  const set = Object.entries(env).filter(([k, v]) => k.startsWith('OIDC_') && v !== undefined && v !== '');
  return set.length ? Object.fromEntries(set) : undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const host = env.HOST || '127.0.0.1';
  const temporalPort = intFromEnv(env, 'TEMPORAL_PORT', 7233);
  const temporalConnection = loadTemporalConnection(env, temporalPort);
  const apiPort = intFromEnv(env, 'API_PORT', 3000);
  const temporalUiPort = intFromEnv(env, 'TEMPORAL_UI_PORT', 8233);
  return {
    host,
    apiPort,
    temporalPort,
    temporalUiPort,
    temporalUiUrl: urlFromEnv(env, 'TEMPORAL_UI_URL') ?? `http://127.0.0.1:${temporalUiPort}`,
    temporalAddress: temporalConnection.address,
    temporalNamespace: temporalConnection.namespace,
    temporalConnection,
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'cucm-cert-regen',
    dataDir: resolve(env.DATA_DIR || join(process.cwd(), '.data')),
    inventoryPath: env.CUCM_INVENTORY ? resolve(env.CUCM_INVENTORY) : undefined,
    apiTokensJson: env.API_TOKENS || undefined,
    apiAuthDisabled: env.API_AUTH_DISABLED === 'true',
    oidc: oidcVariables(env),
    apiTemporalIdentity: env.API_TEMPORAL_IDENTITY || `${API_IDENTITY_PREFIX}${hostname()}`,
    apiTemporalIdentities: (env.API_TEMPORAL_IDENTITIES || `${API_IDENTITY_PREFIX}*`)
      .split(',')
      .map((i) => i.trim())
      .filter(Boolean),
    apiVerifiedTemporalIdentities: (env.API_VERIFIED_TEMPORAL_IDENTITIES ?? '')
      .split(',')
      .map((i) => i.trim())
      .filter(Boolean),
    apiDiscoveryTimeoutSeconds: secondsFromEnv(env, 'API_DISCOVERY_TIMEOUT_SECONDS', 120),
    workerMetricsPort: env.WORKER_METRICS_PORT ? intFromEnv(env, 'WORKER_METRICS_PORT', 0) : undefined,
    workerMetricsHost: env.WORKER_METRICS_HOST || '127.0.0.1',
    workerMetricsUrl: urlFromEnv(env, 'WORKER_METRICS_URL'),
    risportWorkers: countFromEnv(env, 'RISPORT_WORKERS', 1),
    risportWindowMs: windowFromEnv(env, 'RISPORT_WINDOW_MS', 60_000),
    apiPublicUrl: urlFromEnv(env, 'API_PUBLIC_URL') ?? `http://${host}:${apiPort}`,
    workerConcurrency: {
      activities: limitFromEnv(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES', 20),
      workflowTasks: limitFromEnv(env, 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 40),
    },
  };
}
