// The store conformance suites against PostgreSQL on a real temporary cluster started for this
// file (test/support/postgres.ts), plus what only this store has: in-place migrations, the
// per-call timeout that keeps verify()'s outage policy, and the sweep.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { POSTGRES_SCHEMA_VERSION, postgresStore } from '../../packages/server/src/stores/postgres.js'
import type { Store } from '../../packages/server/src/stores/types.js'
import { createVerifier } from '../../packages/server/src/verifier.js'
import { tokenFor } from '../support/tokens.js'
import { startPostgres, type TestPostgres } from '../support/postgres.js'
import { describeStoreConformance, type StoreBackend } from './conformance.js'
import { describeHistoryConformance } from './history-conformance.js'

const ORIGIN = 'https://shop.example'
const SECRET = 'postgres-test-secret-postgres-test-secret-01'

let pg: TestPostgres
let databases = 0
beforeAll(async () => {
  pg = await startPostgres()
}, 60_000)
afterAll(async () => {
  await pg?.stop()
})

describeStoreConformance('postgres', async () => {
  const name = `conformance${++databases}`
  const url = await pg.createDatabase(name)
  const opened: Store[] = []
  return {
    async open() {
      const store = await postgresStore({ connectionString: url })
      opened.push(store)
      return store
    },
    async dispose() {
      for (const store of opened) await store.close()
      await pg.dropDatabase(name)
    },
  } satisfies StoreBackend
})

describeHistoryConformance('postgres', async () => {
  const name = `history${++databases}`
  const store = await postgresStore({ connectionString: await pg.createDatabase(name) })
  return { ...store, close: async () => (await store.close(), await pg.dropDatabase(name)) }
})

describe('postgres store', () => {
  it('creates its schema once, keeps data across reopening, and two processes may migrate at once', async () => {
    const url = await pg.createDatabase('migrate')
    const [a, b] = await Promise.all([postgresStore({ connectionString: url }), postgresStore({ connectionString: url })])
    expect(await pg.psql('SELECT version FROM kenchi_schema', 'migrate')).toBe(`${POSTGRES_SCHEMA_VERSION}\n`)
    await a.setValue('k', 'v', 60_000)
    await a.close()
    await b.close()
    const c = await postgresStore({ connectionString: url })
    expect(await c.getValue('k')).toBe('v')
    expect(await pg.psql('SELECT count(*) FROM kenchi_schema', 'migrate')).toBe('1\n')
    await c.close()
    await pg.dropDatabase('migrate')
  })

  it('refuses a database written by a newer schema, and keeps tables apart by tablePrefix', async () => {
    const url = await pg.createDatabase('newer')
    const a = await postgresStore({ connectionString: url })
    await a.close()
    await pg.psql(`UPDATE kenchi_schema SET version = ${POSTGRES_SCHEMA_VERSION + 1}`, 'newer')
    await expect(postgresStore({ connectionString: url })).rejects.toMatchObject({
      code: 'CONFIG_STORE',
      message: expect.stringContaining(`schema version ${POSTGRES_SCHEMA_VERSION + 1}`),
    })
    const other = await postgresStore({ connectionString: url, tablePrefix: 'shop2_' })
    expect(await other.setIfAbsent('n', 60_000)).toBe(true)
    expect(await pg.psql('SELECT count(*) FROM shop2_flags', 'newer')).toBe('1\n')
    await other.close()
    await pg.dropDatabase('newer')
  })

  it('refuses bad options and an unreachable server with CONFIG_STORE', async () => {
    await expect(postgresStore({} as never)).rejects.toMatchObject({ code: 'CONFIG_STORE' })
    await expect(postgresStore({ connectionString: '' })).rejects.toMatchObject({ code: 'CONFIG_STORE' })
    await expect(postgresStore({ connectionString: pg.url, tablePrefix: 'x; DROP' })).rejects.toMatchObject({ code: 'CONFIG_STORE' })
    await expect(postgresStore({ connectionString: pg.url, maxConnections: 0 })).rejects.toMatchObject({ code: 'CONFIG_STORE' })
    // A closed port: nothing listens on port 1.
    await expect(postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', queryTimeout: 300 })).rejects.toMatchObject({
      code: 'CONFIG_STORE',
    })
  })

  it('rejects a call that takes longer than queryTimeout, and verify() answers STORE_UNAVAILABLE under onStoreError', async () => {
    const url = await pg.createDatabase('timeout')
    const store = await postgresStore({ connectionString: url, queryTimeout: 300 })
    const verifier = await createVerifier({
      keys: [{ id: 'k1', secret: SECRET }],
      origins: [ORIGIN],
      hashSecret: 'hash-secret-hash-secret-hash-secret-0001',
      store,
      policy: { onStoreError: 'deny' },
    })
    const token = await tokenFor((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
    // Another session holds an exclusive lock on the flags table: the nonce write waits for it.
    const locker = pg.psql('BEGIN; LOCK TABLE kenchi_flags IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2); COMMIT;', 'timeout')
    await new Promise((resolve) => setTimeout(resolve, 400))
    let t0 = performance.now()
    await expect(store.setIfAbsent('nonce:x', 60_000)).rejects.toThrow()
    const took = performance.now() - t0
    expect(took).toBeGreaterThanOrEqual(250)
    expect(took).toBeLessThan(1500)
    t0 = performance.now()
    const verdict = await verifier.verify(token, { action: 'login' })
    expect(performance.now() - t0).toBeLessThan(1500)
    expect(verdict.decision).toBe('deny')
    expect(verdict.reasons[0]?.code).toBe('STORE_UNAVAILABLE')
    await locker
    // Once the lock is gone the same store answers again.
    expect(await store.setIfAbsent('nonce:x', 60_000)).toBe(true)
    const fresh = await tokenFor((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
    expect((await verifier.verify(fresh, { action: 'login' })).decision).toBe('allow')
    await store.close()
    await pg.dropDatabase('timeout')
  })

  it('limits its pool to maxConnections', async () => {
    const url = await pg.createDatabase('pool')
    const store = await postgresStore({ connectionString: url, maxConnections: 2, queryTimeout: 2000 })
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.hit('burst', 60_000, 1_800_000_000_000 + i)))
    const n = Number(await pg.psql(`SELECT count(*) FROM pg_stat_activity WHERE datname = 'pool' AND application_name = 'kenchi'`))
    expect(n).toBeGreaterThan(0)
    expect(n).toBeLessThanOrEqual(2)
    expect(await store.countHits('burst', 60_000, 1_800_000_000_100)).toBe(30)
    await store.close()
    await pg.dropDatabase('pool')
  })

  it('sweeps expired rows and events past retention', async () => {
    const url = await pg.createDatabase('sweep')
    let now = 1_800_000_000_000
    const store = await postgresStore({ connectionString: url, now: () => now, eventRetentionMs: 1000, sweepIntervalMs: 0 })
    await store.setFlag('f', 100)
    await store.setValue('v', 'x', 100)
    await store.hit('h', 100, now)
    await store.recordEvent({ id: 'e1', at: now, action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live' })
    expect(await store.sweep()).toBe(0)
    now += 2000
    expect(await store.sweep()).toBe(4)
    expect(await store.getEvent('e1')).toBeUndefined()
    expect(
      await pg.psql(
        'SELECT (SELECT count(*) FROM kenchi_flags) + (SELECT count(*) FROM kenchi_values) + (SELECT count(*) FROM kenchi_hits)',
        'sweep',
      ),
    ).toBe('0\n')
    await store.close()
    await pg.dropDatabase('sweep')
  })
})
