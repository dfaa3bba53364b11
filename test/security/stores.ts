// The four stores for the security tests: memory, SQLite on a real temporary file, Redis on
// a real redis-server started on a free 127.0.0.1 port, PostgreSQL on a temporary cluster
// (test/support/postgres.ts), a database per test. Each test gets a fresh store (its
// own file, or its own key prefix on the shared server) wrapped so it can be made to fail:
// `outage.start()` makes every store call reject (as a dead or unreachable store does)
// until `outage.end()`; the data underneath is kept, as when a network path comes back.
//
//   describeEachStore('the outbox', (open) => {
//     it('...', async () => {
//       const { store, outage, dispose } = await open()
//       ...
//     })
//   })
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe } from 'vitest'
import { memoryStore, type MemoryStoreOptions } from '../../packages/server/src/stores/memory.js'
import { postgresStore } from '../../packages/server/src/stores/postgres.js'
import { redisStore } from '../../packages/server/src/stores/redis.js'
import { sqliteStore } from '../../packages/server/src/stores/sqlite.js'
import type { Store } from '../../packages/server/src/stores/types.js'
import { startPostgres, type TestPostgres } from '../support/postgres.js'
import { startRedis, type TestRedis } from '../support/redis.js'

export type StoreKind = 'memory' | 'sqlite' | 'redis' | 'postgres'

/** Switches a store wrapper between working and failing. */
export interface Outage {
  /** Every store call rejects from now on (calls already running finish normally). */
  start(): void
  /** Calls reach the store again. */
  end(): void
  /** Whether the outage is on. */
  readonly on: boolean
  /** Store calls refused during outages so far. */
  readonly refused: number
}

export interface OpenedStore {
  kind: StoreKind
  /** The wrapped store: pass it to the verifier. */
  store: Store
  /** The real store underneath, for reading state during an outage. */
  raw: Store
  outage: Outage
  /** For `redis`: the real server, to kill (`stop()`), restart or freeze (`pause()`) it. */
  redis?: TestRedis
}

export interface OpenOptions {
  /** Options for the memory store (ignored by the others). */
  memory?: MemoryStoreOptions
}

/** Wraps a store so that every method rejects while the outage is on. */
export function withOutage(store: Store): { store: Store; outage: Outage } {
  let on = false
  let refused = 0
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (typeof value !== 'function' || property === 'close') return value
      return (...args: unknown[]) => {
        if (on) {
          refused++
          return Promise.reject(new Error('simulated store outage'))
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return {
    store: wrapped,
    outage: {
      start: () => void (on = true),
      end: () => void (on = false),
      get on() {
        return on
      },
      get refused() {
        return refused
      },
    },
  }
}

/**
 * Runs `body` once per store kind, inside `describe('<name> (<kind>)')`. `open()` gives a
 * fresh store for the test, closed after it; the Redis server is started once per kind
 * block and stopped after it.
 */
export function describeEachStore(
  name: string,
  body: (open: (options?: OpenOptions) => Promise<OpenedStore>, kind: StoreKind) => void,
  kinds: readonly StoreKind[] = ['memory', 'sqlite', 'redis', 'postgres'],
): void {
  for (const kind of kinds) {
    describe(`${name} (${kind})`, () => {
      let redis: TestRedis | undefined
      let postgres: TestPostgres | undefined
      let dir: string | undefined
      let count = 0
      const opened: Store[] = []
      beforeAll(async () => {
        if (kind === 'redis') redis = await startRedis()
        if (kind === 'postgres') postgres = await startPostgres()
        if (kind === 'sqlite') dir = mkdtempSync(join(tmpdir(), 'kenchi-security-'))
      })
      afterEach(async () => {
        for (const store of opened.splice(0)) await store.close()
        // A test that froze or killed the server leaves it running for the next one.
        redis?.resume()
      })
      afterAll(async () => {
        await redis?.stop()
        await postgres?.stop()
        if (dir) rmSync(dir, { recursive: true, force: true })
      })
      const open = async (options: OpenOptions = {}): Promise<OpenedStore> => {
        count++
        const raw =
          kind === 'memory'
            ? memoryStore(options.memory)
            : kind === 'sqlite'
              ? await sqliteStore({ path: join(dir!, `store-${count}.db`) })
              : kind === 'redis'
                ? await redisStore({ url: redis!.url, prefix: `sec${count}:` })
                : await postgresStore({ connectionString: await postgres!.createDatabase(`sec${count}`) })
        opened.push(raw)
        return { kind, raw, ...withOutage(raw), ...(redis ? { redis } : {}) }
      }
      body(open, kind)
    })
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `condition()` is true, polling, or throws after `ms`. */
export async function until(condition: () => boolean | Promise<boolean>, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}
