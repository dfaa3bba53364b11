// ESLint flat config, run by `npm run lint` (part of `npm test`). See CONTRIBUTING.md.
//
// TypeScript (packages/*/src, test/, bench/, the .d.mts declarations) is linted with type
// information from the root tsconfig.json, for the promise rules: a floating or misused
// promise is a real bug here (its rejection is unhandled, or a write is never waited for).
// JavaScript (.js/.mjs: the console, demo, scripts, benches, examples) gets the rules that
// need no types. Layout is Prettier's job (`npm run format`), not the linter's.
import js from '@eslint/js'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'
import importX from 'eslint-plugin-import-x'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/** Rules for every file, with or without type information. */
const common = {
  // The client must never eval, and nothing else should either.
  'no-eval': 'error',
  'no-new-func': 'error',
  'no-script-url': 'error',
  // `== null` (null or undefined) is the one allowed loose comparison.
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  'no-var': 'error',
  'prefer-const': ['error', { destructuring: 'all' }],
  // Empty catch blocks are used on purpose (best-effort clean-up) and carry a comment.
  'no-empty': ['error', { allowEmptyCatch: true }],
}

const unusedVars = {
  args: 'after-used',
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrors: 'none',
  ignoreRestSiblings: true,
}

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'coverage/**',
      'bench/results/**',
      'demo/.data/**',
      '.scratch/**',
      'test-results/**',
      'examples/**/node_modules/**',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  // TypeScript: type-aware.
  {
    files: ['**/*.ts', '**/*.mts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node, ...globals.browser },
    },
    rules: {
      ...common,
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/no-unused-vars': ['error', unusedVars],
      // `import('x').T` annotations stay allowed: optional dependencies are typed that way
      // without a static import that would load them.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // `any` is used deliberately at a few boundaries (optional peers, test fixtures).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
  // No import cycles between the packages' modules (type-only imports do not count).
  {
    files: ['packages/*/src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  // Tests feed hostile input on purpose (`javascript:` URLs among it).
  {
    files: ['**/*.test.ts', 'test/**'],
    rules: { 'no-script-url': 'off' },
  },
  // JavaScript: no type information. Node globals, browser globals for the page scripts.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: globals.node,
    },
    rules: {
      ...common,
      'no-implied-eval': 'error',
      'no-unused-vars': ['error', unusedVars],
    },
  },
  {
    files: [
      'packages/console/public/**/*.js',
      'demo/spa/**/*.js',
      'bench/apps/**/*.js',
      'examples/vite-spa/**/*.js',
      'test/e2e/fixtures/**/*.js',
    ],
    languageOptions: { globals: globals.browser },
  },
  // Benchmarks drive pages: their page.evaluate callbacks run in the browser.
  {
    files: ['bench/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
)
