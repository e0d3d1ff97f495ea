/**
 * Sets up a real Temporal server (not the CLI's dev server, which does all of this itself) for this product, in the
 * two steps an operator runs, each idempotent so it also upgrades:
 *
 *   schema     before the server starts: creates the PostgreSQL databases of the default store and of visibility
 *              and creates or upgrades their schemas to the ones embedded in the pinned `temporal-sql-tool`
 *              (scripts/temporal-server.ts builds it), with `--plugin postgres12`.
 *   namespace  once the server answers: creates the namespace (the server creates none) and registers the
 *              product's search attributes on it.
 *
 * `npx tsx scripts/temporal-setup.ts schema|namespace|all` (`all`: schema, then namespace, for a server already
 * running on an empty database). Settings come from the environment (see docs/operations.md):
 *   TEMPORAL_SQL_HOST (127.0.0.1), TEMPORAL_SQL_PORT (5432), TEMPORAL_SQL_USER (temporal), TEMPORAL_SQL_PASSWORD
 *   (temporal), TEMPORAL_SQL_DATABASE (temporal), TEMPORAL_SQL_VISIBILITY_DATABASE (temporal_visibility);
 *   TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and the TLS variables as for the worker; TEMPORAL_NAMESPACE_RETENTION_DAYS
 *   (30): how long Temporal keeps a closed run's history.
 */
import { spawnSync } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { connectClient, isNotFound, NamespaceMissingError, TemporalAccessError } from '../clients/temporal';
import { loadConfig, type AppConfig } from '../config';
import { SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { registerSearchAttributes } from './register-search-attributes';
import { ensureTemporalServer } from './temporal-server';

type Log = (message: string) => void;
const defaultLog: Log = (message) => process.stdout.write(`[temporal-setup] ${message}\n`);

export interface SqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  visibilityDatabase: string;
}

export function sqlTargetFromEnv(env: NodeJS.ProcessEnv = process.env): SqlTarget {
  return {
    host: env.TEMPORAL_SQL_HOST || '127.0.0.1',
    port: Number(env.TEMPORAL_SQL_PORT || 5432),
    user: env.TEMPORAL_SQL_USER || 'temporal',
    password: env.TEMPORAL_SQL_PASSWORD ?? 'temporal',
    database: env.TEMPORAL_SQL_DATABASE || 'temporal',
    visibilityDatabase: env.TEMPORAL_SQL_VISIBILITY_DATABASE || 'temporal_visibility',
  };
}

/** Creates (or upgrades) the schemas of the default store and of visibility with `temporal-sql-tool`. */
export function setupSchemas(sqlTool: string, target: SqlTarget, log: Log = defaultLog): void {
  const databases = [
    { name: target.database, schema: 'postgresql/v12/temporal' },
    { name: target.visibilityDatabase, schema: 'postgresql/v12/visibility' },
  ];
  for (const { name, schema } of databases) {
    const tool = (...args: string[]) => {
      const connection = ['--plugin', 'postgres12', '--ep', target.host, '-p', String(target.port)];
      const credentials = ['-u', target.user, '--pw', target.password, '--db', name];
      return spawnSync(sqlTool, [...connection, ...credentials, ...args], {
        encoding: 'utf8',
        // The tool reads SQL_PASSWORD and friends from the environment too; only the flags above count here.
        env: { PATH: process.env.PATH ?? '' },
      });
    };
    const created = tool('create-database');
    const output = `${created.stdout}${created.stderr}`;
    if (created.status !== 0 && !/already exists/.test(output))
      throw new Error(`temporal-sql-tool could not create the database ${name}: ${output.trim()}`);
    for (const args of [
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '--schema-name', schema],
    ]) {
      const result = tool(...args);
      if (result.status !== 0)
        throw new Error(`temporal-sql-tool ${args.join(' ')} on ${name} failed: ${result.stdout}${result.stderr}`);
    }
    log(`database ${name}: schema ${schema} is up to date`);
  }
}

/** Creates the namespace when it is missing; waits until the frontend knows it. Returns whether it created it. */
export async function ensureNamespace(client: Client, namespace: string, retentionDays: number): Promise<boolean> {
  try {
    await client.workflowService.describeNamespace({ namespace });
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await client.workflowService
    .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionDays * 86_400_000) })
    .catch((err: unknown) => {
      // Another setup (the second server's, a re-run) may have created it meanwhile.
      if (!(err instanceof Error && /already exists/i.test(err.message))) throw err;
    });
  return true;
}

/** Creates the namespace and registers the search attributes, retrying while the server starts up. */
export async function setupNamespace(config: AppConfig, log: Log = defaultLog, timeoutMs = 180_000): Promise<void> {
  const retentionDays = Number(process.env.TEMPORAL_NAMESPACE_RETENTION_DAYS || 30);
  const deadline = Date.now() + timeoutMs;
  const where = `${config.temporalAddress}/${config.temporalNamespace}`;
  let created = false;
  for (;;) {
    let client: Client | undefined;
    try {
      client = await connectClient(config, { namespaceMayBeMissing: true });
      created = (await ensureNamespace(client, config.temporalNamespace, retentionDays)) || created;
      const added = await registerSearchAttributes(client, config.temporalAddress, config.temporalNamespace);
      log(
        `${where}: namespace ${created ? 'created' : 'present'}; search attributes ${SEARCH_ATTRIBUTES.map((sa) => sa.name).join(', ')}${added.length ? ` (added ${added.length})` : ''}`,
      );
      return;
    } catch (err) {
      // Right after it is created, the namespace takes a few seconds to reach every frontend's cache; refused
      // credentials never come right by waiting.
      const retriable = err instanceof NamespaceMissingError ? created : !(err instanceof TemporalAccessError);
      if (!retriable || Date.now() > deadline) throw err;
      log(`waiting for Temporal at ${where}: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await client?.connection.close();
    }
  }
}

async function main(step: string): Promise<void> {
  if (!['schema', 'namespace', 'all'].includes(step))
    throw new Error('usage: npx tsx scripts/temporal-setup.ts schema|namespace|all');
  if (step !== 'namespace') setupSchemas(ensureTemporalServer().sqlTool, sqlTargetFromEnv());
  if (step !== 'schema') await setupNamespace(loadConfig());
}

if (require.main === module)
  main(process.argv[2] ?? 'all').catch((err: unknown) => {
    process.stderr.write(`[temporal-setup] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
