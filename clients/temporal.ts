/**
 * The one way this project connects to Temporal: Temporal's standard client settings (config/temporal.ts: profile,
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*; see docs/configuration.md), the embedded dev
 * server when none is set.
 *
 * Each connection is checked before it is handed out: a server that demands credentials answers the first real call,
 * not the connect (health checks and GetSystemInfo are open to anyone), so without the check a missing or refused API
 * key would surface later as a worker that polls nothing or an API whose every request fails. The check asks for the
 * namespace, which needs the same read permission every process here needs.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { AppConfig } from '../config';
import { temporalConnectionOptions } from '../config/temporal';

/** gRPC status codes (grpc.io/docs/guides/status-codes) the messages below tell apart. */
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

/** Temporal answered, and refused these credentials or this namespace: retrying will not help, the settings must change. */
export class TemporalAccessError extends Error {}

/** The namespace is missing: waiting will not help, the operator has to create it. */
export class NamespaceMissingError extends TemporalAccessError {}

export function namespaceMissing(address: string, namespace: string): NamespaceMissingError {
  return new NamespaceMissingError(
    `namespace "${namespace}" does not exist on Temporal at ${address} (the Temporal server creates none; the CLI's ` +
      `dev server creates "default"). Create it with \`npx tsx scripts/temporal-setup.ts namespace\` (in the ` +
      `release: \`node dist/scripts/temporal-setup.js namespace\`; it also registers the search attributes) or \`temporal operator namespace create --namespace ${namespace}\`, ` +
      'or set TEMPORAL_NAMESPACE to one that exists.',
  );
}

export const isNotFound = (err: unknown): boolean => grpcCode(err) === NOT_FOUND;

interface NamespaceDescriber {
  workflowService: { describeNamespace(request: { namespace: string }): Promise<unknown> };
}

/**
 * A refusal at connect comes back in tonic's words, not as a code: the worker's NativeConnection fails with a
 * TransportError whose message carries the status's description ("Failed to call GetSystemInfo: code: 'The caller
 * does not have permission ...'").
 */
const TONIC_DESCRIPTIONS: ReadonlyArray<[RegExp, number]> = [
  [/code: 'The caller does not have permission to execute the specified operation'/, PERMISSION_DENIED],
  [/code: 'The request does not have valid authentication credentials'/, UNAUTHENTICATED],
  [/code: 'Some requested entity was not found'/, NOT_FOUND],
];

/**
 * The gRPC status of a failed call: its `code`, or its cause's (the client's Connection wraps a refused connect in
 * "Failed to connect to Temporal server" with the call's error as the cause), or tonic's description in the message.
 */
function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    const described = TONIC_DESCRIPTIONS.find(([pattern]) => pattern.test(e instanceof Error ? e.message : ''));
    if (described) return described[1];
  }
  return undefined;
}

function credentialsInUse(config: AppConfig): string {
  const { apiKey, tls } = config.temporalConnection.profile;
  const cert = tls?.clientCert ? ' and a TLS client certificate' : '';
  return apiKey ? `an API key (TEMPORAL_API_KEY or the profile's api_key)${cert}` : `no API key${cert}`;
}

/** How the connection was made, for a connect that failed: a TLS/plaintext mismatch is the usual cause. */
function transport(config: AppConfig): string {
  const { apiKey, tls } = config.temporalConnection.profile;
  if (tls?.disabled === true || (!tls && !apiKey)) return 'without TLS (TEMPORAL_TLS=true for a server with TLS)';
  if (!tls) return 'over TLS, which the API key turns on (TEMPORAL_TLS=false for a server without TLS)';
  return 'over TLS';
}

/** What went wrong and what to change, from the gRPC status of the namespace check. */
export function accessFailure(config: AppConfig, err: unknown): Error {
  const { address, namespace, source } = config.temporalConnection;
  // The cause says why when the client's Connection wrapped it ("Failed to connect to Temporal server").
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  const reason = `${err instanceof Error ? err.message : String(err)}${cause}`.replace(/\.+$/, '');
  const where = `Temporal at ${address} (namespace ${namespace}, settings from ${source})`;
  const code = grpcCode(err);
  if (code === UNAUTHENTICATED || code === PERMISSION_DENIED)
    return new TemporalAccessError(
      `${where} refused this process, which sent ${credentialsInUse(config)}: ${reason}. ` +
        'Set TEMPORAL_API_KEY to a key or token that grants this namespace (or choose a profile with TEMPORAL_PROFILE, ' +
        'or a client certificate with TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH); ' +
        'see docs/configuration.md#temporal-connection.',
    );
  if (code === NOT_FOUND) return namespaceMissing(address, namespace);
  return new Error(`${where} did not answer ${transport(config)}: ${reason}`);
}

interface ConnectOptions {
  /**
   * For the setup that creates the namespace: a missing one is no failure. Credentials are still checked: the
   * authorizer refuses a caller without a valid token before the server looks the namespace up.
   */
  namespaceMayBeMissing?: boolean;
}

/**
 * Connects with `connect` and asks for the namespace; either failure becomes `accessFailure`'s message. A token the
 * server cannot verify fails the connect itself (its claim mapper refuses every call); a missing one, only the check.
 */
async function connectChecked<C extends NamespaceDescriber & { close(): Promise<void> }>(
  config: AppConfig,
  connect: (options: ReturnType<typeof temporalConnectionOptions>) => Promise<C>,
  options: ConnectOptions = {},
): Promise<C> {
  const connectionOptions = temporalConnectionOptions(config.temporalConnection);
  let connection: C;
  try {
    connection = await connect(connectionOptions);
  } catch (err) {
    throw accessFailure(config, err);
  }
  try {
    await connection.workflowService.describeNamespace({ namespace: config.temporalNamespace });
  } catch (err) {
    if (options.namespaceMayBeMissing && isNotFound(err)) return connection;
    await connection.close();
    throw accessFailure(config, err);
  }
  return connection;
}

/**
 * `identity`: what Temporal records as the sender of this client's signals, updates and starts (the API gives
 * `cucm-cert-regen-api@<host>`, so its decisions can be told from others in a history); default the SDK's pid@host.
 */
export async function connectClient(
  config: AppConfig,
  options: ConnectOptions & { identity?: string } = {},
): Promise<Client> {
  const connection = await connectChecked(config, (o) => Connection.connect(o), options);
  return new Client({
    connection,
    namespace: config.temporalNamespace,
    ...(options.identity ? { identity: options.identity } : {}),
  });
}

export function connectWorkerConnection(config: AppConfig): Promise<NativeConnection> {
  return connectChecked(config, (o) => NativeConnection.connect(o));
}
