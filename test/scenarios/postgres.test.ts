import { postgresStore } from '@kenchi/server'
import { afterAll, beforeAll } from 'vitest'
import { startPostgres, type TestPostgres } from '../support/postgres.js'
import { describeScenarios } from './scenarios.js'

let pg: TestPostgres
let databases = 0
beforeAll(async () => {
  pg = await startPostgres()
}, 60_000)
afterAll(async () => {
  await pg?.stop()
})

describeScenarios('postgres', async () => {
  const name = `scenario${++databases}`
  const store = await postgresStore({ connectionString: await pg.createDatabase(name) })
  return { ...store, close: async () => (await store.close(), await pg.dropDatabase(name)) }
})
