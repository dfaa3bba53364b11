// Where SQLite's verify() tail comes from: the same verifications against stores that differ
// in one setting, interleaved in rounds in one process (A/B on a shared machine: compare the
// ratios, not the absolute figures). Configurations:
//   inline      checkpointIntervalMs: 0: SQLite's automatic checkpoint every 1000 WAL pages,
//               inside whichever commit crosses it (the store before this change)
//   background  the default: checkpoint in a worker thread every second, backstop 10 000 pages
//   full        background, and synchronous: 'full' (a sync per commit; slow: ask for it with --configs)
// Plus the memory store in the same rounds, for the part of the tail that is not the store.
// Per configuration: verifications per second, p50/p90/p99/p99.9/max, a latency histogram,
// and how many calls took over 2 ms. A second part times single store calls (touchDevice,
// hit, recordEvent...) the same way, to show which call carries the stall.
//
//   npm run bench:sqlite-tail, or node bench/sqlite-tail.mjs [--rounds 8] [--per-round 500] [--configs inline,background,full]
//
// Writes bench/results/sqlite-tail.json.
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as server from '@kenchi/server'
import { secondsSince, versions, writeResult } from './lib/env.mjs'
import { makeTokens, makeVerifier, newDevice, percentile, runVerify } from './lib/verify-common.mjs'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    'per-round': { type: 'string', default: '500' },
    configs: { type: 'string', default: 'inline,background' },
  },
})
const started = performance.now()
const ROUNDS = Math.max(1, Number(args.rounds))
const PER_ROUND = Math.max(50, Number(args['per-round']))
const CUSTOMERS = 200
const CONFIGS = {
  inline: { checkpointIntervalMs: 0 },
  background: {},
  full: { synchronous: 'full' },
}
const wanted = args.configs.split(',').filter((name) => name in CONFIGS)
const BUCKETS = [0.25, 0.5, 1, 2, 4, 8, 16, Infinity]

function describe(latencies, seconds) {
  const sorted = Float64Array.from(latencies).sort()
  const histogram = {}
  let from = 0
  for (const to of BUCKETS) {
    histogram[`${from}-${to === Infinity ? '' : to} ms`] = sorted.filter((x) => x >= from && x < to).length
    from = to
  }
  return {
    ops: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50ms: +percentile(sorted, 50).toFixed(3),
    p90ms: +percentile(sorted, 90).toFixed(3),
    p99ms: +percentile(sorted, 99).toFixed(3),
    p999ms: +percentile(sorted, 99.9).toFixed(3),
    maxms: +sorted[sorted.length - 1].toFixed(3),
    over2ms: sorted.filter((x) => x > 2).length,
    histogram,
  }
}

const dir = await mkdtemp(join(os.tmpdir(), 'kenchi-sqlite-tail-'))
const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())
const returning = (i) => devices[i % CUSTOMERS]

// --- part 1: verify(), default rules, returning customers, configurations interleaved
const runs = {}
// A memory-store row in the same rounds: the tail that is not the store's (GC, the machine, the verifier).
const verifyConfigs = [...wanted, 'memory']
for (const name of verifyConfigs) {
  const store = name === 'memory' ? server.memoryStore() : await server.sqliteStore({ path: join(dir, `${name}.db`), ...CONFIGS[name] })
  const verifier = await makeVerifier(store)
  const tokens = await makeTokens(verifier, CUSTOMERS + ROUNDS * PER_ROUND, returning)
  await runVerify(verifier, tokens.splice(0, CUSTOMERS), { customers: CUSTOMERS, succeed: true })
  runs[name] = { store, verifier, tokens, latencies: [], seconds: 0, settings: await store.settings?.() }
}
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order each round so no configuration always runs first.
  const order = verifyConfigs.map((_, i) => verifyConfigs[(i + round) % verifyConfigs.length])
  for (const name of order) {
    const run = runs[name]
    const r = await runVerify(run.verifier, run.tokens.splice(0, PER_ROUND), { customers: CUSTOMERS })
    run.latencies.push(...r.latencies)
    run.seconds += r.seconds
  }
}
const verifyRows = []
for (const name of verifyConfigs) {
  const run = runs[name]
  verifyRows.push({
    config: name,
    options: CONFIGS[name] ?? 'memoryStore()',
    settings: run.settings,
    ...describe(run.latencies, run.seconds),
  })
  await run.store.close()
}
console.table(verifyRows.map(({ histogram, options, settings, ...row }) => row))

// --- part 2: single store calls, the order a verification makes them, timed one by one
const CALLS = ['setIfAbsent', 'touchDevice', 'linkUserDevice', 'hit', 'addDistinct', 'recordEvent']
const callRuns = {}
for (const name of wanted) {
  callRuns[name] = {
    store: await server.sqliteStore({ path: join(dir, `calls-${name}.db`), ...CONFIGS[name] }),
    latencies: Object.fromEntries(CALLS.map((c) => [c, []])),
    seconds: 0,
  }
}
const key = devices[0].k
const reasons = [
  { code: 'FIRST_USER_DEVICE', weight: 10 },
  { code: 'VELOCITY_IP_USERS', weight: 0, detail: { count: 3 } },
]
let serial = 0
for (let round = 0; round < ROUNDS; round++) {
  const order = wanted.map((_, i) => wanted[(i + round) % wanted.length])
  for (const name of order) {
    const { store, latencies } = callRuns[name]
    const t = performance.now()
    for (let i = 0; i < PER_ROUND; i++) {
      const n = serial++
      const now = Date.now()
      const calls = {
        setIfAbsent: () => store.setIfAbsent(`nonce:${name}-${n}`, 660_000),
        touchDevice: () => store.touchDevice(`dev-${n % 2000}`, key, now),
        linkUserDevice: () => store.linkUserDevice(`user-${n % 2000}`, `dev-${n % 2000}`, now),
        hit: () => store.hit(`ip:${n % 500}`, 600_000, now),
        addDistinct: () => store.addDistinct(`ip-users:${n % 500}`, `user-${n % 2000}`, 3_600_000, now),
        recordEvent: () =>
          store.recordEvent({
            id: `${name}-${n}`,
            at: now,
            action: 'login',
            decision: 'allow',
            score: 10,
            reasons,
            mode: 'live',
            deviceId: `dev-${n % 2000}`,
            ip: '198.51.100.7',
            userHash: `user-${n % 2000}`,
          }),
      }
      for (const call of CALLS) {
        const t0 = performance.now()
        await calls[call]()
        latencies[call].push(performance.now() - t0)
      }
    }
    callRuns[name].seconds += (performance.now() - t) / 1000
  }
}
const callRows = []
for (const name of wanted) {
  const run = callRuns[name]
  for (const call of CALLS) {
    const { histogram, ...row } = describe(run.latencies[call], run.seconds)
    callRows.push({
      config: name,
      call,
      p50ms: row.p50ms,
      p99ms: row.p99ms,
      p999ms: row.p999ms,
      maxms: row.maxms,
      over2ms: row.over2ms,
      histogram,
    })
  }
  await run.store.close()
}
console.table(callRows.map(({ histogram, ...row }) => row))
await rm(dir, { recursive: true, force: true })

const base = verifyRows.find((r) => r.config === 'inline')
const ratios = base
  ? Object.fromEntries(
      verifyRows
        .filter((r) => r !== base && r.config !== 'memory')
        .map((r) => [
          r.config,
          {
            perSecond: +(r.perSecond / base.perSecond).toFixed(2),
            p50: +(r.p50ms / base.p50ms).toFixed(2),
            p99: +(r.p99ms / base.p99ms).toFixed(2),
            p999: +(r.p999ms / base.p999ms).toFixed(2),
          },
        ]),
    )
  : {}
console.log('ratios to inline:', ratios)
const path = await writeResult('sqlite-tail', {
  rounds: ROUNDS,
  perRound: PER_ROUND,
  customers: CUSTOMERS,
  versions: versions(['better-sqlite3']),
  method:
    'configurations interleaved in rounds in one process (order rotated each round); verify() with the default rules, returning customers warmed up with one successful login; then single store calls timed one by one',
  verify: verifyRows,
  ratiosToInline: ratios,
  calls: callRows,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
