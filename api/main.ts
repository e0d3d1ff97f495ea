/**
 * API process: load the configuration, the inventory and the API tokens, connect to Temporal, listen.
 *
 * Authentication: bearer tokens from API_TOKENS (secret references, resolved here, once). Without tokens the API
 * refuses to start unless API_AUTH_DISABLED=true (development only), and then says so loudly.
 */
import { connectClient } from '../clients/temporal';
import { loadConfig } from '../config';
import { loadInventory } from '../inventory/load';
import { buildApp } from './app';
import { authFromEnvironment } from './auth';

async function main(): Promise<void> {
  const config = loadConfig();
  // The auth rule first: a misconfigured API must not come up at all.
  const auth = authFromEnvironment(config);
  // The provider's discovery document now: a wrong issuer stops the API with the reason, not its first caller.
  if (!('disabled' in auth)) await auth.oidc?.start();
  if (!config.inventoryPath)
    throw new Error('CUCM_INVENTORY is not set: point it at the cluster inventory file (see docs/inventory.md).');
  const inventory = loadInventory(config.inventoryPath);
  const temporal = await connectClient(config, { identity: config.apiTemporalIdentity });
  const app = await buildApp(
    {
      temporal,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      inventory,
      temporalUiUrl: config.temporalUiUrl,
      apiIdentities: config.apiTemporalIdentities,
      verifiedTemporalIdentities: config.apiVerifiedTemporalIdentities,
    },
    {
      auth,
      discoveryTimeoutMs: config.apiDiscoveryTimeoutSeconds * 1000,
      workerMetricsUrl: config.workerMetricsUrl,
      logger: {
        level: process.env.LOG_LEVEL ?? 'info',
        // LOG_FORMAT=pretty (what `npm start` sets): one readable line per event for a person at a terminal;
        // otherwise JSON lines, what a container's log collector wants.
        ...(process.env.LOG_FORMAT === 'pretty'
          ? {
              transport: {
                target: 'pino-pretty',
                options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,reqId', singleLine: true },
              },
            }
          : {}),
        // Request logs carry method, URL and addresses, never headers or bodies; should a header ever be logged,
        // its Authorization is censored.
        redact: {
          paths: ['req.headers.authorization', 'headers.authorization', '*.authorization'],
          censor: '[redacted]',
        },
      },
    },
  );
  if ('disabled' in auth) {
    console.error(
      '[api] WARNING: AUTHENTICATION IS DISABLED (API_AUTH_DISABLED=true). Anyone who can reach ' +
        `http://${config.host}:${config.apiPort} can start regenerations. Development only: set API_TOKENS for real use.`,
    );
  } else {
    if (config.apiAuthDisabled)
      console.error('[api] API_AUTH_DISABLED=true is ignored: API_TOKENS is set, so tokens are required.');
    console.error(
      `[api] authentication on: ${auth.tokens.length} token(s) (${auth.tokens.map((t) => `${t.name}:${t.role}`).join(', ')})` +
        (auth.oidc
          ? `; OpenID Connect tokens from ${auth.oidc.issuer} for ${auth.oidc.settings.audience.join(', ')} (roles from the "${auth.oidc.rolesClaim}" claim)`
          : ''),
    );
  }
  await app.listen({ host: config.host, port: config.apiPort });
  const shutdown = () => {
    void app
      .close()
      .then(() => temporal.connection.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(`[api] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
