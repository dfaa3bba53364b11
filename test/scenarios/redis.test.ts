import { redisStore } from '@kenchi/server'
import { afterAll, beforeAll } from 'vitest'
import { startRedis, type TestRedis } from '../support/redis.js'
import { describeScenarios } from './scenarios.js'

let redis: TestRedis
let stores = 0
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  await redis?.stop()
})

describeScenarios('redis', async () => redisStore({ url: redis.url, prefix: `scenario${++stores}:` }))
