/**
 * Registers the project's search attributes on an existing Temporal (the dev server gets them as start flags).
 * Idempotent; waits for Temporal to answer, but fails at once, saying so, when the namespace does not exist (the real
 * server creates none: scripts/temporal-setup.ts creates it). Used by docker-compose's one-shot `setup` service and
 * by scripts/temporal-setup.ts.
 */
import type { Client } from '@temporalio/client';
import { connectClient, isNotFound, namespaceMissing, TemporalAccessError } from '../clients/temporal';
import { loadConfig } from '../config';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';

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
      try {
        const added = await registerSearchAttributes(client, config.temporalAddress, config.temporalNamespace);
        console.log(
          `[setup] search attributes ready on ${config.temporalAddress}/${config.temporalNamespace}: ${SEARCH_ATTRIBUTES.map((sa) => sa.name).join(', ')}${added.length ? ` (added ${added.length})` : ''}`,
        );
        return;
      } finally {
        // Closed on a failed attempt too: a retry opens a new one.
        await client.connection.close();
      }
    } catch (err) {
      // Refused credentials or a missing namespace will not change by waiting: say so now, not in 180 s.
      // A missing namespace (NamespaceMissingError) is a TemporalAccessError too.
      const final = err instanceof TemporalAccessError;
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
