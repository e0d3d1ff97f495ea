/**
 * Workflows read like the tech-note: each function a short story of named steps (docs/development.md). The same
 * reading as `npx tsx scripts/function-lengths.ts workflows`: every function, method and arrow of workflows/, with
 * the lines of the functions nested in it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { functionLengths } from '../../scripts/function-lengths';

const MAX_LINES = 100;

describe('workflow functions', () => {
  it(`are at most ${MAX_LINES} lines each`, () => {
    const root = join(__dirname, '..', '..');
    const longest = functionLengths([join(root, 'workflows')]);
    assert.ok(longest.length > 50, 'found the workflow functions');
    const over = longest.filter((f) => f.lines > MAX_LINES).map((f) => `${f.file}: ${f.name} (${f.lines} lines)`);
    assert.deepEqual(over, [], `split these into named steps: ${over.join('; ')}`);
  });
});
