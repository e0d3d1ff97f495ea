/**
 * Where and how to reach Temporal, read the way Temporal's CLI and SDKs read it (`@temporalio/envconfig`): a profile
 * of the TOML client config file (`TEMPORAL_CONFIG_FILE`, else `~/.config/temporalio/temporal.toml`; `TEMPORAL_PROFILE`,
 * else `default`), overridden by the standard variables `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`,
 * `TEMPORAL_TLS`, `TEMPORAL_TLS_*` and `TEMPORAL_GRPC_META_*`. Nothing set: the dev server `npm start` runs on
 * 127.0.0.1:`TEMPORAL_PORT`, namespace `default`.
 *
 * Only settings here: certificate files are read when connecting (clients/temporal.ts), so a test or a launcher can
 * load the configuration without them.
 */
import { existsSync } from 'node:fs';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export interface TemporalConnectionConfig {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /**
   * True when the environment or the profile names the address: an existing Temporal, so `npm start` runs no dev
   * server. False: the dev server's address.
   */
  external: boolean;
  /** The profile with the variables applied (TLS file paths not yet read); holds the API key, never log it. */
  profile: ClientConfigProfile;
  /** Where the settings came from, for messages: the variables, and the profile and file when a file was read. */
  source: string;
}

/**
 * The TLS variables this project read before it used Temporal's standard names; still honoured when the standard
 * one is unset, so a deployment configured before the change keeps working (CHANGELOG, 1.0.0).
 */
const RENAMED: Readonly<Record<string, string>> = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
};

/**
 * The environment as envconfig should see it. An empty variable counts as unset, as everywhere else in config/
 * (compose files and tests blank TEMPORAL_ADDRESS to mean "none"); envconfig would take '' as the address. An empty
 * TEMPORAL_GRPC_META_* stays: for envconfig it removes that header from the profile.
 */
function standardEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || (value === '' && !name.startsWith('TEMPORAL_GRPC_META_'))) continue;
    out[name] = value;
  }
  for (const [old, standard] of Object.entries(RENAMED)) {
    if (out[old] !== undefined && out[standard] === undefined) out[standard] = out[old];
  }
  return out;
}

/**
 * The file envconfig reads, for messages only (envconfig does not export its lookup): TEMPORAL_CONFIG_FILE, else the
 * Linux default under XDG_CONFIG_HOME or HOME (macOS and Windows put it elsewhere; the message is then approximate).
 */
function configFileOf(env: Record<string, string>): string {
  if (env.TEMPORAL_CONFIG_FILE) return env.TEMPORAL_CONFIG_FILE;
  const base = env.XDG_CONFIG_HOME || (env.HOME ? `${env.HOME}/.config` : undefined);
  return base ? `${base}/temporalio/temporal.toml` : 'the Temporal config file';
}

export function loadTemporalConnection(env: NodeJS.ProcessEnv, devServerPort: number): TemporalConnectionConfig {
  const vars = standardEnv(env);
  const file = configFileOf(vars);
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Temporal connection: cannot load ${vars.TEMPORAL_PROFILE ? `profile "${vars.TEMPORAL_PROFILE}" (TEMPORAL_PROFILE)` : 'the default profile'} from ${file}: ${reason}`,
    );
  }
  // envconfig reads the file only when it exists, and a named profile only from a file that has it.
  const profileName = vars.TEMPORAL_PROFILE ?? 'default';
  const fromFile = existsSync(file) ? ` and profile "${profileName}" of ${file}` : '';
  return {
    address: profile.address ?? `127.0.0.1:${devServerPort}`,
    namespace: profile.namespace ?? 'default',
    external: profile.address !== undefined,
    profile,
    source: `the TEMPORAL_* variables${fromFile}`,
  };
}

/**
 * The SDK's connection options for these settings (both Connection and NativeConnection take them): TLS when the
 * profile asks for it or when an API key is set (Temporal Cloud; `TEMPORAL_TLS=false` sends a key in clear), the
 * key as `Authorization: Bearer`, and any gRPC metadata. Reads the certificate files, naming the one it cannot.
 */
export function temporalConnectionOptions(config: TemporalConnectionConfig): NativeConnectionOptions {
  try {
    const { connectionOptions } = toClientOptions({ ...config.profile, address: config.address });
    return connectionOptions;
  } catch (err) {
    throw new Error(
      `Temporal connection: cannot read a TLS file named by ${config.source} (TEMPORAL_TLS_*_PATH or the profile's tls.*_path): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
