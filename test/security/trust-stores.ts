// The three stores the device-trust tests run on: memory, SQLite on a real temporary file,
// and Redis on a real redis-server started on a free 127.0.0.1 port for the test file.
// `describeOnTrustStores(title, body)` runs `body` once per store; each `open()` gives a
// fresh, empty store, closed (and its files removed) by the caller's `store.close()`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe } from 'vitest'
import { memoryStore, redisStore, sqliteStore, type Store } from '@kenchi/server'
import { startRedis, type TestRedis } from '../support/redis.js'

/** Capacity bounds for the stores that have them (Redis bounds by retention and its own memory policy). */
export interface TrustBounds {
  maxDevices?: number
  maxEvents?: number
}

export interface TrustBackend {
  name: 'memory' | 'sqlite' | 'redis'
  /** A fresh, empty store, with small capacity bounds if given. */
  open(bounds?: TrustBounds): Promise<Store>
  /** Applies the capacity bounds now (SQLite enforces them in its timed sweep; the others as they write). */
  enforceBounds(store: Store): Promise<void>
}

let redis: TestRedis | undefined
let opened = 0

/** Runs `body` for the memory, SQLite and Redis stores; starts and stops the Redis server. */
export function describeOnTrustStores(title: string, body: (backend: TrustBackend) => void): void {
  beforeAll(async () => {
    redis ??= await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
    redis = undefined
  })
  const backends: TrustBackend[] = [
    { name: 'memory', open: async (bounds = {}) => memoryStore(bounds), enforceBounds: async () => undefined },
    {
      name: 'sqlite',
      async open(bounds = {}) {
        const dir = mkdtempSync(join(tmpdir(), 'kenchi-trust-'))
        const store = await sqliteStore({ path: join(dir, 'kenchi.db'), sweepIntervalMs: 0, ...bounds })
        return { ...store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) }
      },
      async enforceBounds(store) {
        await (store as Store & { sweep(): Promise<number> }).sweep()
      },
    },
    {
      name: 'redis',
      async open(bounds = {}) {
        if (!redis) throw new Error('redis-server not started')
        return redisStore({ url: redis.url, prefix: `trust${++opened}:`, ...(bounds.maxEvents ? { maxEvents: bounds.maxEvents } : {}) })
      },
      enforceBounds: async () => undefined,
    },
  ]
  for (const backend of backends) describe(`${title} (${backend.name} store)`, { timeout: 60_000 }, () => body(backend))
}
