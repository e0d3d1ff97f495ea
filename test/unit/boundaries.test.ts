/**
 * The lint rule that keeps the tree's direction (eslint.config.mjs, docs/development.md "Architecture"): each case is
 * an import a person might write, linted as if it were in that folder, and whether the rule must refuse it.
 */
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// Type-aware rules need the file on disk; the boundary rule does not, so they are off for these virtual files.
const eslint = new ESLint({ overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }] });

async function refusals(filePath: string, importLine: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${importLine}\nexport const used = [x];\n`, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
    .map((m) => m.message);
}

const CASES: Array<{ file: string; line: string; refused: boolean }> = [
  // domain/ imports none of the product's folders.
  { file: 'domain/plan/x.ts', line: "import { x } from '../../activities';", refused: true },
  { file: 'domain/x.ts', line: "import { x } from '../inventory/load';", refused: true },
  { file: 'domain/x.ts', line: "import { x } from 'node:fs';", refused: true },
  { file: 'domain/plan/x.ts', line: "import { x } from '../units';", refused: false },
  // Workflows: the domain, and activity types only.
  { file: 'workflows/x.ts', line: "import { x } from '../activities';", refused: true },
  { file: 'workflows/x.ts', line: "import type { x } from '../activities';", refused: false },
  { file: 'workflows/steps/x.ts', line: "import { x } from '../../clients/temporal';", refused: true },
  { file: 'workflows/steps/x.ts', line: "import { x } from '../../domain/units';", refused: false },
  { file: 'workflows/x.ts', line: "import { x } from '@temporalio/client';", refused: true },
  // Nothing outside the worker imports workflows/.
  { file: 'activities/x.ts', line: "import { x } from '../workflows/patches';", refused: true },
  { file: 'api/routes/x.ts', line: "import { x } from '../../workflows/messages';", refused: true },
  { file: 'clients/x.ts', line: "import type { x } from '../workflows/rotate-cluster';", refused: true },
  { file: 'inventory/x.ts', line: "import { x } from '../workflows/units';", refused: true },
  // Layers never import upwards or sideways.
  { file: 'clients/x.ts', line: "import { x } from '../activities/expiry-gauges';", refused: true },
  { file: 'activities/cucm/x.ts', line: "import { x } from '../../api/problem';", refused: true },
  { file: 'api/x.ts', line: "import type { x } from '../activities';", refused: true },
  { file: 'inventory/x.ts', line: "import { x } from '../clients/temporal';", refused: true },
  { file: 'api/x.ts', line: "import { x } from '../clients/cluster-entity';", refused: false },
  { file: 'worker/x.ts', line: "import { x } from '../activities';", refused: false },
  // The simulator imports nothing of the product, at any depth, however spelt.
  { file: 'simulator/x.ts', line: "import { x } from '../domain/units';", refused: true },
  { file: 'simulator/facts/x.ts', line: "import { x } from '../../clients/temporal';", refused: true },
  { file: 'simulator/a/b/x.ts', line: "import { x } from '../../../config';", refused: true },
  { file: 'simulator/facts/x.ts', line: "import { x } from '../facts/../../worker/main';", refused: true },
  { file: 'simulator/facts/x.ts', line: "import { x } from './units';", refused: false },
];

describe('the import boundaries (eslint.config.mjs)', function () {
  this.timeout(60_000);
  for (const c of CASES) {
    it(`${c.refused ? 'refuses' : 'allows'} in ${c.file}: ${c.line}`, async () => {
      const messages = await refusals(c.file, c.line);
      if (c.refused) assert.ok(messages.length > 0, `the rule let ${c.file} write ${c.line}`);
      else assert.deepEqual(messages, [], `the rule refused ${c.line} in ${c.file}: ${messages.join(' / ')}`);
    });
  }
});
