// Bundles the small apps in bench/apps/ the way a shop's build would: rollup with
// node-resolve (browser fields) and terser with the project's own options, ESM output,
// code splitting on (Kenchi's FingerprintJS chunk stays a lazy chunk).
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import { rollup } from 'rollup'
import { terserOptions } from '../../rollup.config.mjs'

export const APPS = {
  kenchi: 'kenchi-app.js',
  fingerprintjs: 'fingerprintjs-app.js',
  botd: 'botd-app.js',
  'web-vitals': 'web-vitals-app.js',
  peers: 'peers-app.js',
}

/**
 * Builds every app (or those named) into `outDir/<name>/`. Resolves, per app, the entry
 * file name and every emitted .js file with its bytes (entry first).
 */
export async function buildApps(outDir, names = Object.keys(APPS)) {
  const built = {}
  for (const name of names) {
    const dir = join(outDir, name)
    await mkdir(dir, { recursive: true })
    const bundle = await rollup({
      input: fileURLToPath(new URL(`../apps/${APPS[name]}`, import.meta.url)),
      plugins: [nodeResolve({ browser: true }), terser(terserOptions)],
      onwarn(warning, warn) {
        if (warning.code !== 'CIRCULAR_DEPENDENCY') warn(warning)
      },
    })
    const { output } = await bundle.write({ dir, format: 'es', entryFileNames: 'app.js', chunkFileNames: '[name]-[hash].js' })
    await bundle.close()
    const files = []
    for (const chunk of output)
      if (chunk.type === 'chunk')
        files.push({ file: chunk.fileName, entry: chunk.isEntry, bytes: await readFile(join(dir, chunk.fileName)) })
    files.sort((a, b) => Number(b.entry) - Number(a.entry))
    built[name] = { dir, entry: 'app.js', files }
  }
  return built
}
