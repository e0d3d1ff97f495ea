/**
 * Finds or builds Pebble, Let's Encrypt's ACME test server (RFC 8555, with ACME Renewal Information, RFC 9773), for
 * the ACME tests. No registry ships it as a binary, so it is built from its Go module, at the version pinned below,
 * through the Go module proxy, and cached beside the Temporal binaries:
 *
 *   1. an explicit path:  PEBBLE_PATH
 *   2. the user cache:    $XDG_CACHE_HOME or ~/.cache, under cucm-cert-regen/pebble-<version>/pebble
 *   3. Go build:          go install github.com/letsencrypt/pebble/v2/cmd/pebble@<version> (about 35 s on 2 cores)
 *
 * Run it directly to provision: `npx tsx scripts/pebble.ts` prints the binary's path on stdout.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, isExecutable } from './temporal-cli';

export const PEBBLE_MODULE = 'github.com/letsencrypt/pebble/v2';
export const PEBBLE_VERSION = 'v2.10.3';

type Log = (message: string) => void;
const defaultLog: Log = (message) => process.stderr.write(`[pebble] ${message}\n`);

export function pebbleCacheDir(): string {
  return join(cacheRoot(), `pebble-${PEBBLE_VERSION}`);
}

function buildWithGo(log: Log): string {
  if (spawnSync('go', ['version']).status !== 0)
    throw new Error(
      `No Go toolchain on this machine: Pebble ${PEBBLE_VERSION} is built from its Go module. Install Go (1.26 or later), or set PEBBLE_PATH to a binary you built.`,
    );
  const target = pebbleCacheDir();
  // Built beside the final folder, then renamed: a half-finished build never looks like a cache hit.
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const pkg = `${PEBBLE_MODULE}/cmd/pebble@${PEBBLE_VERSION}`;
  log(`building ${pkg} with Go into ${target} (about 35 s on 2 cores the first time)`);
  const result = spawnSync('go', ['install', pkg], {
    stdio: ['ignore', 'inherit', 'inherit'],
    // GOTOOLCHAIN=local: build with the machine's Go, never fetch another toolchain behind the user's back.
    env: { ...process.env, GOTOOLCHAIN: 'local', GOBIN: staging },
  });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`go install ${pkg} failed (exit ${result.status ?? 'signal'}); see the output above.`);
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  const built = join(target, 'pebble');
  if (!isExecutable(built)) throw new Error(`the Go build left no pebble binary in ${target}`);
  return built;
}

/** Finds or builds the pinned Pebble; throws saying how to provide it when it cannot. */
export function ensurePebble(log: Log = defaultLog): string {
  const explicit = process.env.PEBBLE_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`PEBBLE_PATH=${explicit} is not an executable file.`);
    return explicit;
  }
  const hit = join(pebbleCacheDir(), 'pebble');
  if (isExecutable(hit)) return hit;
  return buildWithGo(log);
}

if (require.main === module) {
  try {
    process.stdout.write(`${ensurePebble()}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
