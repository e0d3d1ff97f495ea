// One linter for the whole repo (formatting is Prettier's job; eslint-config-prettier turns off clashing rules).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

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
                '../activities/*',
                '../api/*',
                '../simulator/*',
                'ssh2',
                'axios',
                'soap',
                'node-forge',
              ],
              message:
                'Workflow code may import only workflow-safe modules (import activity types with `import type`).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  prettier,
);
