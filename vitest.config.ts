import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

// @kenchi/server's subpath exports (packages/server/package.json), mapped to their sources.
const SERVER_SUBPATHS: Record<string, string> = {
  rules: 'rules/index.ts',
  stepup: 'stepup/index.ts',
  notify: 'notify/index.ts',
  lists: 'lists/index.ts',
  service: 'service/index.ts',
  adapters: 'adapters/index.ts',
  'adapters/express': 'adapters/express.ts',
  'adapters/fastify': 'adapters/fastify.ts',
  'adapters/hono': 'adapters/hono.ts',
  express: 'adapters/express.ts',
  fastify: 'adapters/fastify.ts',
  hono: 'adapters/hono.ts',
}

export default defineConfig({
  resolve: {
    // Unit tests run against the sources; test/dist-import.test.ts and the browser tests
    // check the built files separately.
    // Exact matches, so the subpath exports (the demo imports '@kenchi/server/express') map too.
    alias: [
      { find: /^@kenchi\/protocol$/, replacement: src('protocol') },
      { find: /^@kenchi\/server$/, replacement: src('server') },
      { find: /^@kenchi\/console$/, replacement: fileURLToPath(new URL('./packages/console/src/index.js', import.meta.url)) },
      ...Object.entries(SERVER_SUBPATHS).map(([subpath, file]) => ({
        find: new RegExp(`^@kenchi/server/${subpath}$`),
        replacement: fileURLToPath(new URL(`./packages/server/src/${file}`, import.meta.url)),
      })),
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
