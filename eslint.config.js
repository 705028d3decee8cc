// ESLint flat config: type-aware rules against swallowed errors and floating promises, and the import direction
// of DESIGN.md §2 (lib ← config, api ← core ← outer folders ← http, cluster ← server.ts ← cli).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const folder = (name) => [
  `../${name}/*`,
  `../../${name}/*`,
  `../../../${name}/*`,
  `../${name}`,
  `../../${name}`,
];
const forbid = (names, why) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: [{ group: names.flatMap(folder), message: why }],
      paths: [],
    },
  ],
});
const outer = ['gguf', 'store', 'convert', 'engine', 'finetune', 'db', 'auth', 'metrics'];
const top = ['http', 'cluster', 'cli'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'web/dist/', 'bench/results/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs'] } },
    },
    rules: {
      'no-empty': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    // DESIGN.md §3: no process.exit outside the CLI entry point; everything else closes its resources and
    // returns, so a server shutdown drains and a library never kills its host (issue #10).
    files: ['src/**/*.ts'],
    ignores: ['src/cli/main.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'exit',
          message: 'only src/cli/main.ts exits the process; set process.exitCode or throw instead',
        },
      ],
    },
  },
  {
    files: ['src/lib/**/*.ts'],
    rules: forbid(['config', 'api', 'core', ...outer, ...top], 'src/lib has no internal imports'),
  },
  {
    files: ['src/config/**/*.ts', 'src/api/**/*.ts'],
    rules: forbid([...outer, ...top], 'config and api import only lib and core'),
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      ...forbid([...outer, ...top, 'config'], 'core declares ports; outer folders implement them'),
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...outer, ...top, 'config'].flatMap(folder), message: 'core declares ports only' },
          ],
          paths: [
            'node-llama-cpp',
            'hono',
            'pino',
            'node:child_process',
            'node:fs',
            'node:fs/promises',
            'fs',
          ].map((name) => ({ name, message: 'core never imports I/O or frameworks: declare a port' })),
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'core receives what it needs explicitly' },
      ],
    },
  },
  {
    files: ['src/{gguf,store,convert,finetune,db,auth,metrics}/**/*.ts', 'src/engine/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: top.flatMap(folder), message: 'outer folders do not import http/cluster/cli' }],
          paths: [{ name: 'node-llama-cpp', message: 'only src/engine/llama-cpp imports node-llama-cpp' }],
        },
      ],
    },
  },
  {
    files: ['src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['cli', 'cluster'].flatMap(folder), message: 'http does not import cli/cluster' },
          ],
          paths: [{ name: 'node-llama-cpp', message: 'only src/engine/llama-cpp imports node-llama-cpp' }],
        },
      ],
    },
  },
  {
    // The console runs in browsers and reaches the server only through src/api (DESIGN.md §2).
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '!**/src/api', '!**/src/api/*'],
              message: 'web/ imports only src/api',
            },
            { group: ['node:*'], message: 'web/ runs in browsers' },
          ],
        },
      ],
      'no-console': 'error',
    },
  },
  {
    // Tests and benchmarks verify across boundaries (e.g. our GGUF reader against node-llama-cpp's).
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
