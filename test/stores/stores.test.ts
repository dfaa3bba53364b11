// The store conformance suite against the three implementations: memory, SQLite on a real
// temporary file, and Redis on a real redis-server started for this file.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Cluster, Redis } from 'ioredis'
import { afterAll, beforeAll } from 'vitest'
import { memoryStore } from '../../packages/server/src/stores/memory.js'
import { redisStore } from '../../packages/server/src/stores/redis.js'
import { sqliteStore } from '../../packages/server/src/stores/sqlite.js'
import type { Store } from '../../packages/server/src/stores/types.js'
import { startRedis, startRedisCluster, type TestRedis, type TestRedisCluster } from '../support/redis.js'
import { describeStoreConformance, type StoreBackend } from './conformance.js'
import { describeHistoryConformance } from './history-conformance.js'

describeStoreConformance('memory', async () => {
  const store = memoryStore()
  return { open: async () => store, dispose: () => store.close() }
})

describeStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-sqlite-'))
  const opened: Store[] = []
  return {
    async open() {
      const store = await sqliteStore({ path: join(dir, 'kenchi.db') })
      opened.push(store)
      return store
    },
    async dispose() {
      for (const store of opened) await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  } satisfies StoreBackend
})

let redis: TestRedis
let admin: Redis
let backends = 0
beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
})
afterAll(async () => {
  await admin?.quit()
  await redis?.stop()
})

describeStoreConformance('redis', async () => {
  const prefix = `conformance${++backends}:`
  const opened: Store[] = []
  return {
    async open() {
      const store = await redisStore({ url: redis.url, prefix })
      opened.push(store)
      return store
    },
    async dispose() {
      for (const store of opened) await store.close()
      const keys = await admin.keys(`${prefix}*`)
      if (keys.length > 0) await admin.del(...keys)
    },
  } satisfies StoreBackend
})

// Redis Cluster: three masters, the store on an app-provided ioredis Cluster client. Proves
// that no command or script crosses hash slots (CROSSSLOT) and that scripts route correctly.
let cluster: TestRedisCluster
beforeAll(async () => {
  cluster = await startRedisCluster()
})
afterAll(async () => {
  await cluster?.stop()
})

describeStoreConformance('redis cluster', async () => {
  const prefix = `conformance${++backends}:`
  const clients: Cluster[] = []
  const opened: Store[] = []
  return {
    async open() {
      const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })))
      clients.push(client)
      const store = await redisStore({ client, prefix })
      opened.push(store)
      return store
    },
    async dispose() {
      for (const store of opened) await store.close()
      for (const client of clients) client.disconnect()
    },
  } satisfies StoreBackend
})

// The primitives behind device history, negative flags and velocity reads, on every store.
describeHistoryConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-sqlite-'))
  const store = await sqliteStore({ path: join(dir, 'kenchi.db') })
  return { ...store, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) }
})
describeHistoryConformance('redis', async () => redisStore({ url: redis.url, prefix: `history${++backends}:` }))
describeHistoryConformance('redis cluster', async () => {
  const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })))
  const store = await redisStore({ client, prefix: `history${++backends}:` })
  return { ...store, close: async () => (await store.close(), client.disconnect()) }
})
