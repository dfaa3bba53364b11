// One option name, one meaning, in every store that takes it: `maxFlags` bounds live flags
// in memory and SQLite alike, `maxCounters` bounds counters, `timeoutMs` bounds a call in
// Redis and PostgreSQL; the deprecated names (`maxKeys`, `commandTimeout`, `queryTimeout`)
// still work with their old meaning, and the new name wins when both are given.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { memoryStore, type MemoryStoreOptions } from '../../packages/server/src/stores/memory.js'
import { postgresStore } from '../../packages/server/src/stores/postgres.js'
import { redisStore } from '../../packages/server/src/stores/redis.js'
import { sqliteStore, type SqliteStoreOptions } from '../../packages/server/src/stores/sqlite.js'
import type { Store } from '../../packages/server/src/stores/types.js'

const dir = mkdtempSync(join(tmpdir(), 'kenchi-options-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const T = 1_800_000_000_000

type FlagOptions = Pick<MemoryStoreOptions & SqliteStoreOptions, 'maxFlags' | 'maxKeys'>
const FLAG_STORES: Array<{
  name: string
  open: (options: FlagOptions, now: () => number) => Promise<Store & { sweep?: () => Promise<number> }>
}> = [
  { name: 'memoryStore', open: async (options, now) => memoryStore({ ...options, now }) },
  { name: 'sqliteStore', open: (options, now) => sqliteStore({ path: join(dir, `f${++files}.db`), sweepIntervalMs: 0, ...options, now }) },
]

/** How many live flags the store takes before it refuses one. */
async function flagsTaken(store: Store & { sweep?: () => Promise<number> }): Promise<number> {
  for (let i = 0; i < 20; i++) {
    await store.sweep?.() // SQLite counts its flags in sweeps
    const ok = await store.setIfAbsent(`nonce:${i}`, 60_000).then(
      () => true,
      () => false,
    )
    if (!ok) return i
  }
  return Infinity
}

describe('store options: one name, one meaning', () => {
  for (const { name, open } of FLAG_STORES) {
    it(`${name}: maxFlags bounds live flags; maxKeys is no longer read when maxFlags is given`, async () => {
      const store = await open({ maxFlags: 3, ...(name === 'sqliteStore' ? { maxKeys: 10 } : {}) }, () => T)
      expect(await flagsTaken(store)).toBe(3)
      await store.close()
    })
  }

  it('sqliteStore: the deprecated maxKeys still bounds live flags there', async () => {
    const store = await sqliteStore({ path: join(dir, `f${++files}.db`), sweepIntervalMs: 0, maxKeys: 2, now: () => T })
    expect(await flagsTaken(store)).toBe(2)
    await store.close()
  })

  it('memoryStore: maxCounters bounds counters, and the deprecated maxKeys still does', async () => {
    for (const options of [{ maxCounters: 5 }, { maxKeys: 5 }, { maxCounters: 5, maxKeys: 1000 }]) {
      const store = memoryStore(options)
      for (let i = 0; i < 8; i++) await store.hit(`c${i}`, 60_000, 1)
      expect(await store.countHits('c7', 60_000, 1), JSON.stringify(options)).toBe(1)
      expect(await store.countHits('c2', 60_000, 1), JSON.stringify(options)).toBe(0) // evicted: only 5 kept
      expect(await store.countHits('c3', 60_000, 1), JSON.stringify(options)).toBe(1)
      await store.close()
    }
  })

  it('memoryStore: bad bounds throw CONFIG_STORE naming the option (0 once made a counter insert loop forever)', () => {
    for (const [options, named] of [
      [{ maxCounters: 0 }, 'maxCounters'],
      [{ maxKeys: 0 }, 'maxKeys'],
      [{ maxFlags: Number.NaN }, 'maxFlags'],
      [{ maxEvents: -1 }, 'maxEvents'],
      [{ maxValues: '5' as unknown as number }, 'maxValues'],
    ] as const) {
      expect(() => memoryStore(options), named).toThrow(
        expect.objectContaining({ code: 'CONFIG_STORE', message: expect.stringContaining(`memoryStore: ${named}`) }),
      )
    }
  })

  it('redisStore and postgresStore: timeoutMs is read first, the deprecated names after it', async () => {
    const redis = { url: 'redis://127.0.0.1:1', readyTimeout: 0 }
    await expect(redisStore({ ...redis, timeoutMs: 0, commandTimeout: 500 })).rejects.toMatchObject({
      code: 'CONFIG_STORE',
      message: expect.stringContaining('timeoutMs'),
    })
    await expect(redisStore({ ...redis, commandTimeout: 0 })).rejects.toMatchObject({
      code: 'CONFIG_STORE',
      message: expect.stringContaining('commandTimeout'),
    })
    const pg = { connectionString: 'postgres://kenchi@127.0.0.1:1/kenchi' }
    await expect(postgresStore({ ...pg, timeoutMs: 0, queryTimeout: 500 })).rejects.toMatchObject({
      code: 'CONFIG_STORE',
      message: expect.stringContaining('timeoutMs'),
    })
    await expect(postgresStore({ ...pg, queryTimeout: 0 })).rejects.toMatchObject({
      code: 'CONFIG_STORE',
      message: expect.stringContaining('queryTimeout'),
    })
  })
})
