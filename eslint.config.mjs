// One linter for the whole repo (formatting is Prettier's job; eslint-config-prettier turns off clashing rules).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/**
 * An import path that reaches `<repo>/<one of names>` from a file `depth` folders below the repository root, in any
 * relative spelling ('../workflows', '../workflows/x', './../workflows', '../../activities' from a subfolder).
 */
function reaching(depth, names) {
  return `^(\\./)?(\\.\\./){${depth},}(${names.join('|')})(/|$)`;
}
/** A relative path with a `.` or `..` segment after a named one ('../facts/../../api'): spell it plainly. */
const NOT_NORMALISED = '^(\\.{1,2}/)*[^./][^/]*/(.*/)?\\.{1,2}(/|$)';
/**
 * The direction data flows through the tree (docs/development.md, "Architecture"): each folder may import only the
 * folders listed for it; everything else of ours is refused. `domain/` (units, versions, the pure plan, windows,
 * contracts, inventory and discovery types) is shared by all and imports none of them.
 */
const FOLDERS = ['domain', 'config', 'inventory', 'clients', 'activities', 'workflows', 'api', 'worker', 'simulator'];
const MAY_IMPORT = {
  domain: [],
  config: ['domain'],
  inventory: ['domain'],
  clients: ['domain', 'config'],
  activities: ['domain', 'clients'],
  // Workflows also import activity *types* (proxyActivities<Activities>): allowed as `import type` below.
  workflows: ['domain'],
  api: ['domain', 'config', 'inventory', 'clients'],
  worker: ['domain', 'config', 'inventory', 'clients', 'activities', 'workflows'],
  // The simulator is an independent witness: it imports nothing from the product, not even its domain.
  simulator: [],
};
const WHY = {
  simulator:
    'The simulator is an independent witness: it imports nothing from the product; state the fact in simulator/facts/ with its source.',
  domain: 'domain/ is what every layer shares: it imports none of them (move the shared part into domain/).',
};
/** Workflow code runs in Temporal's deterministic sandbox, and domain/ is bundled with it. */
const DETERMINISTIC = [
  {
    group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'net', 'http', 'https'],
    message: 'Workflow and domain code must be deterministic: no Node.js I/O modules.',
    allowTypeImports: true,
  },
  {
    group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'ssh2', 'axios', 'soap', 'node-forge'],
    message:
      'Workflow and domain code may import only workflow-safe modules (import activity types with `import type`).',
    allowTypeImports: true,
  },
];

function boundaryRule(folder, depth) {
  const refused = FOLDERS.filter((f) => f !== folder && !MAY_IMPORT[folder].includes(f));
  const message =
    WHY[folder] ??
    `${folder}/ may import only ${MAY_IMPORT[folder].map((f) => `${f}/`).join(', ')} (docs/development.md, "Architecture").`;
  const patterns = [
    {
      regex: reaching(
        depth,
        refused.filter((f) => !(folder === 'workflows' && f === 'activities')),
      ),
      message,
    },
    { regex: NOT_NORMALISED, message: 'Spell relative imports plainly (no `.` or `..` after a folder name).' },
  ];
  if (folder === 'workflows') {
    patterns.push({
      regex: reaching(depth, ['activities']),
      message: 'Workflow code may import only activity types (`import type`): activities run on the worker.',
      allowTypeImports: true,
    });
  }
  if (folder === 'workflows' || folder === 'domain') patterns.push(...DETERMINISTIC);
  return { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] };
}
/** The boundary rule for every file of a folder, whatever its depth below the repository root. */
function boundaries(folder) {
  return [
    { files: [`${folder}/*.ts`], rules: boundaryRule(folder, 1) },
    { files: [`${folder}/*/*.ts`], rules: boundaryRule(folder, 2) },
    { files: [`${folder}/*/*/**/*.ts`], rules: boundaryRule(folder, 3) },
  ];
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Activities and handlers are async by contract, whether or not a given one awaits.
      '@typescript-eslint/require-await': 'off',
      // The CUCM CLI is a terminal: its prompts carry ANSI escape sequences we must match.
      'no-control-regex': 'off',
    },
  },
  ...FOLDERS.flatMap(boundaries),
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
