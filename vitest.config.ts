import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url))

export default defineConfig({
  resolve: {
    // Unit tests run against the sources; test/dist-import.test.ts and the browser tests
    // check the built files separately.
    // Exact matches, so the subpath exports (the demo imports '@kenchi/server/express') map too.
    alias: [
      { find: /^@kenchi\/protocol$/, replacement: src('protocol') },
      { find: /^@kenchi\/server$/, replacement: src('server') },
      { find: /^@kenchi\/console$/, replacement: fileURLToPath(new URL('./packages/console/src/index.js', import.meta.url)) },
      { find: /^@kenchi\/server\/express$/, replacement: fileURLToPath(new URL('./packages/server/src/adapters/express.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
