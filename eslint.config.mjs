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
const PRODUCT = ['workflows', 'activities', 'inventory', 'api'];
const SIMULATOR_INDEPENDENT =
  'The simulator is an independent witness: it imports nothing from the product (workflows/, activities/, inventory/, api/); state the fact in simulator/facts/ with its source.';
function simulatorRule(depth) {
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          { regex: reaching(depth, PRODUCT), message: SIMULATOR_INDEPENDENT },
          { regex: NOT_NORMALISED, message: 'Spell relative imports plainly (no `.` or `..` after a folder name).' },
        ],
      },
    ],
  };
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
  {
    // Workflow code runs in Temporal's deterministic sandbox: only workflow-safe imports.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'net', 'http', 'https'],
              message: 'Workflow code must be deterministic: no Node.js I/O modules.',
              allowTypeImports: true,
            },
            {
              group: [
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                'ssh2',
                'axios',
                'soap',
                'node-forge',
              ],
              message:
                'Workflow code may import only workflow-safe modules (import activity types with `import type`).',
              allowTypeImports: true,
            },
            {
              // '../activities', '../../activities', '../activities/x', './../api', '../plan/../../simulator', ...
              regex: '(^|/)\\.\\./(\\.\\./)*(activities|api|simulator)(/|$)',
              message:
                'Workflow code may import only workflow-safe modules (import activity types with `import type`).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  // The simulator never imports the product, at any folder depth under simulator/.
  { files: ['simulator/*.ts'], rules: simulatorRule(1) },
  { files: ['simulator/*/*.ts'], rules: simulatorRule(2) },
  { files: ['simulator/*/*/**/*.ts'], rules: simulatorRule(3) },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
