/**
 * The Temporal dev server a bench runs against: the provisioned CLI binary, SQLite in a temporary directory (as
 * `npm start` runs it), on a free port; stop() ends it and removes the directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer } from '../scripts/dev-server';
import { ensureTemporalBinary } from '../scripts/temporal-cli';
import { freePort } from '../test/support/net';

export async function startBenchDevServer(name: string): Promise<Awaited<ReturnType<typeof startDevServer>>> {
  const binary = await ensureTemporalBinary('cli', () => undefined);
  const dir = mkdtempSync(join(tmpdir(), `ccr-bench-${name}-`));
  const server = await startDevServer({
    binary: binary.path,
    ip: '127.0.0.1',
    port: await freePort(),
    dbFile: join(dir, 'temporal.sqlite'),
    namespace: 'default',
  });
  return {
    ...server,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
