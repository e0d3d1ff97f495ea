/**
 * The one way this project connects to Temporal: the embedded dev server by default, or an existing cluster via
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the TEMPORAL_TLS_* variables (see docs/configuration.md).
 */
import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { AppConfig } from '../config';

function tlsOptions(config: AppConfig): TLSConfig | undefined {
  const tls = config.temporalTls;
  if (!tls) return undefined;
  return {
    serverNameOverride: tls.serverNameOverride,
    serverRootCACertificate: tls.serverRootCaPath ? readFileSync(tls.serverRootCaPath) : undefined,
    clientCertPair:
      tls.clientCertPath && tls.clientKeyPath
        ? { crt: readFileSync(tls.clientCertPath), key: readFileSync(tls.clientKeyPath) }
        : undefined,
  };
}

export async function connectClient(config: AppConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporalAddress, tls: tlsOptions(config) });
  return new Client({ connection, namespace: config.temporalNamespace });
}

export function connectWorkerConnection(config: AppConfig): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporalAddress, tls: tlsOptions(config) });
}
