// What only the SQLite store has: persistence across reopen, WAL and the schema version,
// expiry by its clock and sweeps, retention and bounds, and failure as rejection.
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KenchiError } from '../../packages/server/src/errors.js'
import { sqliteStore, SQLITE_SCHEMA_VERSION, type SqliteStoreOptions } from '../../packages/server/src/stores/sqlite.js'
import type { EventRecord, Store } from '../../packages/server/src/stores/types.js'
import { createVerifier } from '../../packages/server/src/verifier.js'
import { tokenFor } from '../support/tokens.js'

const KEY = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } as const
const T = 1_800_000_000_000
const ORIGIN = 'https://shop.example'
const SECRET = 'sqlite-test-secret-sqlite-test-secret-01'

const root = new URL('../..', import.meta.url)

/** Runs a module script in its own Node process (built @kenchi/server) and resolves its JSON output. */
function inProcess(script: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
    )
  })
}

const event = (id: string, at: number): EventRecord => ({ id, at, action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live' })

let dir: string
let path: string
const open: Store[] = []

async function store(options: Partial<SqliteStoreOptions> = {}) {
  const s = await sqliteStore({ path, ...options })
  open.push(s)
  return s
}

/** Counts rows through a separate connection, as another process would see them. */
function rows(table: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  } finally {
    db.close()
  }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kenchi-sqlite-'))
  path = join(dir, 'kenchi.db')
})

afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('sqliteStore', () => {
  it('keeps everything across close and reopen', async () => {
    const first = await store()
    expect(await first.setIfAbsent('nonce:p', 60_000)).toBe(true)
    expect(await first.hit('h', 60_000, T)).toBe(1)
    expect(await first.addDistinct('d', 'u1', 60_000, T)).toBe(1)
    await first.touchDevice('dev', KEY, T)
    await first.setDeviceStatus('dev', 'valid')
    await first.recordEvent(event('ev', T))
    await first.updateEvent('ev', { outcome: { outcome: 'login_succeeded', at: T + 1 }, label: { label: 'legit', at: T + 2 } })
    await first.close()

    const second = await store()
    expect(await second.setIfAbsent('nonce:p', 60_000)).toBe(false)
    expect(await second.hit('h', 60_000, T + 1)).toBe(2)
    expect(await second.addDistinct('d', 'u2', 60_000, T + 1)).toBe(2)
    expect(await second.getDevice('dev')).toEqual({ id: 'dev', publicKey: KEY, status: 'valid', firstSeen: T, lastSeen: T })
    expect(await second.getEvent('ev')).toEqual({
      ...event('ev', T),
      outcomes: [{ outcome: 'login_succeeded', at: T + 1 }],
      label: { label: 'legit', at: T + 2 },
    })
    expect((await second.listEvents()).map((e) => e.id)).toEqual(['ev'])
  })

  it('stays atomic across processes sharing one file', async () => {
    await (await store()).close() // create the schema once, as an app's first start would
    const N = 300
    const worker = (run: number, id: number) => `
      const { sqliteStore } = await import('@kenchi/server')
      const store = await sqliteStore({ path: ${JSON.stringify(path)} })
      const won = [], counts = [], firsts = []
      // A barrier: wait until all four have opened the store, so their calls interleave.
      while ((await store.addDistinct('ready:${run}', 'w${id}', 600000, ${T})) < 4) await new Promise((resolve) => setTimeout(resolve, 5))
      for (let i = 0; i < ${N}; i++) {
        if (await store.setIfAbsent('nonce:${run}:' + i, 60000)) won.push(i)
        counts.push(await store.hit('shared:${run}', 60000, ${T}))
        if ((await store.touchDevice('dev:${run}:' + i, ${JSON.stringify(KEY)}, ${T})).before === undefined) firsts.push(i)
      }
      await store.close()
      console.log(JSON.stringify({ won, counts, firsts }))`
    // On a busy two-core machine the OS may now and then run one process to the end before
    // the others start; such a run proves nothing about atomicity, so it is run again (up to
    // five times) until at least two processes really ran side by side (each won some of the
    // same nonces). Every run must be correct.
    let interleaved = false
    for (let run = 0; run < 5 && !interleaved; run++) {
      const results = (await Promise.all(Array.from({ length: 4 }, (_, id) => inProcess(worker(run, id))))) as Array<{
        won: number[]
        counts: number[]
        firsts: number[]
      }>
      const won = results.flatMap((r) => r.won).sort((a, b) => a - b)
      expect(won).toEqual(Array.from({ length: N }, (_, i) => i)) // every nonce won exactly once
      const counts = results.flatMap((r) => r.counts).sort((a, b) => a - b)
      expect(counts).toEqual(Array.from({ length: 4 * N }, (_, i) => i + 1)) // no lost or doubled hit
      expect(results.flatMap((r) => r.firsts)).toHaveLength(N) // each device first seen once
      interleaved = results.filter((r) => r.won.length > 0).length >= 2
    }
    expect(interleaved).toBe(true)
  })

  it('runs in WAL mode with its schema version recorded, and refuses a newer schema', async () => {
    const s = await store()
    await s.close()
    const db = new Database(path)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.prepare(`SELECT value FROM kenchi_meta WHERE name = 'schema_version'`).get()).toEqual({
      value: String(SQLITE_SCHEMA_VERSION),
    })
    db.prepare(`UPDATE kenchi_meta SET value = ? WHERE name = 'schema_version'`).run(String(SQLITE_SCHEMA_VERSION + 1))
    db.close()
    const error = await sqliteStore({ path }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KenchiError)
    expect(error).toMatchObject({
      code: 'CONFIG_STORE',
      message: expect.stringMatching(new RegExp(`schema version ${SQLITE_SCHEMA_VERSION + 1}`)),
    })
  })

  it('upgrades a version 1 database in place: its data stays and values work', async () => {
    const s = await store()
    await s.setFlag('ng-ip:203.0.113.9', 60_000)
    await s.touchDevice('dev-1', { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) }, Date.now())
    await s.close()
    // What a version 1 file looked like: no values table (version 2), no user indexes on events (version 3).
    const db = new Database(path)
    db.exec(
      `DROP TABLE kenchi_values; DROP INDEX kenchi_events_user; DROP INDEX kenchi_events_login; UPDATE kenchi_meta SET value = '1' WHERE name = 'schema_version'`,
    )
    db.close()
    const upgraded = await sqliteStore({ path })
    open.push(upgraded)
    expect(await upgraded.has('ng-ip:203.0.113.9')).toBe(true)
    expect((await upgraded.getDevice('dev-1'))?.id).toBe('dev-1')
    await upgraded.setValue('profile:x', 'kept', 60_000)
    expect(await upgraded.getValue('profile:x')).toBe('kept')
    const check = new Database(path, { readonly: true })
    expect(check.prepare(`SELECT value FROM kenchi_meta WHERE name = 'schema_version'`).get()).toEqual({
      value: String(SQLITE_SCHEMA_VERSION),
    })
    expect(
      check.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'kenchi_events_%' ORDER BY name`).all(),
    ).toEqual(['kenchi_events_at', 'kenchi_events_login', 'kenchi_events_recorded', 'kenchi_events_user'].map((name) => ({ name })))
    check.close()
  })

  it('works on :memory: for quick use', async () => {
    const s = await sqliteStore({ path: ':memory:' })
    open.push(s)
    expect(await s.setIfAbsent('a', 1000)).toBe(true)
    expect(await s.setIfAbsent('a', 1000)).toBe(false)
  })

  it('refuses bad options with CONFIG_STORE', async () => {
    for (const options of [
      { path: '' },
      { path, maxKeys: 0 },
      { path, busyTimeoutMs: -1 },
      { path, sweepBatch: Number.NaN },
      { path, checkpointIntervalMs: -1 },
      { path, synchronous: 'off' as 'full' },
    ]) {
      await expect(sqliteStore(options), JSON.stringify(options)).rejects.toMatchObject({ code: 'CONFIG_STORE' })
    }
  })

  it('ignores expired keys on read, by its clock, before any sweep', async () => {
    let now = T
    const s = await store({ now: () => now, sweepIntervalMs: 0 })
    expect(await s.setIfAbsent('n', 100)).toBe(true)
    now += 99
    expect(await s.setIfAbsent('n', 100)).toBe(false)
    now += 1
    expect(await s.setIfAbsent('n', 100)).toBe(true)
  })

  it('never evicts a live flag: over maxKeys it refuses new ones until some expire', async () => {
    let now = T
    const s = (await store({ now: () => now, sweepIntervalMs: 0, maxKeys: 3 })) as Awaited<ReturnType<typeof sqliteStore>>
    for (const n of ['a', 'b', 'c']) expect(await s.setIfAbsent(`nonce:${n}`, 60_000)).toBe(true)
    await s.sweep()
    await expect(s.setIfAbsent('nonce:d', 60_000)).rejects.toThrow(/live flags/)
    expect(await s.has('nonce:a')).toBe(true) // still remembered: no replay
    now += 60_001
    await s.sweep()
    expect(await s.setIfAbsent('nonce:d', 60_000)).toBe(true)
  })

  it('sweeps expired rows, old devices and events, and rows over the bounds', async () => {
    let now = T
    const s = (await store({
      now: () => now,
      sweepIntervalMs: 0,
      maxDevices: 3,
      maxEvents: 4,
      maxValues: 2,
      deviceRetentionMs: 10_000,
      eventRetentionMs: 20_000,
    })) as Awaited<ReturnType<typeof sqliteStore>>
    for (let i = 0; i < 10; i++) await s.setIfAbsent(`short${i}`, 1000)
    await s.setIfAbsent('long', 60_000)
    await s.hit('h', 1000, now)
    await s.addDistinct('d', 'm', 1000, now)
    for (let i = 0; i < 5; i++) {
      await s.touchDevice(`dev${i}`, KEY, now)
      await s.recordEvent(event(`ev${i}`, now))
      now += 1
    }
    await s.setValue('v-soon', 'x', 5000)
    await s.setValue('v-later', 'y', 50_000)
    await s.setValue('v-latest', 'z', 90_000)
    expect(rows('kenchi_flags')).toBe(11)
    expect(rows('kenchi_devices')).toBe(5)
    expect(rows('kenchi_events')).toBe(5)
    expect(rows('kenchi_values')).toBe(3)

    await s.sweep() // nothing expired yet: only the bounds apply
    expect(rows('kenchi_flags')).toBe(11)
    expect(rows('kenchi_values')).toBe(2)
    expect(await s.getValue('v-soon')).toBeUndefined() // closest to expiry went first
    expect(await s.getValue('v-latest')).toBe('z')
    expect(rows('kenchi_devices')).toBe(3)
    expect(await s.getDevice('dev0')).toBeUndefined() // least recently seen went first
    expect(await s.getDevice('dev4')).toBeDefined()
    expect((await s.listEvents()).map((e) => e.id)).toEqual(['ev4', 'ev3', 'ev2', 'ev1'])

    now += 2000
    expect(await s.sweep()).toBe(12) // 10 short keys, the hit, the distinct member
    expect(rows('kenchi_flags')).toBe(1)
    expect(rows('kenchi_hits')).toBe(0)
    expect(rows('kenchi_distinct')).toBe(0)

    now += 10_000
    await s.touchDevice('dev4', KEY, now) // seen again: kept
    await s.sweep()
    expect(rows('kenchi_devices')).toBe(1)
    now += 10_000
    await s.sweep()
    expect(rows('kenchi_events')).toBe(0)
    expect(await s.setIfAbsent('long', 60_000)).toBe(false)
    now += 40_000
    expect(await s.setIfAbsent('long', 60_000)).toBe(true) // its minute is over
  })

  it('deletes expired rows as it writes, without a timer', async () => {
    let now = T
    const s = await store({ now: () => now, sweepIntervalMs: 0 })
    for (let i = 0; i < 999; i++) await s.setIfAbsent(`k${i}`, 10)
    now += 100
    expect(rows('kenchi_flags')).toBe(999)
    await s.setIfAbsent('fresh', 60_000) // the 1000th write
    expect(rows('kenchi_flags')).toBe(1)
  })

  it('bounds and retires user–device pairs', async () => {
    let now = T
    const s = (await store({ now: () => now, sweepIntervalMs: 0, maxLinks: 2, deviceRetentionMs: 10_000 })) as Awaited<
      ReturnType<typeof sqliteStore>
    >
    await s.linkUserDevice('u1', 'd1', T)
    now += 1
    await s.linkUserDevice('u1', 'd2', T + 1)
    now += 1
    await s.linkUserDevice('u2', 'd1', T + 2)
    await s.sweep()
    expect((await s.listUserDevices('u1')).map((r) => r.deviceId)).toEqual(['d2']) // the least recently used went
    now += 10_000
    await s.trustUserDevice('u2', 'd1', T + 3) // used again: kept
    await s.sweep()
    expect(rows('kenchi_links')).toBe(1)
    expect(await s.listDeviceUsers('d1')).toEqual([{ userHash: 'u2', deviceId: 'd1', firstSeen: T + 2, lastSeen: T + 3, trusted: true }])
  })

  it('sweeps on a timer', async () => {
    const s = await store({ sweepIntervalMs: 50 })
    for (let i = 0; i < 20; i++) await s.setIfAbsent(`k${i}`, 1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(rows('kenchi_flags')).toBe(0)
  })

  it('bounds one counter or distinct set to maxEntriesPerKey, dropping the oldest', async () => {
    const s = await store({ maxEntriesPerKey: 3 })
    for (let i = 0; i < 5; i++) expect(await s.hit('h', 60_000, T + i)).toBe(Math.min(i + 1, 3))
    for (let i = 0; i < 5; i++) expect(await s.addDistinct('d', `m${i}`, 60_000, T + i)).toBe(Math.min(i + 1, 3))
    expect(rows('kenchi_hits')).toBe(3)
    expect(rows('kenchi_distinct')).toBe(3)
  })

  it('rejects (never crashes) when closed, and the verifier answers STORE_UNAVAILABLE under its policy', async () => {
    const s = await store()
    const verifier = await createVerifier({
      keys: [{ id: 'k1', secret: SECRET }],
      origins: [ORIGIN],
      hashSecret: 'hash-secret-hash-secret-hash-secret-0001',
      store: s,
      policy: { onStoreError: 'deny' },
    })
    const token = await tokenFor((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
    await s.close()
    await expect(s.setIfAbsent('x', 1000)).rejects.toThrow()
    await expect(s.getEvent('x')).rejects.toThrow()
    const verdict = await verifier.verify(token, { action: 'login' })
    expect(verdict.decision).toBe('deny')
    expect(verdict.reasons[0]?.code).toBe('STORE_UNAVAILABLE')
  })

  it('rejects within busyTimeoutMs while another connection holds the write lock', async () => {
    const s = await store({ busyTimeoutMs: 100 })
    const verifier = await createVerifier({
      keys: [{ id: 'k1', secret: SECRET }],
      origins: [ORIGIN],
      hashSecret: 'hash-secret-hash-secret-hash-secret-0001',
      store: s,
    })
    const token = await tokenFor((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
    const locker = new Database(path)
    locker.exec('BEGIN EXCLUSIVE')
    try {
      const started = performance.now()
      await expect(s.setIfAbsent('locked', 1000)).rejects.toMatchObject({ code: 'SQLITE_BUSY' })
      const verdict = await verifier.verify(token, { action: 'login' })
      expect(performance.now() - started).toBeLessThan(2000)
      expect(verdict.decision).toBe('challenge') // the default onStoreError
      expect(verdict.reasons[0]?.code).toBe('STORE_UNAVAILABLE')
    } finally {
      locker.exec('ROLLBACK')
      locker.close()
    }
    // The lock is gone: the same store works again, and the token was never consumed.
    expect((await verifier.verify(token, { action: 'login' })).decision).toBe('allow')
  })
})

describe('sqliteStore checkpoints and connection settings', () => {
  /** Events in the main database file alone (a copy without its WAL): what a checkpoint has written back. */
  function checkpointedEvents(): number {
    const copy = join(dir, 'main-only.db')
    copyFileSync(path, copy)
    const db = new Database(copy, { readonly: true })
    try {
      return (db.prepare('SELECT count(*) AS n FROM kenchi_events').get() as { n: number }).n
    } catch {
      return 0 // not even the schema has been checkpointed yet
    } finally {
      db.close()
      rmSync(copy, { force: true })
    }
  }

  /**
   * Enough single-row transactions to take the WAL past SQLite's 1000-page automatic checkpoint
   * (each event commit writes several pages: row, overflow, three indexes) and short of the 10 000-page backstop.
   */
  async function fillWal(s: Store, n = 600) {
    const reasons: EventRecord['reasons'] = [{ code: 'FIRST_USER_DEVICE', weight: 10, detail: { note: 'x'.repeat(3000) } }]
    for (let i = 0; i < n; i++) await s.recordEvent({ ...event(`e${i}`, T + i), reasons })
  }

  it('reports its settings: WAL, synchronous NORMAL, the background checkpointer and the backstop', async () => {
    const s = await store()
    expect(await s.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 1,
      walAutocheckpoint: 10_000,
      busyTimeoutMs: 2000,
      checkpointer: true,
    })
    const inline = await sqliteStore({ path: join(dir, 'inline.db'), checkpointIntervalMs: 0, synchronous: 'full', busyTimeoutMs: 50 })
    open.push(inline)
    expect(await inline.settings()).toEqual({
      journalMode: 'wal',
      synchronous: 2,
      walAutocheckpoint: 1000,
      busyTimeoutMs: 50,
      checkpointer: false,
    })
    const memory = await sqliteStore({ path: ':memory:' })
    open.push(memory)
    expect(await memory.settings()).toMatchObject({ journalMode: 'memory', checkpointer: false })
  })

  it('never checkpoints inside a call while the checkpointer runs; the checkpointer writes the WAL back', async () => {
    const s = await store({ checkpointIntervalMs: 60_000 })
    await fillWal(s)
    expect(checkpointedEvents()).toBe(0) // 600 commits, over 1000 WAL pages: no call checkpointed
    await s.close()
    expect(checkpointedEvents()).toBe(600) // the last connection's close checkpoints
    expect(existsSync(`${path}-wal`)).toBe(false)

    const often = await store({ checkpointIntervalMs: 50 })
    await often.recordEvent(event('late', T))
    const until = performance.now() + 10_000
    while (checkpointedEvents() < 601 && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(checkpointedEvents()).toBe(601) // written back by the worker thread, the store still open
    expect(await often.getEvent('late')).toMatchObject({ id: 'late' })
  })

  it('with checkpointIntervalMs 0, SQLite checkpoints inside the calls that cross 1000 WAL pages (the old behaviour)', async () => {
    const s = await store({ checkpointIntervalMs: 0 })
    await fillWal(s)
    expect(checkpointedEvents()).toBeGreaterThan(0)
  })
})
