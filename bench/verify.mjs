// verify() on the server: throughput and latency per store (memory, SQLite, Redis) with the
// default rules, next to two baselines measured in the same run on the same bytes: a bare
// node:crypto ECDSA P-256 check (the floor: every token needs one) and `jose` verifying an
// ES256 JWT carrying the same claims. Then how the cost grows with the users and devices
// already in the store (1e3, 1e5, 1e6 of each), then the issue 19 targets per store next to
// the floor, jose and the previous design's figures (bench/report.mjs's PREVIOUS). Several
// verifier processes sharing one Redis are bench/scale.mjs's (`--procs 1,2,4` still runs
// them here too); where the time goes is bench/profile.mjs's.
//
//   npm run build && node bench/verify.mjs [--tokens 3000] [--stores memory,sqlite,redis]
//       [--scale 1000,100000,1000000] [--procs ''] [--seconds 5]
//
// Prints tables and writes bench/results/verify.json. Needs redis-server on PATH for the
// Redis rows (skipped, and said so, otherwise). One verification at a time per process.
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SignJWT, jwtVerify } from 'jose'
import * as server from '@kenchi/server'
import { startRedis, redisVersion, secondsSince, versions, writeResult } from './lib/env.mjs'
import { runProcesses } from './lib/processes.mjs'
import { PREVIOUS } from './report.mjs'
import { makeTokens, makeVerifier, newDevice, runVerify, summarise } from './lib/verify-common.mjs'

const { values: args } = parseArgs({
  options: {
    tokens: { type: 'string', default: '3000' },
    stores: { type: 'string', default: 'memory,sqlite,redis' },
    scale: { type: 'string', default: '1000,100000,1000000' },
    procs: { type: 'string', default: '' },
    seconds: { type: 'string', default: '5' },
  },
})
const started = performance.now()
const COUNT = Math.max(400, Number(args.tokens))
const CUSTOMERS = 200
const notes = []

async function timeEach(n, fn) {
  const latencies = []
  const start = performance.now()
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    await fn()
    latencies.push(performance.now() - t0)
  }
  return { latencies, seconds: (performance.now() - start) / 1000 }
}

// A pool of device keys: customer n always signs with device n.
const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())
const returning = (i) => devices[i % CUSTOMERS]

// --- Redis, if asked for and installed
const stores = {}
const cleanups = []
let redis
const wanted = args.stores.split(',')
if (wanted.includes('memory'))
  stores.memory = (n = 0) => server.memoryStore({ maxDevices: Math.max(100_000, n * 2), maxLinks: Math.max(200_000, n * 2) })
if (wanted.includes('sqlite')) {
  const dir = await mkdtemp(join(os.tmpdir(), 'kenchi-bench-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  let n = 0
  stores.sqlite = (size = 0, path = join(dir, `bench-${n++}.db`)) =>
    server.sqliteStore({ path, maxDevices: Math.max(1_000_000, size * 2), maxLinks: Math.max(2_000_000, size * 2) })
}
if (wanted.includes('redis')) {
  try {
    redis = await startRedis()
    cleanups.push(() => redis.stop())
    let n = 0
    stores.redis = () => server.redisStore({ url: redis.url, prefix: `bench${n++}:` })
  } catch (error) {
    notes.push(`Redis rows skipped: ${error.message}`)
    console.warn(notes.at(-1))
  }
}

// --- baselines on the same bytes
const probe = await makeVerifier(server.memoryStore())
const [sample] = await makeTokens(probe, 1, returning)
const [prefix, body, sig] = sample.split('.')
const signedBytes = Buffer.from(`${prefix}.${body}`)
const signature = Buffer.from(sig, 'base64url')
const nodeKey = createPublicKey({ key: { ...devices[0].k }, format: 'jwk' })
const checkFloor = () => {
  if (!verify('sha256', signedBytes, { key: nodeKey, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('baseline failed')
}
await timeEach(300, checkFloor) // warm-up, as the verify() rows get
const floor = await timeEach(COUNT, checkFloor)
const jwtKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const claims = JSON.parse(Buffer.from(body, 'base64url').toString())
const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(jwtKeys.privateKey)
const checkJose = () => jwtVerify(jwt, jwtKeys.publicKey, { algorithms: ['ES256'] })
await timeEach(300, checkJose)
const joseRun = await timeEach(COUNT, checkJose)
const baselineRows = [
  summarise('node:crypto ECDSA P-256 verify (floor)', floor.latencies, floor.seconds, { bytes: signedBytes.length }),
  summarise('jose jwtVerify ES256, same claims', joseRun.latencies, joseRun.seconds, { bytes: jwt.length }),
]
console.table(baselineRows)

// --- verify() per store: returning customers, no rules, new devices
const storeRows = []
for (const [name, make] of Object.entries(stores)) {
  const store = await make()
  const verifier = await makeVerifier(store)
  const tokens = await makeTokens(verifier, COUNT + CUSTOMERS, returning)
  // Warm-up: every customer logs in once and succeeds, so their device is theirs.
  await runVerify(verifier, tokens.splice(0, CUSTOMERS), { customers: CUSTOMERS, succeed: true })
  const run = await runVerify(verifier, tokens, { customers: CUSTOMERS })
  storeRows.push(
    summarise(`verify() ${name}, default rules, returning customers`, run.latencies, run.seconds, {
      store: name,
      rules: 'default',
      bytes: sample.length,
      ...run.decisions,
    }),
  )
  const bare = await makeVerifier(store, [])
  const bareTokens = await makeTokens(bare, COUNT + CUSTOMERS, returning)
  await runVerify(bare, bareTokens.splice(0, CUSTOMERS), { customers: CUSTOMERS })
  const bareRun = await runVerify(bare, bareTokens, { customers: CUSTOMERS })
  storeRows.push(
    summarise(`verify() ${name}, no rules`, bareRun.latencies, bareRun.seconds, {
      store: name,
      rules: 'none',
      bytes: sample.length,
      ...bareRun.decisions,
    }),
  )
  const fresh = await makeTokens(verifier, Math.min(1000, COUNT), () => newDevice())
  const freshRun = await runVerify(verifier, fresh, { customers: CUSTOMERS })
  storeRows.push(
    summarise(`verify() ${name}, default rules, new device keys (same browser fingerprint)`, freshRun.latencies, freshRun.seconds, {
      store: name,
      rules: 'default',
      bytes: sample.length,
      ...freshRun.decisions,
    }),
  )
  await store.close()
  console.table(storeRows.slice(-3))
}
const floorRate = baselineRows[0].perSecond
for (const row of storeRows) {
  row.ofFloor = +(row.perSecond / floorRate).toFixed(2)
  row.ofJose = +(row.perSecond / baselineRows[1].perSecond).toFixed(2)
}
// Issue 19's rows: each store next to the floor, jose and the previous design.
const targetRows = storeRows
  .filter((r) => r.rules === 'default' && r.name.includes('returning'))
  .map((r) => ({
    store: r.store,
    perSecond: r.perSecond,
    p50ms: r.p50ms,
    p99ms: r.p99ms,
    ofFloor: r.ofFloor,
    ofJose: r.ofJose,
    before: PREVIOUS[r.store] ? `${PREVIOUS[r.store].perSecond}/s ${PREVIOUS[r.store].p50ms}/${PREVIOUS[r.store].p99ms} ms` : '—',
    target: {
      memory: `≥ ${Math.round(0.6 * floorRate)}/s (0.6× floor)`,
      sqlite: '≥ 3000/s, p99 ≤ 1.5 ms',
      redis: '≥ 2500/s, p50 ≤ 0.35 ms, p99 ≤ 1 ms',
    }[r.store],
  }))
console.log(`floor ${floorRate}/s, jose ${baselineRows[1].perSecond}/s; previous design: ${PREVIOUS.source}`)
console.table(targetRows)

// --- growth with the users and devices in the store
async function seedWithApi(store, size, key) {
  const now = Date.now()
  const batch = []
  for (let i = 0; i < size; i++) {
    batch.push(store.touchDevice(`seed-${i}`, key, now), store.linkUserDevice(`seed-user-${i}`, `seed-${i}`, now))
    if (batch.length >= 4000) await Promise.all(batch.splice(0))
  }
  await Promise.all(batch)
}

/** SQLite: one transaction of INSERTs into the store's own tables (the API, row by row, takes ~100 s for 1e6). */
async function seedSqlite(size, key) {
  const { default: Database } = await import('better-sqlite3')
  const dir = await mkdtemp(join(os.tmpdir(), 'kenchi-scale-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'scale.db')
  await (await stores.sqlite(size, path)).close() // creates the schema
  const db = new Database(path)
  const now = Date.now()
  const device = db.prepare(
    `INSERT INTO kenchi_devices (id, public_key, status, first_seen, last_seen, touched) VALUES (?, ?, 'waiting', ?, ?, ?)`,
  )
  const link = db.prepare('INSERT INTO kenchi_links (user, device, first_seen, last_seen, trusted, touched) VALUES (?, ?, ?, ?, 0, ?)')
  const json = JSON.stringify(key)
  db.transaction(() => {
    for (let i = 0; i < size; i++) {
      device.run(`seed-${i}`, json, now, now, now)
      link.run(`seed-user-${i}`, `seed-${i}`, now, now, now)
    }
  })()
  db.close()
  const store = await stores.sqlite(size, path)
  // Read back through the store's API, so a schema change fails here rather than measuring nothing.
  if (!(await store.getDevice(`seed-${size - 1}`)) || (await store.listUserDevices(`seed-user-${size - 1}`)).length !== 1)
    throw new Error('sqlite seeding not visible through the store')
  return store
}

/**
 * Redis: the store's key layout written by a server-side Lua loop, 20 000 records per call
 * (through the API's own scripts 1e6 take ~70 s, through a client pipeline ~50 s).
 */
const SEED_LUA = `
local prefix, from, to, now, ttl, key = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6]
for i = from, to - 1 do
  local dev, user = 'seed-' .. i, 'seed-user-' .. i
  redis.call('HSET', prefix .. 'dev:' .. dev, 'k', key, 's', 'waiting', 'f', now, 'l', now)
  redis.call('PEXPIRE', prefix .. 'dev:' .. dev, ttl)
  redis.call('HSET', prefix .. 'ud:u:' .. user, dev, now .. ':' .. now .. ':0')
  redis.call('PEXPIRE', prefix .. 'ud:u:' .. user, ttl)
  redis.call('ZADD', prefix .. 'ud:d:' .. dev, now, user)
  redis.call('PEXPIRE', prefix .. 'ud:d:' .. dev, ttl)
end
return to - from
`
async function seedRedis(size, key) {
  const { default: Redis } = await import('ioredis')
  const client = new Redis(redis.url)
  const prefix = `scale${size}:`
  const now = String(Date.now())
  for (let from = 0; from < size; from += 20_000)
    await client.eval(SEED_LUA, 0, prefix, from, Math.min(size, from + 20_000), now, 400 * 86_400_000, JSON.stringify(key))
  await client.quit()
  const store = await server.redisStore({ url: redis.url, prefix })
  if (
    !(await store.getDevice(`seed-${size - 1}`)) ||
    (await store.listDeviceUsers(`seed-${size - 1}`)).length !== 1 ||
    (await store.listUserDevices(`seed-user-${size - 1}`)).length !== 1
  ) {
    throw new Error('redis seeding not visible through the store')
  }
  return store
}

const scaleRows = []
const sizes = args.scale
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
const filler = { ...devices[0].k }
for (const name of Object.keys(stores)) {
  for (const size of sizes) {
    const fillStart = performance.now()
    let store
    if (name === 'sqlite') store = await seedSqlite(size, filler)
    else if (name === 'redis') store = await seedRedis(size, filler)
    else {
      store = await stores[name](size)
      await seedWithApi(store, size, filler)
    }
    const fillSeconds = secondsSince(fillStart)
    const verifier = await makeVerifier(store)
    const tokens = await makeTokens(verifier, Math.min(1500, COUNT) + CUSTOMERS, returning)
    await runVerify(verifier, tokens.splice(0, CUSTOMERS), { customers: CUSTOMERS, succeed: true })
    const run = await runVerify(verifier, tokens, { customers: CUSTOMERS })
    scaleRows.push(
      summarise(`verify() ${name} with ${size.toLocaleString('en')} users and devices`, run.latencies, run.seconds, {
        store: name,
        records: size,
        fillSeconds,
        fill: { sqlite: 'bulk SQL', redis: 'server-side Lua loop' }[name] ?? 'store API',
        ...run.decisions,
      }),
    )
    console.table(scaleRows.slice(-1))
    await store.close()
    if (name === 'redis') {
      const { default: Redis } = await import('ioredis')
      const client = new Redis(redis.url)
      await client.flushall()
      await client.quit()
    }
  }
}

// --- several verifier processes sharing one Redis
const procRows = []
const procCounts = redis
  ? args.procs
      .split(',')
      .map(Number)
      .filter((n) => n > 0)
  : []
const seconds = Math.max(1, Number(args.seconds))
const singleRedis = storeRows.find((r) => r.store === 'redis' && r.rules === 'default' && r.name.includes('returning'))
const tokensPerProc = Math.max(2000, Math.ceil((singleRedis?.perSecond ?? 1000) * seconds * 1.6))
for (const procs of procCounts) {
  procRows.push(await runProcesses({ url: redis.url, prefix: `mp${procs}:`, procs, tokens: tokensPerProc, customers: 100, seconds }))
  console.table(procRows.slice(-1))
}

for (const cleanup of cleanups) await cleanup()
const path = await writeResult('verify', {
  tokensPerRow: COUNT,
  customers: CUSTOMERS,
  tokenBytes: sample.length,
  secondsPerProcessRun: seconds,
  redis: redis ? redisVersion() : null,
  versions: versions(['jose', 'better-sqlite3', 'ioredis']),
  method:
    'one verification at a time per process; returning customers were warmed up with one successful login each (login_succeeded reported); latencies from performance.now() around verify()',
  baselines: baselineRows,
  stores: storeRows,
  scale: scaleRows,
  processes: procRows,
  notes,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
