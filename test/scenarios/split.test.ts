// The attack and customer scenarios on split storage: hot state on a real Redis, events on a
// real PostgreSQL, written behind the verdict.
import { postgresStore, redisStore, splitStore } from '@kenchi/server'
import { afterAll, beforeAll } from 'vitest'
import { startPostgres, type TestPostgres } from '../support/postgres.js'
import { startRedis, type TestRedis } from '../support/redis.js'
import { describeScenarios } from './scenarios.js'

let pg: TestPostgres
let redis: TestRedis
let n = 0
beforeAll(async () => {
  ;[pg, redis] = await Promise.all([startPostgres(), startRedis()])
}, 60_000)
afterAll(async () => {
  await Promise.all([pg?.stop(), redis?.stop()])
})

describeScenarios('split (redis + postgres)', async () => {
  const name = `scenario${++n}`
  const store = splitStore({
    hot: await redisStore({ url: redis.url, prefix: `${name}:` }),
    history: await postgresStore({ connectionString: await pg.createDatabase(name) }),
  })
  return { ...store, close: async () => (await store.close(), await pg.dropDatabase(name)) }
})
