// Size: what each script costs on the wire, gzip (level 9) and brotli (quality 11), next to
// the peers measured from their own published builds in node_modules, and each one
// tree-shaken into a typical app (bench/apps/*.js, bundled by rollup + terser with the
// project's options). Runs no browser.
//
//   npm run build && node bench/size.mjs        (part of npm run bench)
//
// Writes bench/results/size.json.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { buildApps } from './lib/apps.mjs'
import { ROOT, secondsSince, versions, writeResult } from './lib/env.mjs'

const started = performance.now()
const weigh = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
    .length,
})
const sum = (parts) =>
  parts.reduce((a, p) => ({ raw: a.raw + p.raw, gzip: a.gzip + p.gzip, brotli: a.brotli + p.brotli }), { raw: 0, gzip: 0, brotli: 0 })
const file = (path) => readFileSync(new URL(path, ROOT))

const rows = []
function row(group, name, what, sizes, note = '') {
  rows.push({ group, name, what, ...sizes, ...(note ? { note } : {}) })
}

// --- Kenchi's script tag
const dist = 'packages/client/dist/'
const early = weigh(file(`${dist}kenchi.min.js`))
const lazy = weigh(file(`${dist}kenchi-signals.min.js`))
const worker = weigh(file(`${dist}kenchi-worker.min.js`))
row('kenchi', 'Kenchi script tag, early part', 'kenchi.min.js', early, 'loads with the page; everything needed to sign a token')
row(
  'kenchi',
  'Kenchi script tag, lazy part',
  'kenchi-signals.min.js',
  lazy,
  'loads when the page is idle; device signals and FingerprintJS',
)
row('kenchi', 'Kenchi script tag, worker', 'kenchi-worker.min.js', worker)
row('kenchi', 'Kenchi script tag, total', 'kenchi.min.js + kenchi-signals.min.js + kenchi-worker.min.js', sum([early, lazy, worker]))

// --- the peers' published builds
const published = [
  [
    'fingerprintjs',
    'FingerprintJS, published script-tag build',
    '@fingerprintjs/fingerprintjs/dist/fp.min.js',
    'minified IIFE (global FingerprintJS) for <script>',
  ],
  ['fingerprintjs', 'FingerprintJS, published ESM build', '@fingerprintjs/fingerprintjs/dist/fp.esm.js', 'not minified; for bundlers'],
  [
    'botd',
    'BotD, published ESM build',
    '@fingerprintjs/botd/dist/botd.esm.js',
    'not minified; the npm package has no minified browser build',
  ],
  ['web-vitals', 'web-vitals, published script-tag build', 'web-vitals/dist/web-vitals.iife.js', 'minified IIFE'],
  ['web-vitals', 'web-vitals, published ESM build', 'web-vitals/dist/web-vitals.js', 'minified ESM'],
]
for (const [group, name, path, note] of published) row(group, name, path, weigh(file(`node_modules/${path}`)), note)

// --- typical apps, tree-shaken and minified the same way
const out = await mkdtemp(join(tmpdir(), 'kenchi-size-'))
try {
  const apps = await buildApps(out)
  const label = {
    kenchi: 'Kenchi npm (createKenchi)',
    fingerprintjs: 'FingerprintJS',
    botd: 'BotD',
    'web-vitals': 'web-vitals (onCLS, onINP, onLCP)',
    peers: 'FingerprintJS + BotD (the same job as Kenchi)',
  }
  for (const [name, app] of Object.entries(apps)) {
    const entry = weigh(app.files[0].bytes)
    const all = app.files.map((f) => weigh(f.bytes))
    const files = app.files.map((f) => f.file).join(' + ')
    if (name === 'kenchi') {
      row('kenchi', `${label[name]} in an app, entry chunk`, `bench/apps/kenchi-app.js → app.js`, entry, 'loads with the page')
      row(
        'kenchi',
        `${label[name]} in an app, total`,
        `${files} + kenchi-worker.min.js`,
        sum([...all, worker]),
        'entry + lazy FingerprintJS chunk + worker',
      )
    } else {
      row(
        name === 'peers' ? 'peers' : name,
        `${label[name]} in an app`,
        `bench/apps/${name}-app.js → ${files}`,
        sum(all),
        app.files.length > 1 ? `${app.files.length} chunks` : '',
      )
    }
  }
} finally {
  await rm(out, { recursive: true, force: true })
}

const deps = versions([
  '@fingerprintjs/fingerprintjs',
  '@fingerprintjs/botd',
  'web-vitals',
  'rollup',
  '@rollup/plugin-terser',
  '@rollup/plugin-node-resolve',
  'terser',
])
const seconds = secondsSince(started)
const path = await writeResult('size', {
  versions: deps,
  method:
    'gzip level 9 and brotli quality 11 of each file, in bytes (node:zlib); apps bundled by rollup + node-resolve (browser) + terser with the project options',
  rows,
  seconds,
})
console.table(rows.map(({ name, raw, gzip, brotli }) => ({ name, raw, gzip, brotli })))
console.log(`wrote ${path} (${seconds} s)`)
