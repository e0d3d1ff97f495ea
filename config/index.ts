/**
 * Process configuration from the environment, with the defaults `npm start` runs on. One place, so the worker, the
 * API and the launcher agree on ports, addresses and names.
 */
import { join, resolve } from 'node:path';

export interface TemporalTlsConfig {
  /** PEM client certificate and key (mTLS), and an optional CA for the server's certificate. */
  clientCertPath?: string;
  clientKeyPath?: string;
  serverRootCaPath?: string;
  serverNameOverride?: string;
}

export interface AppConfig {
  /** Where the API binds; 127.0.0.1 unless told otherwise. */
  host: string;
  apiPort: number;
  temporalPort: number;
  temporalUiPort: number;
  /** host:port of the Temporal frontend; defaults to the embedded dev server. */
  temporalAddress: string;
  temporalNamespace: string;
  temporalTls?: TemporalTlsConfig;
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
  /** How long an API request waits for a discovery workflow before answering 504 (`API_DISCOVERY_TIMEOUT_SECONDS`). */
  apiDiscoveryTimeoutSeconds: number;
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

function secondsFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 3600) {
    throw new Error(`${name}=${raw} is not a number of seconds (1-3600).`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const host = env.HOST || '127.0.0.1';
  const temporalPort = intFromEnv(env, 'TEMPORAL_PORT', 7233);
  const tls: TemporalTlsConfig = {
    clientCertPath: env.TEMPORAL_TLS_CERT || undefined,
    clientKeyPath: env.TEMPORAL_TLS_KEY || undefined,
    serverRootCaPath: env.TEMPORAL_TLS_CA || undefined,
    serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME || undefined,
  };
  const tlsWanted = env.TEMPORAL_TLS === 'true' || Object.values(tls).some(Boolean);
  return {
    host,
    apiPort: intFromEnv(env, 'API_PORT', 3000),
    temporalPort,
    temporalUiPort: intFromEnv(env, 'TEMPORAL_UI_PORT', 8233),
    temporalAddress: env.TEMPORAL_ADDRESS || `127.0.0.1:${temporalPort}`,
    temporalNamespace: env.TEMPORAL_NAMESPACE || 'default',
    temporalTls: tlsWanted ? tls : undefined,
    taskQueue: env.TEMPORAL_TASK_QUEUE || 'cucm-cert-regen',
    dataDir: resolve(env.DATA_DIR || join(process.cwd(), '.data')),
    inventoryPath: env.CUCM_INVENTORY ? resolve(env.CUCM_INVENTORY) : undefined,
    apiTokensJson: env.API_TOKENS || undefined,
    apiAuthDisabled: env.API_AUTH_DISABLED === 'true',
    apiDiscoveryTimeoutSeconds: secondsFromEnv(env, 'API_DISCOVERY_TIMEOUT_SECONDS', 120),
  };
}
