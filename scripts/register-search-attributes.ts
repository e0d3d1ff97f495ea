/**
 * Registers the project's search attributes on an existing Temporal (the dev server gets them as start flags).
 * Idempotent; waits for Temporal to answer, but fails at once, saying so, when the namespace does not exist (the real
 * server creates none: scripts/temporal-setup.ts creates it). Used by docker-compose's one-shot `setup` service and
 * by scripts/temporal-setup.ts.
 */
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { connectClient, TemporalAccessError } from '../clients/temporal';
import { loadConfig } from '../config';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';

/** The namespace is missing: waiting will not help, the operator has to create it. */
export class NamespaceMissingError extends Error {}

export function namespaceMissing(address: string, namespace: string): NamespaceMissingError {
  return new NamespaceMissingError(
    `namespace "${namespace}" does not exist on Temporal at ${address} (the Temporal server creates none; the CLI's ` +
      `dev server creates "default"). Create it with \`npx tsx scripts/temporal-setup.ts namespace\` (which also ` +
      `registers the search attributes) or \`temporal operator namespace create --namespace ${namespace}\`.`,
  );
}

/** gRPC's NOT_FOUND status code (the SDK does not re-export grpc-js's `status` enum). */
const GRPC_NOT_FOUND = 5;

export const isNotFound = (err: unknown): boolean => isGrpcServiceError(err) && Number(err.code) === GRPC_NOT_FOUND;

/** Adds the search attributes the namespace lacks; returns the names it added. */
export async function registerSearchAttributes(client: Client, address: string, namespace: string): Promise<string[]> {
  try {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTES.filter((sa) => !(sa.name in (customAttributes ?? {})));
    if (missing.length)
      await client.connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((sa) => [sa.name, encodeSearchAttributeIndexedValueType(sa.key.type) ?? 0]),
        ),
      });
    return missing.map((sa) => sa.name);
  } catch (err) {
    throw isNotFound(err) ? namespaceMissing(address, namespace) : err;
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const client = await connectClient(config);
      const added = await registerSearchAttributes(client, config.temporalAddress, config.temporalNamespace);
      console.log(
        `[setup] search attributes ready on ${config.temporalAddress}/${config.temporalNamespace}: ${SEARCH_ATTRIBUTES.map((sa) => sa.name).join(', ')}${added.length ? ` (added ${added.length})` : ''}`,
      );
      await client.connection.close();
      return;
    } catch (err) {
      // Refused credentials or a missing namespace will not change by waiting: say so now, not in 180 s.
      const final = err instanceof NamespaceMissingError || err instanceof TemporalAccessError;
      if (final || Date.now() > deadline) throw err;
      console.log(
        `[setup] waiting for Temporal at ${config.temporalAddress}: ${err instanceof Error ? err.message : String(err)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

if (require.main === module)
  main().catch((err: unknown) => {
    console.error(`[setup] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
