/**
 * Registers the project's search attributes on an existing Temporal (the dev server gets them as start flags).
 * Idempotent; waits for Temporal to answer. Used by docker-compose's one-shot `setup` service.
 */
import { connectClient, TemporalAccessError } from '../clients/temporal';
import { loadConfig } from '../config';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';

async function main(): Promise<void> {
  const config = loadConfig();
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const client = await connectClient(config);
      const { customAttributes } = await client.connection.operatorService.listSearchAttributes({
        namespace: config.temporalNamespace,
      });
      const missing = SEARCH_ATTRIBUTES.filter((sa) => !(sa.name in (customAttributes ?? {})));
      if (missing.length) {
        await client.connection.operatorService.addSearchAttributes({
          namespace: config.temporalNamespace,
          searchAttributes: Object.fromEntries(
            missing.map((sa) => [sa.name, encodeSearchAttributeIndexedValueType(sa.key.type) ?? 0]),
          ),
        });
      }
      console.log(
        `[setup] search attributes ready on ${config.temporalAddress}/${config.temporalNamespace}: ${SEARCH_ATTRIBUTES.map((sa) => sa.name).join(', ')}${missing.length ? ` (added ${missing.length})` : ''}`,
      );
      await client.connection.close();
      return;
    } catch (err) {
      // Refused credentials or a missing namespace will not change by waiting: say so now, not in 180 s.
      if (err instanceof TemporalAccessError || Date.now() > deadline) throw err;
      console.log(
        `[setup] waiting for Temporal at ${config.temporalAddress}: ${err instanceof Error ? err.message : String(err)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
}

main().catch((err: unknown) => {
  console.error(`[setup] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
