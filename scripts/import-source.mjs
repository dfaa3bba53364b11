// Internal functions of the packages, for the benchmarks and generators that measure them
// (bench/behaviour.mjs, bench/injected.mjs, scripts/generate-vectors.mjs). They are not part
// of any package's public API (packages/*/api/), so these scripts bundle the source module
// with the build's own TypeScript step and import the result. Bare imports stay external and
// resolve from this repository's node_modules (the built @kenchi/protocol among them).
import { mkdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { rollup } from 'rollup'
import { ts } from '../rollup.config.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const cache = join(root, 'node_modules', '.cache', 'kenchi-source')

/**
 * Imports a package source file, e.g. `importSource('packages/server/src/behaviour/timing.ts')`.
 * @param {string} path relative to the repository root
 * @returns {Promise<Record<string, any>>}
 */
export async function importSource(path) {
  const input = join(root, path)
  const bundle = await rollup({
    input,
    external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
    plugins: [ts()],
    logLevel: 'silent',
  })
  mkdirSync(cache, { recursive: true })
  const file = join(cache, `${relative(root, input).replace(/[\\/]/g, '_').replace(/\.ts$/, '')}.mjs`)
  await bundle.write({ file, format: 'es' })
  await bundle.close()
  return import(pathToFileURL(file).href)
}
