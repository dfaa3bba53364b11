// What privacy requests cost on a store holding many events (docs/privacy.md): the store is
// filled with `--events` events of `--users` customers (recordEvent one at a time, plus
// one user–device pair per customer), then for `--samples` customers picked at random:
// exportUser (every event, device and counter of the customer) and eraseUser, timed.
// SQLite finds a customer's events through its partial indexes, Redis through the per-user
// index, PostgreSQL by a scan, the memory store by a scan.
//
//   npm run build && node bench/privacy.mjs [--events 200000] [--users 2000] [--samples 20]
//        [--stores memory,sqlite,redis] [--postgres postgres://…/db (adds PostgreSQL)]
//
// Prints a table and writes bench/results/privacy.json.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as server from '@kenchi/server'
import { startRedis, quantile, secondsSince, versions, writeResult } from './lib/env.mjs'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    users: { type: 'string', default: '2000' },
    samples: { type: 'string', default: '20' },
    stores: { type: 'string', default: 'memory,sqlite,redis' },
    postgres: { type: 'string' },
  },
})
const started = performance.now()
const EVENTS = Number(args.events)
const USERS = Number(args.users)
const SAMPLES = Math.min(Number(args.samples), USERS)
const hashSecret = 'privacy bench hash secret, 32 bytes or more'
const userIds = Array.from({ length: USERS }, (_, i) => `u-${i}`)
const hashes = userIds.map((id) => server.userHashOf(hashSecret, id))

async function fill(store) {
  const t0 = performance.now()
  const now = Date.now()
  for (let i = 0; i < USERS; i++) await store.linkUserDevice(hashes[i], `dev-${i}`, now)
  for (let i = 0; i < EVENTS; i++) {
    const u = i % USERS
    await store.recordEvent({
      id: `e${i}`,
      at: now - (EVENTS - i) * 10,
      action: 'login',
      decision: 'allow',
      score: 0,
      reasons: [],
      mode: 'live',
      deviceId: `dev-${u}`,
      ip: '203.0.113.1',
      userHash: hashes[u],
      loginHash: hashes[u],
    })
  }
  return (performance.now() - t0) / 1000
}

async function measure(name, store) {
  const fillSeconds = await fill(store)
  const exportMs = []
  const eraseMs = []
  let events = 0
  for (let s = 0; s < SAMPLES; s++) {
    const id = userIds[Math.floor((s * USERS) / SAMPLES)]
    let t = performance.now()
    const data = await server.exportUser(store, { userId: id }, { hashSecret })
    exportMs.push(performance.now() - t)
    events += data.events.length
    t = performance.now()
    await server.eraseUser(store, { userId: id }, { hashSecret })
    eraseMs.push(performance.now() - t)
  }
  const ms = (xs, q) => Math.round(quantile(xs, q) * 10) / 10
  return {
    store: name,
    events: EVENTS,
    'fill events/s': Math.round(EVENTS / fillSeconds),
    'events per customer': Math.round(events / SAMPLES),
    'export p50 ms': ms(exportMs, 0.5),
    'export p95 ms': ms(exportMs, 0.95),
    'erase p50 ms': ms(eraseMs, 0.5),
    'erase p95 ms': ms(eraseMs, 0.95),
  }
}

const rows = []
const stores = args.stores.split(',').filter(Boolean)
const redis = stores.includes('redis') ? await startRedis() : undefined
const dir = mkdtempSync(join(tmpdir(), 'kenchi-privacy-bench-'))
try {
  for (const name of stores) {
    const store =
      name === 'redis'
        ? await server.redisStore({ url: redis.url, prefix: 'bench:', commandTimeout: 5000 })
        : name === 'sqlite'
          ? await server.sqliteStore({ path: join(dir, 'kenchi.db'), maxEvents: EVENTS * 2 })
          : server.memoryStore({ maxEvents: EVENTS * 2 })
    rows.push(await measure(name, store))
    await store.close()
  }
  if (args.postgres) {
    const store = await server.postgresStore({ connectionString: args.postgres, queryTimeout: 5000 })
    rows.push(await measure('postgres', store))
    await store.close()
  }
} finally {
  redis?.stop()
  rmSync(dir, { recursive: true, force: true })
}

console.table(rows)
const file = await writeResult('privacy', {
  events: EVENTS,
  users: USERS,
  samples: SAMPLES,
  rows,
  versions: versions(['ioredis', 'better-sqlite3', 'pg']),
  seconds: secondsSince(started),
})
console.log(`wrote ${file}`)
