// Retention on every store, with short retention periods: events leave `eventRetentionMs` after
// they were recorded (labelled `fraud` ones too), devices and user–device pairs
// `deviceRetentionMs` after they were last seen (`fraud` devices too). Memory, SQLite on a real
// file and PostgreSQL run on a test clock (the SQL stores' sweeps delete the rows); Redis runs on
// its own clock with real key expiry. The service passes `sites[].retention` to the store.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DevicePublicKey } from '@kenchi/protocol'
import { memoryStore } from '../../packages/server/src/stores/memory.js'
import { postgresStore } from '../../packages/server/src/stores/postgres.js'
import { redisStore } from '../../packages/server/src/stores/redis.js'
import { sqliteStore } from '../../packages/server/src/stores/sqlite.js'
import type { Store } from '../../packages/server/src/stores/types.js'
import { resolveConfig } from '../../packages/server/src/service/config.js'
import { createService } from '../../packages/server/src/service/index.js'
import { startPostgres, type TestPostgres } from '../support/postgres.js'
import { startRedis, type TestRedis } from '../support/redis.js'
import { twoSiteConfig } from '../service/support.js'

const KEY: DevicePublicKey = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) }
const RETENTION = { eventRetentionMs: 1000, deviceRetentionMs: 2000 }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A store with a clock the test moves: `advance` moves it (Redis: waits) and runs a sweep where the store has one. */
interface Clocked {
  store: Store
  now(): number
  advance(ms: number): Promise<void>
  close(): Promise<void>
}

function testClock(): { now: () => number; move: (ms: number) => void } {
  let t = Date.now()
  return { now: () => t, move: (ms) => void (t += ms) }
}

async function scenario(open: () => Promise<Clocked>): Promise<void> {
  const c = await open()
  const { store } = c
  try {
    await store.touchDevice('d1', KEY, c.now())
    await store.linkUserDevice('u1', 'd1', c.now())
    await store.setDeviceStatus('d1', 'fraud')
    await store.recordEvent({
      id: 'e1',
      at: c.now(),
      action: 'login',
      decision: 'deny',
      score: 90,
      reasons: [],
      mode: 'live',
      deviceId: 'd1',
      userHash: 'u1',
    })
    await store.updateEvent('e1', { label: { label: 'fraud', at: c.now() } })
    await c.advance(400)
    expect((await store.getEvent('e1'))?.label?.label).toBe('fraud')
    // Past the event retention: the labelled event is gone; the device and the pair stay.
    await c.advance(1100)
    await store.recordEvent({ id: 'e2', at: c.now(), action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live' })
    expect(await store.getEvent('e1')).toBeUndefined()
    expect((await store.listEvents({ limit: 10 })).map((e) => e.id)).toEqual(['e2'])
    expect((await store.getDevice('d1'))?.status).toBe('fraud')
    expect((await store.listUserDevices('u1')).map((l) => l.deviceId)).toEqual(['d1'])
    // Past the device retention: the fraud device and the pair are gone, the newer event stays.
    await c.advance(700)
    expect(await store.getDevice('d1')).toBeUndefined()
    expect(await store.listUserDevices('u1')).toEqual([])
    expect(await store.listDeviceUsers('d1')).toEqual([])
    expect((await store.getEvent('e2'))?.id).toBe('e2')
    const link = await store.linkUserDevice('u1', 'd1', c.now())
    expect(link.deviceSeen).toBe(false)
  } finally {
    await c.close()
  }
}

describe('retention', () => {
  let redis: TestRedis
  let pg: TestPostgres
  beforeAll(async () => {
    ;[redis, pg] = await Promise.all([startRedis(), startPostgres()])
  }, 60_000)
  afterAll(async () => {
    await Promise.all([redis?.stop(), pg?.stop()])
  })

  it('memory: drops events, devices and pairs past their retention', async () => {
    await scenario(async () => {
      const clock = testClock()
      const store = memoryStore({ ...RETENTION, now: clock.now })
      return { store, now: clock.now, advance: async (ms) => clock.move(ms), close: () => store.close() }
    })
  })

  it('sqlite (a real file): sweeps events, devices and pairs past their retention', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-retention-'))
    try {
      await scenario(async () => {
        const clock = testClock()
        const store = await sqliteStore({ path: join(dir, 'kenchi.db'), ...RETENTION, now: clock.now, sweepIntervalMs: 0 })
        return { store, now: clock.now, advance: async (ms) => (clock.move(ms), void (await store.sweep())), close: () => store.close() }
      })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('postgres: sweeps events, devices and pairs past their retention', async () => {
    const url = await pg.createDatabase('retention')
    await scenario(async () => {
      const clock = testClock()
      const store = await postgresStore({ connectionString: url, ...RETENTION, now: clock.now, sweepIntervalMs: 0 })
      return { store, now: clock.now, advance: async (ms) => (clock.move(ms), void (await store.sweep())), close: () => store.close() }
    })
  })

  it('redis: expires events, devices and pairs past their retention (key TTLs, real time)', async () => {
    await scenario(async () => {
      const store = await redisStore({ url: redis.url, prefix: 'retention:', ...RETENTION })
      return { store, now: Date.now, advance: async (ms) => void (await sleep(ms)), close: () => store.close() }
    })
  })

  it('the service passes sites[].retention (days) to each site’s store, and names a bad value', async () => {
    const config = twoSiteConfig() as any
    config.sites[0].retention = { events: 30, devices: 180 }
    const resolved = resolveConfig(config, {})
    expect(resolved.sites[0]!.retention).toEqual({ eventMs: 30 * 86_400_000, deviceMs: 180 * 86_400_000 })
    expect(resolved.sites[1]!.retention).toEqual({ eventMs: 90 * 86_400_000, deviceMs: 400 * 86_400_000 })
    for (const [bad, field] of [
      [{ events: 0 }, 'events'],
      [{ devices: 1.5 }, 'devices'],
      [{ events: '90' }, 'events'],
      [{ months: 3 }, 'months'],
    ] as const) {
      config.sites[0].retention = bad
      expect(() => resolveConfig(config, {})).toThrow(`sites[0].retention.${field}:`)
    }
    // One day of event retention on a real SQLite file: an event recorded more than a day ago (by the store's clock) is swept.
    const dir = mkdtempSync(join(tmpdir(), 'kenchi-retention-service-'))
    config.sites[0].retention = { events: 1 }
    const service = await createService({
      config: { ...config, store: { type: 'sqlite', path: join(dir, '{site}.db') } },
      clientDir: false,
      logger: false,
    })
    try {
      const store = service.sites.get('shop')!.store
      await store.recordEvent({ id: 'old', at: Date.now(), action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live' })
      const { default: Database } = await import('better-sqlite3')
      const db = new Database(join(dir, 'shop.db'))
      db.prepare('UPDATE kenchi_events SET recorded = ?').run(Date.now() - 86_400_000 - 1000)
      db.close()
      expect(await (store as Awaited<ReturnType<typeof sqliteStore>>).sweep()).toBe(1)
      expect(await store.getEvent('old')).toBeUndefined()
    } finally {
      await service.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
