/**
 * Finds or builds the real Temporal server (the multi-service server production runs, not the CLI's dev server) and
 * `temporal-sql-tool`, which sets up its SQL schemas. No registry ships the server as a binary, so it is built from
 * its Go module, at the version pinned below, through the Go module proxy, and cached beside the CLI:
 *
 *   1. an explicit path:  TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH (both, or neither)
 *   2. the user cache:    $XDG_CACHE_HOME or ~/.cache, under cucm-cert-regen/temporal-server-<version>/
 *   3. Go build:          go install go.temporal.io/server/cmd/server@<version> and .../cmd/tools/sql@<version>
 *                         (minutes on 2 cores the first time; the cache makes later runs instant)
 *
 * v1.32.0 is pinned because it builds with the Go this project's machines have (v1.32.1 and later require a newer
 * toolchain than Go 1.26). Bump it deliberately: the cache folder name carries it.
 *
 * Run it directly to provision: `npx tsx scripts/temporal-server.ts` prints both paths on stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, isExecutable } from './temporal-cli';

export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
export const TEMPORAL_SERVER_VERSION = 'v1.32.0';

export interface TemporalServerBinaries {
  /** The server (`temporal-server start`). */
  server: string;
  /** `temporal-sql-tool`: creates and upgrades the SQL schemas. */
  sqlTool: string;
  version: string;
  source: 'env' | 'cache' | 'go';
}

type Log = (message: string) => void;
const defaultLog: Log = (message) => process.stderr.write(`[temporal-server] ${message}\n`);

/** The cache folder of the pinned version. */
export function serverCacheDir(): string {
  return join(cacheRoot(), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

/** The Go packages and the names their binaries get in the cache (`go install` names them after their folder). */
const PACKAGES = [
  { pkg: 'cmd/server', built: 'server', name: 'temporal-server' },
  { pkg: 'cmd/tools/sql', built: 'sql', name: 'temporal-sql-tool' },
] as const;

function cached(dir: string): Pick<TemporalServerBinaries, 'server' | 'sqlTool'> | undefined {
  const server = join(dir, 'temporal-server');
  const sqlTool = join(dir, 'temporal-sql-tool');
  return isExecutable(server) && isExecutable(sqlTool) ? { server, sqlTool } : undefined;
}

function buildWithGo(log: Log): Pick<TemporalServerBinaries, 'server' | 'sqlTool'> {
  if (spawnSync('go', ['version']).status !== 0)
    throw new Error(
      `No Go toolchain on this machine: the Temporal server ${TEMPORAL_SERVER_VERSION} is built from its Go module. ` +
        'Install Go (1.26 or later), or set TEMPORAL_SERVER_PATH and TEMPORAL_SQL_TOOL_PATH to binaries you built.',
    );
  const target = serverCacheDir();
  // Build beside the final folder, then rename: a half-finished build never looks like a cache hit, and two builds
  // at once (two suites on one machine) each finish their own folder.
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const pkgs = PACKAGES.map((p) => `${TEMPORAL_SERVER_MODULE}/${p.pkg}@${TEMPORAL_SERVER_VERSION}`);
  log(`building ${pkgs.join(' and ')} with Go into ${target} (about 7 minutes on 2 cores the first time)`);
  const started = Date.now();
  const result = spawnSync('go', ['install', ...pkgs], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // GOTOOLCHAIN=local: build with the machine's Go, never fetch another toolchain behind the user's back.
    env: { ...process.env, GOTOOLCHAIN: 'local', GOBIN: staging },
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`go install ${pkgs.join(' ')} failed (exit ${result.status ?? 'signal'}); see the output above.`);
  }
  for (const p of PACKAGES) renameSync(join(staging, p.built), join(staging, p.name));
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  log(`built the Temporal server ${TEMPORAL_SERVER_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const built = cached(target);
  if (!built) throw new Error(`the Go build left no binaries in ${target}`);
  return built;
}

/** Finds or builds the pinned server and SQL tool; throws saying how to provide them when it cannot. */
export function ensureTemporalServer(log: Log = defaultLog): TemporalServerBinaries {
  const version = TEMPORAL_SERVER_VERSION;
  const { TEMPORAL_SERVER_PATH: server, TEMPORAL_SQL_TOOL_PATH: sqlTool } = process.env;
  if (server || sqlTool) {
    for (const [name, path] of [
      ['TEMPORAL_SERVER_PATH', server],
      ['TEMPORAL_SQL_TOOL_PATH', sqlTool],
    ] as const)
      if (!path || !isExecutable(path))
        throw new Error(`${name}=${path ?? ''} is not an executable file (set both variables, or neither).`);
    log(`Temporal server: ${server} and ${sqlTool} (env)`);
    return { server: server!, sqlTool: sqlTool!, version, source: 'env' };
  }
  const hit = cached(serverCacheDir());
  if (hit) {
    log(`Temporal server ${version}: ${hit.server} (cache)`);
    return { ...hit, version, source: 'cache' };
  }
  return { ...buildWithGo(log), version, source: 'go' };
}

if (require.main === module) {
  try {
    const binaries = ensureTemporalServer();
    process.stdout.write(`${binaries.server}\n${binaries.sqlTool}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
