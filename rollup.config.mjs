// One build for the four packages, and the demo's quick-shop bundle. Protocol and server ship as ESM for Node and bundlers;
// the client ships as ESM (dependencies left to the app's bundler) and as one minified
// IIFE for a <script> tag in two parts: kenchi.min.js (early) and kenchi-signals.min.js (lazy). Declarations come from `tsc` (build:types).
import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, resolve } from 'node:path'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from 'typescript'

// TypeScript is transpiled file by file (the sources use isolatedModules and
// verbatimModuleSyntax, so each file compiles alone, to the same code): a full type-checking
// program per bundle (@rollup/plugin-typescript, which the design named) made the demo's build
// 2.3 times the CPU, and `npm run demo` starts with this build: measured in
// docs/decisions/0011-build.md. Types are checked by `npm run typecheck` and `build:types`
// (tsc, which also writes the declarations), both in `npm test`.
const tsconfig = typescript.parseJsonConfigFileContent(
  typescript.readConfigFile('./tsconfig.json', typescript.sys.readFile).config,
  typescript.sys,
  '.',
)
const compilerOptions = {
  ...tsconfig.options,
  noEmit: false,
  declaration: false,
  declarationMap: false,
  sourceMap: true,
  inlineSources: false,
  paths: undefined,
}
const sources = /[\\/]packages[\\/][^\\/]+[\\/]src[\\/].*(?<!\.test)\.ts$/

/** Compiles the packages' .ts sources, and resolves their `./x.js` imports to `./x.ts`. Also used by scripts/import-source.mjs. */
export const ts = () => ({
  name: 'kenchi-typescript',
  resolveId(source, importer) {
    if (!importer || !sources.test(importer) || !source.startsWith('.') || !source.endsWith('.js')) return null
    const candidate = resolve(dirname(importer), `${source.slice(0, -3)}.ts`)
    return existsSync(candidate) ? candidate : null
  },
  transform(code, id) {
    if (!sources.test(id)) return null
    const { outputText, sourceMapText, diagnostics } = typescript.transpileModule(code, {
      fileName: id,
      compilerOptions,
      reportDiagnostics: true,
    })
    if (diagnostics?.length) this.error(typescript.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n'))
    return { code: outputText, map: JSON.parse(sourceMapText) }
  },
})

// Also used by bench/lib/apps.mjs, so the peers' typical-app bundles are minified the same way.
export const terserOptions = { ecma: 2020, compress: { passes: 2 } }

const nodeExternals = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)]

export default [
  {
    input: 'packages/protocol/src/index.ts',
    output: { file: 'packages/protocol/dist/index.js', format: 'es', sourcemap: true },
    plugins: [ts('protocol')],
  },
  {
    // One entry per subpath export (package.json "exports"): the core, the features, the
    // adapters (`./express` and `./adapters/express` are the same file), and the command.
    input: {
      index: 'packages/server/src/index.ts',
      rules: 'packages/server/src/rules/index.ts',
      stepup: 'packages/server/src/stepup/index.ts',
      notify: 'packages/server/src/notify/index.ts',
      lists: 'packages/server/src/lists/index.ts',
      service: 'packages/server/src/service/index.ts',
      adapters: 'packages/server/src/adapters/index.ts',
      express: 'packages/server/src/adapters/express.ts',
      fastify: 'packages/server/src/adapters/fastify.ts',
      hono: 'packages/server/src/adapters/hono.ts',
      bin: 'packages/server/src/bin.ts',
    },
    output: {
      dir: 'packages/server/dist',
      format: 'es',
      sourcemap: true,
      chunkFileNames: 'chunks/[name]-[hash].js',
      banner: (chunk) => (chunk.name === 'bin' ? '#!/usr/bin/env node' : ''),
    },
    // better-sqlite3, ioredis and pg: the stores' optional peer dependencies, loaded by import() only when used;
    // prom-client and pino likewise, by the verification service only.
    external: [
      ...nodeExternals,
      /^@kenchi\//,
      'maxmind',
      'ipaddr.js',
      'nodemailer',
      /^@ip-location-db\//,
      /^disposable-email-domains-js(\/|$)/,
      'better-sqlite3',
      'ioredis',
      'pg',
      '@simplewebauthn/server',
      'prom-client',
      'pino',
    ],
    plugins: [ts('server')],
  },
  {
    // The console: plain ES modules, bundled into dist/ like the other packages; its
    // declarations are written by hand (src/index.d.ts) and copied to dist/types/. The
    // browser scripts and styles stay in public/ (served from there at run time).
    input: { index: 'packages/console/src/index.js', bin: 'packages/console/src/bin.js' },
    output: {
      dir: 'packages/console/dist',
      format: 'es',
      sourcemap: true,
      chunkFileNames: 'chunks/[name]-[hash].js',
      banner: (chunk) => (chunk.name === 'bin' ? '#!/usr/bin/env node' : ''),
    },
    external: [...nodeExternals, /^@kenchi\//, 'express', 'chart.js', 'cytoscape', 'better-sqlite3', /^@hono\/node-server(\/|$)/],
    plugins: [
      {
        name: 'kenchi-console-types',
        generateBundle() {
          this.emitFile({ type: 'asset', fileName: 'types/index.d.ts', source: readFileSync('packages/console/src/index.d.ts', 'utf8') })
        },
      },
    ],
  },
  {
    input: 'packages/client/src/index.ts',
    // A directory, not a file: FingerprintJS sits behind a dynamic import in its own chunk.
    output: { dir: 'packages/client/dist', entryFileNames: 'index.js', chunkFileNames: '[name]-[hash].js', format: 'es', sourcemap: true },
    external: [/^@kenchi\//, /^@fingerprintjs\//],
    plugins: [ts('client')],
  },
  {
    // Script tag, early part: recorder, forms, challenge, device key, signing, core signals.
    input: 'packages/client/src/auto.ts',
    output: { file: 'packages/client/dist/kenchi.min.js', format: 'iife', name: 'Kenchi', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), ts('client'), terser(terserOptions)],
  },
  {
    // Script tag, lazy part: device signals and FingerprintJS, loaded from the same directory.
    input: 'packages/client/src/late.ts',
    output: {
      file: 'packages/client/dist/kenchi-signals.min.js',
      format: 'iife',
      name: 'KenchiSignals',
      sourcemap: true,
      inlineDynamicImports: true,
    },
    plugins: [nodeResolve({ browser: true }), ts('client'), terser(terserOptions)],
  },
  {
    // npm: the optional step-up prompt helper, `@kenchi/client/stepup`.
    input: 'packages/client/src/stepup.ts',
    output: { file: 'packages/client/dist/stepup.js', format: 'es', sourcemap: true },
    plugins: [ts('client')],
  },
  {
    // Script tag: the optional step-up prompt helper, mounted on [data-kenchi-step-up].
    input: 'packages/client/src/stepup-auto.ts',
    output: { file: 'packages/client/dist/kenchi-stepup.min.js', format: 'iife', name: 'KenchiStepUp', sourcemap: true },
    plugins: [ts('client'), terser(terserOptions)],
  },
  {
    // Script tag and npm: the worker the `worker` signal runs, served next to kenchi.min.js.
    input: 'packages/client/src/worker-entry.ts',
    output: { file: 'packages/client/dist/kenchi-worker.min.js', format: 'iife', sourcemap: true },
    plugins: [ts('client'), terser(terserOptions)],
  },
  {
    // The demo shop's quick shop (/spa): an app using the npm import of @kenchi/client, bundled
    // as a shop's own build would. Last, so it bundles the client ESM built above; generated
    // into demo/dist/ (ignored by git), served at /assets/spa.js. FingerprintJS is its own chunk.
    input: 'demo/spa/main.js',
    output: { dir: 'demo/dist', entryFileNames: 'spa.js', chunkFileNames: 'spa-[name]-[hash].js', format: 'es', sourcemap: true },
    plugins: [nodeResolve({ browser: true }), terser(terserOptions)],
  },
]
