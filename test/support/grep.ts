/**
 * Whether mocha's `--grep` / `--fgrep` (and `--invert`) on the command line select a test of this full title, read
 * the way mocha reads them (lib/mocha.js `grep`). For files that start background work for their tests in a
 * `before` hook: a run of a few cases then starts only theirs.
 */
export function selectedByGrep(fullTitle: string, argv: readonly string[] = process.argv): boolean {
  const value = (...names: string[]): string | undefined => {
    for (const [i, arg] of argv.entries()) {
      for (const name of names) {
        if (arg === name) return argv[i + 1];
        if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
      }
    }
    return undefined;
  };
  const grep = value('--grep', '-g');
  const fgrep = value('--fgrep', '-f');
  let re: RegExp | undefined;
  if (fgrep !== undefined) re = new RegExp(fgrep.replace(/[|\\{}()[\]^$+*?.]/g, '\\$&'));
  else if (grep !== undefined) {
    const arg = /^\/(.*)\/([gimy]{0,4})$/.exec(grep);
    re = arg ? new RegExp(arg[1] ?? '', arg[2]) : new RegExp(grep);
  }
  if (!re) return true;
  const invert = argv.includes('--invert') || argv.includes('-i');
  return re.test(fullTitle) !== invert;
}
