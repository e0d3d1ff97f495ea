/**
 * Headless Chromium for the browser tests, from the npm devDependency @sparticuz/chromium: a chrome-headless-shell
 * build that ships inside the package's tarball with the shared libraries (NSS, NSPR, expat) and fonts it needs.
 * Nothing comes from the machine (no /usr/bin/chromium, no PATH look-up) and nothing is downloaded, so `npm ci` is
 * all a fresh machine needs.
 *
 * The package unpacks its Brotli archives into os.tmpdir(), shared by every process and never versioned, and treats
 * any file already there as a finished unpack. Here it unpacks in a child process whose TMPDIR is a staging folder
 * beside the user cache, renamed into place when complete: a half-finished unpack never looks like a cache hit, two
 * test runs never share one, and a package upgrade gets a folder of its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheRoot } from '../../scripts/temporal-cli';

const PACKAGE = '@sparticuz/chromium';

export interface PackagedChromium {
  executablePath: string;
  /** The environment to launch it with: its own libraries first, its own fonts. */
  env: Record<string, string>;
}

/** Runs in the child: the package's own unpacker for the browser, its fonts, and the libraries it links against. */
const UNPACK = `
const [entry, bin] = process.argv.slice(1);
const { default: Chromium, inflate } = await import(entry);
await Chromium.executablePath(bin);
await inflate(bin + '/al2023.tar.br');
`;

function unpack(entry: string, bin: string, target: string): void {
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', UNPACK, pathToFileURL(entry).href, bin], {
    env: { ...process.env, TMPDIR: staging },
    encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(join(staging, 'chromium'))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`${PACKAGE} could not unpack its browser into ${staging}: ${result.stderr || result.error}`);
  }
  // The package's fonts.conf names /tmp/fonts; point fontconfig at this copy instead.
  writeFileSync(
    join(staging, 'fonts', 'fonts.conf'),
    '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n' +
      `  <dir>${join(target, 'fonts')}</dir>\n  <cachedir>${join(target, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  );
  if (existsSync(target)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, target);
}

/** The packaged browser, unpacked on first use into the user cache (about 210 MB, a few seconds). */
export function packagedChromium(): PackagedChromium {
  let entry: string;
  try {
    entry = require.resolve(PACKAGE);
  } catch {
    throw new Error(`${PACKAGE} is not installed: run npm ci (it is a devDependency)`);
  }
  const root = join(dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const target = join(cacheRoot(), `chromium-${version}`);
  if (!existsSync(join(target, 'chromium'))) unpack(entry, join(root, 'bin'), target);
  return {
    executablePath: join(target, 'chromium'),
    env: {
      LD_LIBRARY_PATH: join(target, 'al2023', 'lib'),
      FONTCONFIG_PATH: join(target, 'fonts'),
    },
  };
}
