// Ten hot-path store calls (what one verify() makes, roughly: the nonce, counters, a distinct
// set, the device, the user's devices, a value) as ten single calls one after the other, against
// the same ten as one `batch()` (gate included), on Redis (a local redis-server), SQLite (a
// temporary file); the memory store has none (no round trip to save). Rounds alternate the two ways, so both see the same machine load.
// Figures are per set of ten: p50/p99 in µs, and sets per second (× 10 for store operations).
//
//   npm run build && node bench/store-batch.mjs [--seconds 20]
//
// Bounded to about --seconds in all. Writes bench/results/store-batch.json.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { redisStore, sqliteStore } from '@kenchi/server'
import { quantile, redisVersion, secondsSince, startRedis, versions, writeResult } from './lib/env.mjs'

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '20' } } })
const started = performance.now()
const BUDGET_MS = Math.max(3, Number(args.seconds)) * 1000
const T = 1_800_000_000_000
const KEY = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) }

/** The ten operations of one verification by the i-th customer (a fresh nonce each time). */
function ten(i, n) {
  const c = i % 500
  return [
    { op: 'setIfAbsent', key: `nonce:${n}`, ttlMs: 120_000 },
    { op: 'has', key: `ng-ip:10.0.${c % 250}.1` },
    { op: 'hit', key: `vel:req:ip:10.0.${c % 250}.1`, windowMs: 60_000, now: T + n },
    { op: 'hit', key: `vel:req:user:${c}`, windowMs: 3_600_000, now: T + n },
    { op: 'addDistinct', key: `vel:users-per-ip:10.0.${c % 250}.1`, member: `u${c}`, windowMs: 3_600_000, now: T + n },
    { op: 'countHits', key: `login-failed:user:${c}`, windowMs: 3_600_000, now: T + n },
    { op: 'touchDevice', id: `dev${c}`, publicKey: KEY, now: T + n },
    { op: 'linkUserDevice', userHash: `user${c}`, deviceId: `dev${c}`, now: T + n },
    { op: 'listUserDevices', userHash: `fp:user${c}`, limit: 50 },
    { op: 'getValue', key: `typing:user${c}` },
  ]
}

function call(store, op) {
  switch (op.op) {
    case 'setIfAbsent':
      return store.setIfAbsent(op.key, op.ttlMs)
    case 'has':
      return store.has(op.key)
    case 'hit':
      return store.hit(op.key, op.windowMs, op.now)
    case 'addDistinct':
      return store.addDistinct(op.key, op.member, op.windowMs, op.now)
    case 'countHits':
      return store.countHits(op.key, op.windowMs, op.now)
    case 'touchDevice':
      return store.touchDevice(op.id, op.publicKey, op.now)
    case 'linkUserDevice':
      return store.linkUserDevice(op.userHash, op.deviceId, op.now)
    case 'listUserDevices':
      return store.listUserDevices(op.userHash, op.limit)
    case 'getValue':
      return store.getValue(op.key)
  }
}

const ways = {
  async single(store, ops) {
    // The gate first (as verify() does), then the rest one after the other.
    if (!(await call(store, ops[0]))) throw new Error('nonce reused')
    for (const op of ops.slice(1)) await call(store, op)
  },
  async batch(store, ops) {
    const answers = await store.batch(ops, { gate: true })
    if (!answers.every((a) => a.ok)) throw new Error(`batch failed: ${answers.find((a) => !a.ok).error}`)
  },
}

const redis = await startRedis()
const dir = mkdtempSync(join(tmpdir(), 'kenchi-batch-bench-'))
const stores = {
  redis: await redisStore({ url: redis.url, prefix: 'bench:' }),
  sqlite: await sqliteStore({ path: join(dir, 'bench.db') }),
}
// The memory store has no batch(): a call costs no round trip there (runBatch's fallback).
let nonce = 0
const rows = []
try {
  const perStore = BUDGET_MS / Object.keys(stores).length
  for (const [name, store] of Object.entries(stores)) {
    if (typeof store.batch !== 'function') throw new Error(`${name} has no batch()`)
    // Warm-up: scripts loaded, statements run, the 500 customers known.
    for (let i = 0; i < 500; i++) await ways.batch(store, ten(i, nonce++))
    for (let i = 0; i < 200; i++) await ways.single(store, ten(i, nonce++))
    const samples = { single: [], batch: [] }
    const busy = { single: 0, batch: 0 }
    const end = performance.now() + perStore
    let i = 0
    for (let round = 0; performance.now() < end; round++) {
      for (const way of round % 2 === 0 ? ['single', 'batch'] : ['batch', 'single']) {
        const roundEnd = performance.now() + 100
        while (performance.now() < roundEnd) {
          const ops = ten(i++, nonce++)
          const t0 = performance.now()
          await ways[way](store, ops)
          const us = (performance.now() - t0) * 1000
          samples[way].push(us)
          busy[way] += us
        }
      }
    }
    for (const way of ['single', 'batch']) {
      const xs = samples[way]
      rows.push({
        store: name,
        way: way === 'single' ? '10 single calls' : 'one batch of 10',
        sets: xs.length,
        p50us: Math.round(quantile(xs, 0.5)),
        p99us: Math.round(quantile(xs, 0.99)),
        setsPerSecond: Math.round(xs.length / (busy[way] / 1e6)),
        opsPerSecond: Math.round((xs.length * 10) / (busy[way] / 1e6)),
      })
    }
  }
} finally {
  for (const store of Object.values(stores)) await store.close()
  redis.stop()
  rmSync(dir, { recursive: true, force: true })
}

console.table(rows)
const speedups = {}
for (const name of Object.keys(stores)) {
  const [single, batch] = rows.filter((r) => r.store === name)
  speedups[name] = { p50: +(single.p50us / batch.p50us).toFixed(2), throughput: +(batch.setsPerSecond / single.setsPerSecond).toFixed(2) }
}
console.log('single / batch (p50), batch / single (sets per second):', speedups)
const path = await writeResult('store-batch', {
  method:
    'one process, one set in flight at a time; each set is a gate (setIfAbsent of a fresh nonce) and nine more hot-path operations over 500 customers; 100 ms rounds alternating single calls and batch; per-set latency in µs, throughput per busy second',
  versions: { ...versions(['ioredis', 'better-sqlite3']), redis: redisVersion() },
  rows,
  speedups,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
