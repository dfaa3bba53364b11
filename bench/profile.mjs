// Where verify() spends its time, per store: verify() with the default rules for returning
// customers (as the "default rules, returning customers" rows of bench/verify.mjs) for a
// bounded time per store under the V8 CPU profiler (node:inspector), then the ten functions
// with the most self time, mapped back to the TypeScript sources through the bundles' source
// maps. `(idle)` is the process waiting (for Redis, for a SQLite worker), `(program)` native
// work V8 does not attribute to a function, `(garbage collector)` what it says.
//
//   npm run build && node bench/profile.mjs [--stores memory,sqlite,redis] [--seconds 3]
//
// Prints a table per store and writes bench/results/profile.json (bench/report.mjs puts the
// tables into docs/benchmarks.md). The profiler slows everything down: rates measured here
// are not the benchmark's figures (bench/verify.mjs has those).
import { Session } from 'node:inspector/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { findSourceMap } from 'node:module'
import os from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ROOT, redisVersion, secondsSince, startRedis, writeResult } from './lib/env.mjs'

// Before the bundles load (imported below, not statically), so findSourceMap() can map their
// positions back to src/.
process.setSourceMapsEnabled(true)
const server = await import('@kenchi/server')
const { makeTokens, makeVerifier, newDevice, runVerify } = await import('./lib/verify-common.mjs')

const { values: args } = parseArgs({
  options: {
    stores: { type: 'string', default: 'memory,sqlite,redis' },
    seconds: { type: 'string', default: '3' },
    top: { type: 'string', default: '10' },
  },
})
const started = performance.now()
const SECONDS = Math.max(0.5, Number(args.seconds))
const TOP = Math.max(1, Number(args.top))
const CUSTOMERS = 200
// Tokens are single use: enough for the time at a rate no store reaches under the profiler.
const TOKENS = { memory: 6000, sqlite: 3500, redis: 3000 }
const root = fileURLToPath(ROOT)

const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())
const returning = (i) => devices[i % CUSTOMERS]

const cleanups = []
const notes = []
let redis
const makers = {
  memory: async () => server.memoryStore(),
  sqlite: async () => {
    const dir = await mkdtemp(join(os.tmpdir(), 'kenchi-profile-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    return server.sqliteStore({ path: join(dir, 'profile.db') })
  },
  redis: async () => {
    redis = await startRedis()
    cleanups.push(() => redis.stop())
    return server.redisStore({ url: redis.url, prefix: 'profile:' })
  },
}

/** Where a profile frame is: its TypeScript source through the source map when there is one. */
function where({ url, lineNumber, columnNumber }) {
  if (!url) return ''
  const map = url.startsWith('file:') ? (findSourceMap(url) ?? findSourceMap(fileURLToPath(url))) : undefined
  const entry = map?.findEntry(lineNumber, columnNumber)
  if (entry?.originalSource) {
    const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : entry.originalSource
    return `${shorten(source)}:${entry.originalLine + 1}`
  }
  return `${shorten(url.startsWith('file:') ? fileURLToPath(url) : url)}:${lineNumber + 1}`
}
function shorten(path) {
  const nm = path.lastIndexOf('node_modules/')
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length)
  return path.startsWith(root) ? path.slice(root.length) : path
}

/**
 * Self time per function (sum of the sampling intervals that landed in it), the top `n`. A
 * native function (no source: a binding's `run`, `dispatch`) is named with its JavaScript
 * caller, since `run` alone could be an ECDSA check or a SQLite statement.
 */
function topSelf(profile, n) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node)
  const name = (frame) => frame.functionName || '(anonymous)'
  const label = (node) => {
    const frame = node.callFrame
    if (frame.url || name(frame).startsWith('(')) return `${name(frame)}\t${where(frame)}`
    let caller = parent.get(node.id)
    while (caller && !caller.callFrame.url && !name(caller.callFrame).startsWith('(')) caller = parent.get(caller.id)
    return caller?.callFrame.url
      ? `${name(frame)} (native, from ${name(caller.callFrame)})\t${where(caller.callFrame)}`
      : `${name(frame)} (native)\t`
  }
  const self = new Map()
  let total = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    const key = label(byId.get(id))
    if (key.includes('node:inspector')) return // the profiler itself (Profiler.stop writing the profile)
    total += us
    self.set(key, (self.get(key) ?? 0) + us)
  })
  // Self time per source file (native functions count in their caller's file).
  const files = new Map()
  for (const [key, us] of self) {
    const at = key.split('\t')[1]
    const file = at ? at.replace(/:\d+$/, '') : key.split('\t')[0]
    files.set(file, (files.get(file) ?? 0) + us)
  }
  const byFile = [...files]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([file, us]) => ({ file, selfMs: +(us / 1000).toFixed(1), percent: +((100 * us) / total).toFixed(1) }))
  const rows = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, us]) => {
      const [fn, at] = key.split('\t')
      return { function: fn, at, selfMs: +(us / 1000).toFixed(1), percent: +((100 * us) / total).toFixed(1) }
    })
  return { rows, byFile, totalMs: +(total / 1000).toFixed(1) }
}

const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 100 })

const results = {}
for (const name of args.stores.split(',').filter(Boolean)) {
  let store
  try {
    store = await makers[name]()
  } catch (error) {
    notes.push(`${name}: not profiled (${error.message})`)
    console.warn(notes.at(-1))
    continue
  }
  const verifier = await makeVerifier(store)
  const tokens = await makeTokens(verifier, TOKENS[name] + CUSTOMERS, returning)
  await runVerify(verifier, tokens.splice(0, CUSTOMERS), { customers: CUSTOMERS, succeed: true })
  // A short warm-up outside the profile, so the JIT has settled. Slices start at multiples of
  // CUSTOMERS, so customer i mod CUSTOMERS keeps presenting device i mod CUSTOMERS (their own).
  await runVerify(verifier, tokens.splice(0, 2 * CUSTOMERS), { customers: CUSTOMERS })
  await session.post('Profiler.start')
  const run = await runVerify(verifier, tokens, { customers: CUSTOMERS, until: performance.now() + SECONDS * 1000 })
  const { profile } = await session.post('Profiler.stop')
  verifier.close()
  await store.close()
  const top = topSelf(profile, TOP)
  results[name] = {
    seconds: +run.seconds.toFixed(2),
    verifications: run.latencies.length,
    perSecondUnderProfiler: Math.round(run.latencies.length / run.seconds),
    exhausted: run.latencies.length === tokens.length,
    profiledMs: top.totalMs,
    top: top.rows,
    byFile: top.byFile,
  }
  console.log(`\n${name}: ${run.latencies.length} verifications in ${run.seconds.toFixed(2)} s under the profiler; top ${TOP} self time`)
  console.table(top.rows)
  console.table(top.byFile)
}
session.disconnect()
for (const cleanup of cleanups) await cleanup()
const path = await writeResult('profile', {
  secondsPerStore: SECONDS,
  samplingIntervalUs: 100,
  customers: CUSTOMERS,
  redis: redis ? redisVersion() : null,
  method:
    'verify() with the default rules, returning customers (one successful login each before), one at a time, under node:inspector Profiler; self time = sum of sampling intervals per function, positions mapped to src/ through the bundle source maps',
  stores: results,
  notes,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
