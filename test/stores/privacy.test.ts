// Privacy requests end to end on every store (memory, SQLite on a real file, Redis, PostgreSQL):
// a real verifier records logins, outcomes, a fraud label, counters and a typing profile for two
// customers sharing a device; exportUser finds everything about one of them through the keyed
// hash of the user id and login id, eraseUser removes it (a fraud-labelled event kept minimized,
// the fraud device kept, the shared device and the other customer untouched), and a second
// export finds nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createVerifier,
  eraseUser,
  exportUser,
  memoryStore,
  postgresStore,
  redisStore,
  sqliteStore,
  userHashOf,
  type Store,
} from '../../packages/server/src/index.js'
import { storeTypingProfiles } from '../../packages/server/src/rules/index.js'
import { startPostgres, type TestPostgres } from '../support/postgres.js'
import { startRedis, type TestRedis } from '../support/redis.js'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../support/tokens.js'

const ORIGIN = 'https://shop.example'
let redis: TestRedis
let pg: TestPostgres
const cleanups: Array<() => Promise<void>> = []
beforeAll(async () => {
  ;[redis, pg] = await Promise.all([startRedis(), startPostgres()])
}, 60_000)
afterAll(async () => {
  for (const c of cleanups) await c()
  await Promise.all([redis?.stop(), pg?.stop()])
})

const STORES: Array<[string, () => Promise<Store>]> = [
  ['memory', async () => memoryStore()],
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kenchi-privacy-'))
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
      return sqliteStore({ path: join(dir, 'kenchi.db') })
    },
  ],
  ['redis', async () => redisStore({ url: redis.url, prefix: `privacy${randomBytes(4).toString('hex')}:` })],
  ['postgres', async () => postgresStore({ connectionString: await pg.createDatabase(`privacy${randomBytes(4).toString('hex')}`) })],
]

describe.each(STORES)('privacy requests on the %s store', (_name, makeStore) => {
  it('exports everything about a customer, erases it, and leaves others alone', async () => {
    const store = await makeStore()
    const hashSecret = randomBytes(32)
    const verifier = await createVerifier({ keys: [{ id: 'k', secret: randomBytes(32) }], hashSecret, origins: [ORIGIN], store })
    const login = async (device: TestDevice, context: { userId?: string; loginId?: string }) => {
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      const token = await tokenFor(challenge, { device, origin: ORIGIN, signals: withOwnFingerprint(humanSignals(), device) })
      return verifier.verify(token, { action: 'login', ip: '198.51.100.8', email: 'taro@example.jp', ...context })
    }
    try {
      const shared = await newDevice()
      const own = await newDevice()
      const taro = { userId: 'taro', loginId: 'taro@example.jp' }
      const home = await login(shared, taro)
      await verifier.reportOutcome(home.eventId, 'login_succeeded')
      const stolen = await login(own, taro)
      await verifier.label(stolen.eventId, 'fraud', { comment: 'Taro Yamada phoned: not him' })
      const guess = await login(own, { loginId: 'taro@example.jp' })
      await verifier.reportOutcome(guess.eventId, 'login_failed')
      const hanako = await login(shared, { userId: 'hanako' })
      await verifier.reportOutcome(hanako.eventId, 'login_succeeded')
      await verifier.flush()
      const taroHash = verifier.hashIdentity('user', 'taro')
      const loginHash = verifier.hashIdentity('user', 'taro@example.jp')
      expect(userHashOf(hashSecret, 'taro')).toBe(taroHash)
      await storeTypingProfiles(store).set(taroHash, { v: 1, sigs: {}, order: [] })

      const exported = await exportUser(store, taro, { hashSecret })
      expect(exported.format).toBe('kenchi-user-export/1')
      expect(exported.userHashes.sort()).toEqual([taroHash, loginHash].sort())
      expect(exported.events.map((e) => e.id).sort()).toEqual([home.eventId, stolen.eventId, guess.eventId].sort())
      expect(exported.events.find((e) => e.id === stolen.eventId)?.label).toMatchObject({
        label: 'fraud',
        comment: 'Taro Yamada phoned: not him',
      })
      expect(exported.devices.map((d) => d.link.deviceId).sort()).toEqual([home.device!.id, stolen.device!.id].sort())
      expect(exported.devices.find((d) => d.link.deviceId === stolen.device!.id)?.device?.status).toBe('fraud')
      expect(exported.fingerprints.length).toBeGreaterThan(0)
      expect(exported.typingProfile).toEqual({ v: 1, sigs: {}, order: [] })
      expect(exported.counters[`login-failed:user:${loginHash}`]).toBe(1)
      expect(JSON.stringify(exported)).not.toContain('taro@example.jp')

      const erased = await eraseUser(store, { loginId: 'taro@example.jp', userId: 'taro' }, { hashSecret })
      expect(erased).toMatchObject({ events: 2, minimizedEvents: 1, devices: 0, keptFraudDevices: 1 })
      expect(erased.links).toBeGreaterThanOrEqual(2)

      const after = await exportUser(store, taro, { hashSecret })
      expect(after).toMatchObject({ events: [], devices: [], fingerprints: [], counters: {} })
      expect(after.typingProfile).toBeUndefined()
      // The fraud-labelled event stays, minimized: nothing in it points to Taro any more.
      const kept = await store.getEvent(stolen.eventId)
      expect(kept).toMatchObject({ decision: stolen.decision, deviceId: stolen.device!.id, label: { label: 'fraud' } })
      expect(kept?.label?.comment).toBeUndefined()
      for (const field of ['userHash', 'loginHash', 'emailHash', 'ip'] as const) expect(kept?.[field]).toBeUndefined()
      expect((await store.getDevice(stolen.device!.id))?.status).toBe('fraud')
      // Hanako, who shares a device with Taro, keeps her event, her pair and the device.
      expect((await store.getEvent(hanako.eventId))?.userHash).toBe(verifier.hashIdentity('user', 'hanako'))
      expect((await store.listUserDevices(verifier.hashIdentity('user', 'hanako'))).map((l) => l.deviceId)).toEqual([home.device!.id])
      expect(await store.getDevice(home.device!.id)).toBeDefined()
      // Idempotent: a second erasure finds nothing.
      expect(await eraseUser(store, taro, { hashSecret })).toMatchObject({ events: 0, minimizedEvents: 0, links: 0, devices: 0 })
    } finally {
      verifier.close()
      await store.close()
    }
  }, 30_000)

  it('erases fraud-labelled events and devices too with keepFraud: false, and refuses a request without an identifier', async () => {
    const store = await makeStore()
    const hashSecret = randomBytes(32)
    const verifier = await createVerifier({ keys: [{ id: 'k', secret: randomBytes(32) }], hashSecret, origins: [ORIGIN], store })
    try {
      const device = await newDevice()
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      const verdict = await verifier.verify(await tokenFor(challenge, { device, origin: ORIGIN }), { action: 'login', userId: 'jiro' })
      await verifier.reportOutcome(verdict.eventId, 'login_succeeded')
      await verifier.label(verdict.eventId, 'fraud')
      await verifier.flush()
      expect((await store.getDevice(verdict.device!.id))?.status).toBe('fraud')
      expect(await eraseUser(store, { userId: 'jiro' }, { hashSecret, keepFraud: false })).toMatchObject({
        events: 1,
        minimizedEvents: 0,
        devices: 1,
        keptFraudDevices: 0,
      })
      expect(await store.getEvent(verdict.eventId)).toBeUndefined()
      expect(await store.getDevice(verdict.device!.id)).toBeUndefined()
      await expect(eraseUser(store, {}, { hashSecret })).rejects.toMatchObject({ code: 'PRIVACY_SUBJECT' })
      await expect(exportUser(store, { userId: 'jiro' })).rejects.toMatchObject({ code: 'PRIVACY_SUBJECT' })
      await expect(exportUser(store, { userHash: 'not a hash' })).rejects.toMatchObject({ code: 'PRIVACY_SUBJECT' })
      expect((await exportUser(store, { userHash: verifier.hashIdentity('user', 'jiro') })).events).toEqual([])
    } finally {
      verifier.close()
      await store.close()
    }
  }, 30_000)
})
