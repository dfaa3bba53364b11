// The split store (hot state on memory or Redis, the event history on SQLite or PostgreSQL)
// through the store conformance suites on real backends, plus what only it has: events
// written behind the verdict, read-your-writes before the write, retries while the history
// is down, the bound, and a second process reading an event through the hot copy.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryStore } from '../../packages/server/src/stores/memory.js'
import { postgresStore } from '../../packages/server/src/stores/postgres.js'
import { redisStore } from '../../packages/server/src/stores/redis.js'
import { splitStore, type SplitStore } from '../../packages/server/src/stores/split.js'
import { sqliteStore } from '../../packages/server/src/stores/sqlite.js'
import type { EventRecord, Store } from '../../packages/server/src/stores/types.js'
import { createVerifier } from '../../packages/server/src/verifier.js'
import { startPostgres, type TestPostgres } from '../support/postgres.js'
import { startRedis, type TestRedis } from '../support/redis.js'
import { tokenFor } from '../support/tokens.js'
import { describeStoreConformance, type StoreBackend } from './conformance.js'
import { describeHistoryConformance } from './history-conformance.js'

const ORIGIN = 'https://shop.example'
const SECRET = 'split-test-secret-split-test-secret-0001'
const T = 1_800_000_000_000
const event = (id: string, at: number, extra: Partial<EventRecord> = {}): EventRecord => ({
  id,
  at,
  action: 'login',
  decision: 'allow',
  score: 0,
  reasons: [],
  mode: 'live',
  ...extra,
})
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A store that is not closed by the split store's close (a memory store shared by several split instances). */
const shared = (store: Store): Store => ({ ...store, close: async () => {} })

let pg: TestPostgres
let redis: TestRedis
let admin: Redis
let databases = 0
beforeAll(async () => {
  ;[pg, redis] = await Promise.all([startPostgres(), startRedis()])
  admin = new Redis(redis.url)
}, 60_000)
afterAll(async () => {
  await admin?.quit()
  await Promise.all([pg?.stop(), redis?.stop()])
})

describeStoreConformance('split (memory + sqlite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-split-'))
  const hot = memoryStore()
  const opened: Store[] = []
  return {
    async open() {
      const store = splitStore({ hot: shared(hot), history: await sqliteStore({ path: join(dir, 'history.db') }) })
      opened.push(store)
      return store
    },
    async dispose() {
      for (const store of opened) await store.close()
      await hot.close()
      rmSync(dir, { recursive: true, force: true })
    },
  } satisfies StoreBackend
})

describeStoreConformance('split (redis + postgres)', async () => {
  const name = `conformance${++databases}`
  const url = await pg.createDatabase(name)
  const prefix = `${name}:`
  const opened: Store[] = []
  return {
    async open() {
      const store = splitStore({
        hot: await redisStore({ url: redis.url, prefix }),
        history: await postgresStore({ connectionString: url }),
      })
      opened.push(store)
      return store
    },
    async dispose() {
      for (const store of opened) await store.close()
      const keys = await admin.keys(`${prefix}*`)
      if (keys.length > 0) await admin.del(...keys)
      await pg.dropDatabase(name)
    },
  } satisfies StoreBackend
})

describeHistoryConformance('split (redis + postgres)', async () => {
  const name = `history${++databases}`
  const store = splitStore({
    hot: await redisStore({ url: redis.url, prefix: `${name}:` }),
    history: await postgresStore({ connectionString: await pg.createDatabase(name) }),
  })
  return { ...store, close: async () => (await store.close(), await pg.dropDatabase(name)) }
})

/** A history store whose event methods fail while `down` is set (the rest delegates). */
function switchable(inner: Store): Store & { down: boolean; writes: number } {
  const wrapper = {
    ...inner,
    down: false,
    writes: 0,
    async recordEvent(e: EventRecord) {
      if (wrapper.down) throw new Error('history down')
      wrapper.writes++
      return inner.recordEvent(e)
    },
    async getEvent(id: string) {
      if (wrapper.down) throw new Error('history down')
      return inner.getEvent(id)
    },
    async updateEvent(id: string, patch: Parameters<Store['updateEvent']>[1]) {
      if (wrapper.down) throw new Error('history down')
      return inner.updateEvent(id, patch)
    },
  }
  return wrapper
}

describe('split store', () => {
  it('routes hot state to the hot store and events to the history', async () => {
    const hot = memoryStore()
    const history = memoryStore()
    const store = splitStore({ hot, history, recentMs: 0 })
    expect(await store.setIfAbsent('nonce:1', 60_000)).toBe(true)
    expect(await hot.has('nonce:1')).toBe(true)
    expect(await history.has('nonce:1')).toBe(false)
    await store.touchDevice('dev', { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) }, T)
    expect(await hot.getDevice('dev')).toBeDefined()
    expect(await history.getDevice('dev')).toBeUndefined()
    await store.recordEvent(event('e1', T))
    expect(await store.flush()).toBe(0)
    expect(await history.getEvent('e1')).toEqual(event('e1', T))
    expect(await hot.getEvent('e1')).toBeUndefined()
    await store.close()
  })

  it('erases an event a writer is writing at that moment once, and no write lands after the erasure', async () => {
    const inner = memoryStore()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let started!: () => void
    const writing = new Promise<void>((resolve) => (started = resolve))
    const history: Store = {
      ...inner,
      async recordEvent(e: EventRecord) {
        started()
        await gate
        return inner.recordEvent(e)
      },
    }
    const store = splitStore({ hot: memoryStore(), history })
    await store.recordEvent(event('mine', T, { userHash: 'u-a' }))
    await store.recordEvent(event('other', T, { userHash: 'u-b' }))
    await writing // the writer holds both events now
    const erasure = store.eraseUserEvents('u-a')
    await sleep(20)
    release()
    expect(await erasure).toEqual({ deleted: 1, minimized: 0 })
    expect(await store.flush()).toBe(0)
    expect(await inner.getEvent('mine')).toBeUndefined()
    expect(await inner.getEvent('other')).toBeDefined()
    await store.close()
  })

  it('refuses bad options', () => {
    const m = memoryStore()
    expect(() => splitStore({ hot: m, history: m })).toThrow(/two different stores/)
    expect(() => splitStore({ hot: m } as never)).toThrow(/both be stores/)
    expect(() => splitStore({ hot: m, history: memoryStore(), maxPending: 0 })).toThrow(/maxPending/)
    expect(() => splitStore({ hot: m, history: memoryStore(), recentMs: -1 })).toThrow(/recentMs/)
  })

  it('keeps events while the history is down, reads them, labels them, and writes them once it is back', async () => {
    const history = switchable(memoryStore())
    const store = splitStore({ hot: memoryStore(), history, minRetryMs: 20, maxRetryMs: 40 })
    history.down = true
    await store.recordEvent(event('a', T))
    await store.recordEvent(event('b', T + 1))
    expect(store.pending).toBe(2)
    // The console and reportOutcome see them: the list merges what waits.
    expect((await store.listEvents()).map((e) => e.id)).toEqual(['b', 'a'])
    // An update needs the history: it rejects (the verifier keeps it in its write queue).
    await expect(store.updateEvent('a', { label: { label: 'fraud', at: T + 5 } })).rejects.toThrow('history down')
    history.down = false
    await sleep(150)
    expect(store.pending).toBe(0)
    expect((await history.listEvents()).map((e) => e.id)).toEqual(['b', 'a'])
    expect((await store.updateEvent('a', { label: { label: 'fraud', at: T + 5 } }))?.label?.label).toBe('fraud')
    await store.close()
  })

  it('updates an event that is still waiting: writes it first, then applies the patch', async () => {
    const history = switchable(memoryStore())
    const store = splitStore({ hot: memoryStore(), history, minRetryMs: 10_000 })
    history.down = true
    await store.recordEvent(event('w', T))
    history.down = false // the writer waits for its retry timer; the update does not
    const updated = await store.updateEvent('w', { outcome: { outcome: 'login_failed', at: T + 1 } })
    expect(updated?.outcomes).toEqual([{ outcome: 'login_failed', at: T + 1 }])
    expect(store.pending).toBe(0)
    expect((await history.getEvent('w'))?.outcomes).toHaveLength(1)
    expect(await store.updateEvent('nothing', { outcome: { outcome: 'login_failed', at: T } })).toBeUndefined()
    await store.close()
  })

  it('bounds the queue: recordEvent rejects when maxPending events wait, and verify() reports it', async () => {
    const history = switchable(memoryStore())
    const store = splitStore({ hot: memoryStore(), history, maxPending: 2, minRetryMs: 10_000 })
    history.down = true
    await store.recordEvent(event('1', T))
    await store.recordEvent(event('2', T))
    await expect(store.recordEvent(event('3', T))).rejects.toThrow(/2 events waiting/)
    // Recording an id already waiting keeps the first and is not refused.
    await expect(store.recordEvent(event('1', T + 9))).resolves.toBeUndefined()
    history.down = false
    expect(await store.flush()).toBe(0)
    expect((await history.getEvent('1'))?.at).toBe(T)
    expect(await history.getEvent('3')).toBeUndefined()
    await store.close()
  })

  it('lets a second process read and label an event through the hot copy before the first wrote it', async () => {
    const hot = memoryStore()
    const db = memoryStore()
    const slow = switchable(db)
    const a = splitStore({ hot: shared(hot), history: slow, minRetryMs: 10_000 })
    const b = splitStore({ hot: shared(hot), history: shared(db) })
    slow.down = true // process a cannot write yet
    await a.recordEvent(event('x', T, { decision: 'deny', score: 90 }))
    expect((await b.getEvent('x'))?.decision).toBe('deny')
    expect((await b.updateEvent('x', { label: { label: 'fraud', at: T + 1 } }))?.label?.label).toBe('fraud')
    slow.down = false
    expect(await a.flush()).toBe(0) // a's write of its copy keeps the first record: the label stays
    expect((await db.getEvent('x'))?.label?.label).toBe('fraud')
    await a.close()
    await b.close()
    await hot.close()
    await db.close()
  })

  it('close() writes what waits before closing both stores', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-split-'))
    const path = join(dir, 'history.db')
    const store = splitStore({ hot: memoryStore(), history: await sqliteStore({ path }) })
    for (let i = 0; i < 50; i++) await store.recordEvent(event(`c${i}`, T + i))
    await store.close()
    const reopened = await sqliteStore({ path })
    expect(await reopened.listEvents({ limit: 1000 })).toHaveLength(50)
    await reopened.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers verify() without waiting for a locked history table, and writes the event after', async () => {
    const name = `locked${++databases}`
    const url = await pg.createDatabase(name)
    const history = await postgresStore({ connectionString: url, queryTimeout: 5_000 })
    const store: SplitStore = splitStore({ hot: await redisStore({ url: redis.url, prefix: `${name}:` }), history, minRetryMs: 50 })
    const verifier = await createVerifier({
      keys: [{ id: 'k1', secret: SECRET }],
      origins: [ORIGIN],
      hashSecret: 'hash-secret-hash-secret-hash-secret-0001',
      store,
    })
    const token = await tokenFor((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
    const locker = pg.psql('BEGIN; LOCK TABLE kenchi_events IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(1.5); COMMIT;', name)
    await sleep(300)
    const t0 = performance.now()
    const verdict = await verifier.verify(token, { action: 'login' })
    expect(performance.now() - t0).toBeLessThan(500)
    expect(verdict.decision).toBe('allow')
    expect(verdict.reasons.map((r) => r.code)).not.toContain('STORE_UNAVAILABLE')
    expect(store.pending).toBe(1)
    await locker
    expect(await store.flush()).toBe(0)
    expect((await history.getEvent(verdict.eventId))?.id).toBe(verdict.eventId)
    expect(await verifier.reportOutcome(verdict.eventId, 'login_succeeded')).toBe('recorded')
    verifier.close()
    await store.close()
    await pg.dropDatabase(name)
  })
})
