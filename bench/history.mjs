// The event history at shop scale (issue 17): a temporary PostgreSQL filled with 10 million
// events by bulk load (COPY), then
//   1. the bulk load itself and the in-place upgrade of that database from schema version 1
//      to 2 (the console's indexes, the reason side table, the per-minute counts);
//   2. what the data costs on disk: bytes and rows per event, table by table;
//   3. the console's queries as its pages make them (scanEvents / eventStats of
//      @kenchi/console on postgresStore): the latest page, each filter, a deep page, a day,
//      the 24-hour and 30-day charts: p50 / p95 over repeated runs with varied parameters;
//   4. the write-behind throughput: events/s a splitStore (Redis + this PostgreSQL) writes
//      into the 10-million-event table, indexes and triggers included;
//   5. verify() p50 / p99 on Redis alone next to splitStore(Redis + PostgreSQL).
//
//   npm run build && node bench/history.mjs [--events 10000000] [--days 30] [--reps 40]
//       [--writes 100000] [--tokens 3000]
//
// Prints tables and writes bench/results/history.json. Needs PostgreSQL (Debian's
// `postgresql`) and redis-server. The events are synthetic but shaped like the verifier's
// (a real EventRecord's fields and sizes): 200 000 users, 300 000 devices, 150 000 IPs,
// 90 % allow / 7 % challenge / 3 % deny, reason codes with realistic frequencies (one at
// 0.01 %), spread evenly over the last `days` days.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import * as server from '@kenchi/server'
import { eventStats, scanEvents } from '../packages/console/src/query.js'
import { freePort, redisVersion, secondsSince, versions, writeResult } from './lib/env.mjs'
import { startPostgres } from './lib/postgres.mjs'
import { makeTokens, makeVerifier, newDevice, runVerify, summarise } from './lib/verify-common.mjs'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    days: { type: 'string', default: '30' },
    reps: { type: 'string', default: '40' },
    writes: { type: 'string', default: '100000' },
    tokens: { type: 'string', default: '3000' },
    'other-stores': { type: 'string', default: '100000' },
    'sizes-only': { type: 'boolean', default: false },
  },
})
const started = performance.now()
const N = Number(args.events)
const DAYS = Number(args.days)
const REPS = Number(args.reps)
const WRITES = Number(args.writes)
const TOKENS = Number(args.tokens)
const NOW = Date.now()
const SPAN = DAYS * 86_400_000
const USERS = 200_000
const DEVICES = 300_000
const IPS = 150_000

// ---------- deterministic synthetic events, shaped like the verifier's ----------
let seed = 0x9e3779b9
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const b64 = (n, len) =>
  Buffer.from(Array.from({ length: Math.ceil((len * 3) / 4) }, (_, i) => (n * 2654435761 + i * 40503) & 255))
    .toString('base64url')
    .slice(0, len)
const userHashes = Array.from({ length: USERS }, (_, i) => b64(i + 1, 43))
const emailHashes = Array.from({ length: USERS }, (_, i) => b64(i + 7_000_001, 43))
const deviceIds = Array.from({ length: DEVICES }, (_, i) => b64(i + 3_000_001, 43))
const ips = Array.from({ length: IPS }, (_, i) =>
  i % 3 === 0
    ? `2001:db8:${(i >> 8).toString(16)}::${(i & 255).toString(16)}`
    : `${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}`,
)
const hex16 = (n) => ((n * 2654435761) >>> 0).toString(16).padStart(8, '0') + ((n * 40503 + 17) >>> 0).toString(16).padStart(8, '0')

// Reason codes and the share of events carrying each (deny events add an automation code).
const REASONS = [
  ['FIRST_USER_DEVICE', 0.1, { seenBefore: false }],
  ['FIRST_USER', 0.03, {}],
  ['FOREIGN_IP', 0.02, { country: 'US' }],
  ['LOGIN_FAILURES', 0.01, { count: 4, windowMs: 900000 }],
  ['VELOCITY_IP_USERS', 0.01, { count: 12, limit: 10, windowMs: 3600000 }],
  ['DATACENTER_IP', 0.01, { provider: 'example-cloud' }],
  ['SIGNALS_MISSING', 0.005, { missing: ['fingerprint'] }],
  ['NG_DEVICE', 0.0005, {}],
  ['TOR_IP_MATCH', 0.0001, {}],
]
const AUTOMATION = [
  ['AUTOMATION', { finding: 'webdriver' }],
  ['HEADLESS', { finding: 'HeadlessChrome' }],
  ['SCRIPTED_TYPING', { keys: 24, spreadMs: 0.4 }],
]

function eventAt(i) {
  const at = NOW - SPAN + Math.floor((i * SPAN) / N)
  const user = Math.floor(rnd() * USERS)
  const device = (user * 3 + (rnd() < 0.2 ? 1 : 0)) % DEVICES
  const r = rnd()
  const decision = r < 0.9 ? 'allow' : r < 0.97 ? 'challenge' : 'deny'
  const reasons = []
  for (const [code, share, detail] of REASONS) if (rnd() < share) reasons.push({ code, weight: 10 + Math.floor(rnd() * 40), detail })
  if (decision === 'deny') {
    const [code, detail] = AUTOMATION[Math.floor(rnd() * AUTOMATION.length)]
    reasons.push({ code, weight: 100, detail })
  }
  const a = rnd()
  const event = {
    id: randomUUID(),
    at,
    action: a < 0.7 ? 'login' : a < 0.9 ? 'checkout' : 'register',
    decision,
    score:
      decision === 'allow' ? Math.floor(rnd() * 30) : decision === 'challenge' ? 40 + Math.floor(rnd() * 30) : 80 + Math.floor(rnd() * 20),
    reasons,
    mode: 'live',
    deviceId: deviceIds[device],
    ip: ips[(user * 7 + (rnd() < 0.1 ? 1 : 0)) % IPS],
    userHash: userHashes[user],
    loginHash: userHashes[user],
    ...(rnd() < 0.3 ? { emailHash: emailHashes[user] } : {}),
    fingerprint: { coarse: hex16(device), fine: hex16(device + 1) },
  }
  if (rnd() < 0.5) event.outcomes = [{ outcome: decision === 'deny' ? 'login_failed' : 'login_succeeded', at: at + 1500 }]
  if (rnd() < 0.0005) event.label = { label: rnd() < 0.7 ? 'fraud' : 'legit', at: at + 86_400_000 }
  return event
}

// ---------- PostgreSQL and Redis ----------
/**
 * The same events in the SQLite, Redis and memory stores: bytes per event (file size, Redis
 * `used_memory`, heap growth), to size a choice of store.
 */
async function otherStores(count, redisUrl) {
  const { mkdtemp, rm, stat } = await import('node:fs/promises')
  const { join } = await import('node:path')
  const os = await import('node:os')
  const { Redis } = await import('ioredis')
  const rows = []
  const dir = await mkdtemp(join(os.tmpdir(), 'kenchi-bench-sizes-'))
  try {
    const sqlite = await server.sqliteStore({ path: join(dir, 'events.db'), maxEvents: count * 2 })
    for (let i = 0; i < count; i++) await sqlite.recordEvent(eventAt(Math.floor((i * N) / count)))
    await sqlite.close()
    let bytes = 0
    for (const f of ['events.db', 'events.db-wal'])
      bytes += await stat(join(dir, f)).then(
        (s) => s.size,
        () => 0,
      )
    rows.push({ store: 'sqliteStore (file, WAL checkpointed at close)', events: count, bytesPerEvent: Math.round(bytes / count) })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const admin = new Redis(redisUrl)
  const used = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))[1])
  const redisBefore = await used()
  const redis = await server.redisStore({ url: redisUrl, prefix: 'sizes:', maxEvents: count * 2 })
  for (let i = 0; i < count; i++) await redis.recordEvent(eventAt(Math.floor((i * N) / count)))
  rows.push({ store: 'redisStore (used_memory growth)', events: count, bytesPerEvent: Math.round(((await used()) - redisBefore) / count) })
  await redis.close()
  const hotBefore = await used()
  for (let i = 0; i < count; i++) await admin.set(`copy:${i}`, JSON.stringify(eventAt(Math.floor((i * N) / count))), 'PX', 60_000)
  rows.push({
    store: 'splitStore hot copy in Redis (per event, for recentMs)',
    events: count,
    bytesPerEvent: Math.round(((await used()) - hotBefore) / count),
  })
  await admin.quit()
  global.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const memory = server.memoryStore({ maxEvents: count * 2 })
  for (let i = 0; i < count; i++) await memory.recordEvent(eventAt(Math.floor((i * N) / count)))
  global.gc?.()
  rows.push({
    store: 'memoryStore (heap growth, approximate)',
    events: count,
    bytesPerEvent: Math.round((process.memoryUsage().heapUsed - heapBefore) / count),
  })
  await memory.close()
  return rows
}

if (args['sizes-only']) {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  await new Promise((resolve) => setTimeout(resolve, 300))
  try {
    const rows = await otherStores(Number(args['other-stores']), `redis://127.0.0.1:${port}`)
    console.table(rows)
    console.log(`wrote ${await writeResult('history-stores', { otherStores: rows, machineShared: true })}`)
  } finally {
    child.kill('SIGKILL')
  }
  process.exit(0)
}

const pg = await startPostgres(['shared_buffers=512MB', 'maintenance_work_mem=256MB', 'max_wal_size=8GB', 'checkpoint_timeout=30min'])
const redisPort = await freePort()
const redisChild = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
  stdio: 'ignore',
})
await new Promise((resolve) => setTimeout(resolve, 300))
const redisUrl = `redis://127.0.0.1:${redisPort}`
const cleanup = async () => {
  redisChild.kill('SIGKILL')
  await pg.stop()
}
process.on('SIGINT', () => cleanup().then(() => process.exit(130)))
const url = pg.url
const results = {
  events: N,
  days: DAYS,
  machineShared: true,
  postgres: pg.version,
  redis: redisVersion(),
  versions: versions(['pg', 'ioredis']),
}

try {
  // ---- 1. a version-1 database, bulk load, upgrade to version 2
  await (await server.postgresStore({ connectionString: url, sweepIntervalMs: 0 })).close()
  await pg.psql(`
    DROP TRIGGER kenchi_events_added ON kenchi_events; DROP TRIGGER kenchi_events_removed ON kenchi_events;
    DROP FUNCTION kenchi_events_added(); DROP FUNCTION kenchi_events_removed(); DROP FUNCTION kenchi_event_codes(jsonb);
    DROP TABLE kenchi_event_reasons; DROP TABLE kenchi_event_counts;
    DROP INDEX kenchi_events_decision, kenchi_events_user, kenchi_events_device, kenchi_events_ip, kenchi_events_label;
    UPDATE kenchi_schema SET version = 1;`)
  console.log(`bulk load: ${N.toLocaleString('en')} events over ${DAYS} days (COPY … FROM STDIN, CSV)`)
  let t0 = performance.now()
  // The usual bulk load: COPY into the table without its secondary indexes, then build them.
  await pg.psql('ALTER TABLE kenchi_events DROP CONSTRAINT kenchi_events_id_key; DROP INDEX kenchi_events_at, kenchi_events_recorded;')
  const copy = pg.copy(`COPY kenchi_events (id, at, recorded, body) FROM STDIN WITH (FORMAT csv)`)
  let jsonBytes = 0
  for (let i = 0; i < N;) {
    let chunk = ''
    for (const end = Math.min(N, i + 2000); i < end; i++) {
      const e = eventAt(i)
      const json = JSON.stringify(e)
      jsonBytes += Buffer.byteLength(json)
      chunk += `${e.id},${e.at},${e.at},"${json.replaceAll('"', '""')}"\n`
    }
    if (!copy.stdin.write(chunk)) await once(copy.stdin, 'drain')
    if (i % 1_000_000 === 0) console.log(`  ${i.toLocaleString('en')} rows, ${secondsSince(t0)} s`)
  }
  copy.stdin.end()
  await copy.done
  const copySeconds = (performance.now() - t0) / 1000
  console.log(`  copied in ${copySeconds.toFixed(1)} s; building the version-1 indexes`)
  await pg.psql('ALTER TABLE kenchi_events ADD CONSTRAINT kenchi_events_id_key UNIQUE (id)')
  await pg.psql('CREATE INDEX kenchi_events_at ON kenchi_events (at DESC, seq DESC)')
  await pg.psql('CREATE INDEX kenchi_events_recorded ON kenchi_events (recorded)')
  const loadSeconds = (performance.now() - t0) / 1000
  results.bulkLoad = {
    method:
      'COPY FROM STDIN (CSV) through psql, rows generated by this process, into the version-1 table without its secondary indexes, then the unique id, at and recorded indexes built',
    copySeconds: +copySeconds.toFixed(1),
    seconds: +loadSeconds.toFixed(1),
    rowsPerSecond: Math.round(N / loadSeconds),
    jsonBytesPerEvent: Math.round(jsonBytes / N),
  }
  console.log(`  loaded in ${loadSeconds.toFixed(1)} s (${results.bulkLoad.rowsPerSecond.toLocaleString('en')} rows/s)`)

  t0 = performance.now()
  const store = await server.postgresStore({ connectionString: url, sweepIntervalMs: 0, maxConnections: 4, queryTimeout: 30_000 })
  results.upgrade = { from: 1, to: 2, seconds: +((performance.now() - t0) / 1000).toFixed(1) }
  console.log(`upgrade 1 → 2 in place (5 indexes, reasons and counts backfilled): ${results.upgrade.seconds} s`)
  t0 = performance.now()
  for (const table of ['kenchi_events', 'kenchi_event_reasons', 'kenchi_event_counts']) await pg.psql(`VACUUM ANALYZE ${table}`)
  results.upgrade.vacuumAnalyzeSeconds = +((performance.now() - t0) / 1000).toFixed(1)

  // ---- 2. sizes
  const sizes = {}
  for (const table of ['kenchi_events', 'kenchi_event_reasons', 'kenchi_event_counts']) {
    const [rows, heap, indexes, total] = (
      await pg.psql(
        `SELECT (SELECT count(*) FROM ${table}), pg_table_size('${table}'), pg_indexes_size('${table}'), pg_total_relation_size('${table}')`,
      )
    )
      .trim()
      .split('|')
      .map(Number)
    sizes[table] = {
      rows,
      tableBytes: heap,
      indexBytes: indexes,
      totalBytes: total,
      rowsPerEvent: +(rows / N).toFixed(3),
      bytesPerEvent: Math.round(total / N),
    }
  }
  const indexSizes = Object.fromEntries(
    (
      await pg.psql(
        `SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes WHERE relname IN ('kenchi_events', 'kenchi_event_reasons', 'kenchi_event_counts') ORDER BY 1`,
      )
    )
      .trim()
      .split('\n')
      .map((line) => line.split('|'))
      .map(([name, bytes]) => [name, Math.round(Number(bytes) / N)]),
  )
  const totalBytes = Object.values(sizes).reduce((n, s) => n + s.totalBytes, 0)
  results.size = {
    tables: sizes,
    indexBytesPerEvent: indexSizes,
    totalBytes,
    bytesPerEvent: Math.round(totalBytes / N),
    databaseBytes: Number((await pg.psql(`SELECT pg_database_size('postgres')`)).trim()),
  }
  console.table(Object.entries(sizes).map(([table, s]) => ({ table, ...s })))
  console.log(`all event tables: ${(totalBytes / 2 ** 30).toFixed(2)} GiB, ${results.size.bytesPerEvent} bytes per event`)

  // ---- 3. the console's queries
  const pick = (list) => list[Math.floor(Math.random() * list.length)]
  const recentUser = async () => (await store.queryEvents({ limit: 1, before: NOW - Math.floor(Math.random() * SPAN) }))[0]
  const sample = []
  for (let i = 0; i < 200; i++) sample.push(await recentUser())
  const pages = {
    'latest page': () => ({ limit: 50 }),
    'decision = deny': () => ({ limit: 50, decision: 'deny' }),
    'decision = challenge': () => ({ limit: 50, decision: 'challenge' }),
    'reason, common (FIRST_USER_DEVICE, 10 %)': () => ({ limit: 50, reason: 'FIRST_USER_DEVICE' }),
    'reason, rare (TOR_IP_MATCH, 0.01 %)': () => ({ limit: 50, reason: 'TOR_IP_MATCH' }),
    'user (≈ 50 events each)': () => ({ limit: 50, user: pick(sample).userHash }),
    device: () => ({ limit: 50, device: pick(sample).deviceId }),
    IP: () => ({ limit: 50, ip: pick(sample).ip }),
    'label = fraud': () => ({ limit: 50, label: 'fraud' }),
    'label = any': () => ({ limit: 50, label: 'any' }),
    'action = register (no own index)': () => ({ limit: 50, action: 'register' }),
    'deny + reason AUTOMATION': () => ({ limit: 50, decision: 'deny', reason: 'AUTOMATION' }),
    'deep page (deny, before a random time)': () => ({ limit: 50, decision: 'deny', before: NOW - Math.floor(Math.random() * SPAN) }),
    'one day, 20 days ago': () => ({ limit: 50, from: NOW - 21 * 86_400_000, to: NOW - 20 * 86_400_000 }),
  }
  const queryRows = []
  const time = async (name, fn) => {
    for (let i = 0; i < 3; i++) await fn() // warm-up
    const latencies = []
    let size = 0
    for (let i = 0; i < REPS; i++) {
      const t = performance.now()
      size = await fn()
      latencies.push(performance.now() - t)
    }
    const sorted = latencies.sort((a, b) => a - b)
    const at = (q) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2)
    queryRows.push({ query: name, runs: REPS, p50ms: at(0.5), p95ms: at(0.95), maxMs: +sorted.at(-1).toFixed(2), rows: size })
    console.log(queryRows.at(-1))
  }
  for (const [name, filter] of Object.entries(pages)) await time(name, async () => (await scanEvents(store, filter())).events.length)
  for (const window of ['24h', '30d']) {
    await time(
      `chart ${window} (eventStats: countEvents + latest 1 000 for scores and reasons)`,
      async () => (await eventStats(store, window, { now: NOW })).totals.events,
    )
    await time(`countEvents ${window} alone`, async () => {
      const span = window === '30d' ? 30 * 86_400_000 : 86_400_000
      return (await store.countEvents({ from: NOW - span, to: NOW, bucketMs: window === '30d' ? 86_400_000 : 3_600_000 })).length
    })
  }
  results.queries = queryRows
  console.table(queryRows)

  // ---- 4. write-behind throughput into the 10-million-event table
  const hot = await server.redisStore({ url: redisUrl, prefix: 'writes:' })
  const split = server.splitStore({ hot, history: store, maxPending: WRITES + 1 })
  const before = Number((await pg.psql('SELECT count(*) FROM kenchi_events')).trim())
  t0 = performance.now()
  let next = 0
  const producers = Array.from({ length: 8 }, async () => {
    while (next < WRITES) {
      const i = next++
      await split.recordEvent({ ...eventAt(i % N), id: randomUUID(), at: NOW + i })
    }
  })
  await Promise.all(producers)
  const queuedSeconds = (performance.now() - t0) / 1000
  let left = await split.flush()
  while (left > 0) left = await split.flush()
  const writeSeconds = (performance.now() - t0) / 1000
  const written = Number((await pg.psql('SELECT count(*) FROM kenchi_events')).trim()) - before
  results.writeBehind = {
    events: WRITES,
    written,
    recordSeconds: +queuedSeconds.toFixed(2),
    recordPerSecond: Math.round(WRITES / queuedSeconds),
    seconds: +writeSeconds.toFixed(2),
    eventsPerSecond: Math.round(written / writeSeconds),
    batchSize: 500,
    note: '8 producers in this process; each recordEvent also writes its hot copy to Redis; up to 4 writers drain batches of at most 500 events (one multi-row INSERT each, the reason and count triggers included) into the table already holding the bulk-loaded events',
  }
  console.log(
    `write-behind: ${written.toLocaleString('en')} events written in ${writeSeconds.toFixed(1)} s = ${results.writeBehind.eventsPerSecond.toLocaleString('en')} events/s (recordEvent: ${results.writeBehind.recordPerSecond.toLocaleString('en')}/s)`,
  )
  await hot.close()

  // ---- 5. verify(): Redis alone next to Redis + PostgreSQL
  const CUSTOMERS = 200
  const devices = []
  for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())
  const verifyRows = []
  const configs = {
    'Redis alone (redisStore)': async () => server.redisStore({ url: redisUrl, prefix: 'alone:' }),
    'split: Redis + PostgreSQL (10M events)': async () =>
      server.splitStore({
        hot: await server.redisStore({ url: redisUrl, prefix: 'split:' }),
        history: await server.postgresStore({ connectionString: url, sweepIntervalMs: 0 }),
      }),
  }
  // Alternate the two configurations in rounds so load from other work on the machine hits both alike.
  const rounds = 3
  const all = Object.fromEntries(Object.keys(configs).map((k) => [k, { latencies: [], seconds: 0 }]))
  const opened = {}
  for (const [name, make] of Object.entries(configs)) {
    const s = await make()
    const verifier = await makeVerifier(s)
    const warm = await makeTokens(verifier, CUSTOMERS, (i) => devices[i % CUSTOMERS])
    await runVerify(verifier, warm, { customers: CUSTOMERS, succeed: true })
    opened[name] = { store: s, verifier }
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, { verifier }] of Object.entries(opened)) {
      const tokens = await makeTokens(verifier, Math.ceil(TOKENS / rounds), (i) => devices[i % CUSTOMERS])
      const run = await runVerify(verifier, tokens, { customers: CUSTOMERS })
      all[name].latencies.push(...run.latencies)
      all[name].seconds += run.seconds
    }
  }
  for (const [name, { latencies, seconds }] of Object.entries(all))
    verifyRows.push(summarise(`verify() ${name}, default rules, returning customers`, latencies, seconds, { store: name }))
  for (const { store: s, verifier } of Object.values(opened)) {
    await verifier.flush()
    await s.close()
  }
  results.verify = verifyRows
  results.verify.push({ name: 'split adds (p50)', p50ms: +(verifyRows[1].p50ms - verifyRows[0].p50ms).toFixed(3) })
  console.table(verifyRows)
  await store.close()

  // ---- 6. the other stores, the same events
  results.otherStores = await otherStores(Number(args['other-stores']), redisUrl)
  console.table(results.otherStores)
} finally {
  await cleanup()
}

results.seconds = secondsSince(started)
console.log(`wrote ${await writeResult('history', results)} (${results.seconds} s)`)
