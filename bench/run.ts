/**
 * `npm run bench`: runs each benchmark in its own Node process (so memory figures are not mixed) and prints
 * their figures. Nothing here asserts a time: figures are for reading, in the issue notes and docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const benches = ['foundation', 'simulator', 'adapters', 'rotation', 'rotation-sizes', 'api', 'redundancy'];
const only = process.argv[2];
for (const name of benches.filter((b) => !only || b === only)) {
  console.log(`\n== ${name}`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, `${name}.ts`)], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
