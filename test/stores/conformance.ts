// One conformance suite for every Store implementation: each method with the edge cases its
// doc comment in packages/server/src/stores/types.ts promises. A backend that can be opened
// twice (two SQLite connections to one file, two Redis clients) also runs the cross-instance
// tests, including two real verifiers racing on one token.
import { afterEach, describe, expect, it } from 'vitest'
import type { DevicePublicKey } from '@kenchi/protocol'
import { createVerifier } from '../../packages/server/src/verifier.js'
import { MAX_STORE_VALUE, type EventRecord, type Store } from '../../packages/server/src/stores/types.js'
import { callOp, GateClosed, runBatch, type OpAnswer, type StoreOp } from '../../packages/server/src/stores/batch.js'
import { tokenFor } from '../support/tokens.js'

export interface StoreBackend {
  /**
   * Opens a store instance on this backend. Each call is another instance (another
   * connection, another client) over the same data; a backend that cannot be shared
   * (memory) returns the same instance again.
   */
  open(): Promise<Store>
  /** Closes what the test left open and removes the backend (temporary file, keys). */
  dispose(): Promise<void>
}

const KEY: DevicePublicKey = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) }
const OTHER_KEY: DevicePublicKey = { kty: 'EC', crv: 'P-256', x: 'C'.repeat(43), y: 'D'.repeat(43) }
const ORIGIN = 'https://shop.example'
const SECRET = 'conformance-secret-conformance-secret-01'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function event(id: string, at: number, extra: Partial<EventRecord> = {}): EventRecord {
  return { id, at, action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live', ...extra }
}

/** Registers the conformance tests for one store implementation. `backend` gives a fresh, empty backend per test. */
export function describeStoreConformance(name: string, backend: () => Promise<StoreBackend>): void {
  describe(`Store conformance: ${name}`, () => {
    let current: StoreBackend | undefined
    const T = 1_800_000_000_000 // a fixed "now" for windows and records

    async function open(): Promise<Store> {
      current ??= await backend()
      return current.open()
    }

    afterEach(async () => {
      await current?.dispose()
      current = undefined
    })

    describe('setIfAbsent', () => {
      it('sets a key once, keys are independent, and it is settable again after its TTL', async () => {
        const store = await open()
        expect(await store.setIfAbsent('nonce:a', 600)).toBe(true)
        expect(await store.setIfAbsent('nonce:a', 600)).toBe(false)
        expect(await store.setIfAbsent('nonce:b', 600)).toBe(true)
        expect(await store.setIfAbsent('nonce:a', 600)).toBe(false)
        await sleep(800)
        expect(await store.setIfAbsent('nonce:a', 600)).toBe(true)
        expect(await store.setIfAbsent('nonce:a', 600)).toBe(false)
      })

      it('keeps a long TTL key set', async () => {
        const store = await open()
        expect(await store.setIfAbsent('nonce:long', 60_000)).toBe(true)
        await sleep(50)
        expect(await store.setIfAbsent('nonce:long', 60_000)).toBe(false)
      })

      it('answers 50 concurrent calls with exactly one winner', async () => {
        const store = await open()
        const results = await Promise.all(Array.from({ length: 50 }, () => store.setIfAbsent('nonce:race', 60_000)))
        expect(results.filter((r) => r === true)).toHaveLength(1)
        expect(results.filter((r) => r === false)).toHaveLength(49)
      })
    })

    describe('hit', () => {
      it('counts hits in (now - windowMs, now], this one included', async () => {
        const store = await open()
        const w = 60_000
        expect(await store.hit('ip:1', w, T)).toBe(1)
        expect(await store.hit('ip:1', w, T + 30_000)).toBe(2)
        // The hit at T sits exactly on the open lower bound now: out.
        expect(await store.hit('ip:1', w, T + 60_000)).toBe(2)
        expect(await store.hit('ip:1', w, T + 60_001)).toBe(3)
        expect(await store.hit('ip:1', w, T + 90_000)).toBe(3) // T+30 000 out
        expect(await store.hit('ip:1', w, T + 500_000)).toBe(1) // all earlier ones out
        expect(await store.hit('ip:2', w, T + 500_000)).toBe(1) // keys are independent
      })

      it('counts repeated hits at the same time separately', async () => {
        const store = await open()
        for (let i = 1; i <= 5; i++) expect(await store.hit('same-ms', 1000, T)).toBe(i)
      })

      it('is atomic: 40 concurrent hits resolve 1..40 each once', async () => {
        const store = await open()
        const counts = await Promise.all(Array.from({ length: 40 }, () => store.hit('burst', 60_000, T)))
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
      })
    })

    describe('addDistinct', () => {
      it('counts distinct members in (now - windowMs, now], a repeat keeping its latest time', async () => {
        const store = await open()
        const w = 60_000
        expect(await store.addDistinct('ip-users:1', 'u1', w, T)).toBe(1)
        expect(await store.addDistinct('ip-users:1', 'u2', w, T + 10)).toBe(2)
        expect(await store.addDistinct('ip-users:1', 'u1', w, T + 20)).toBe(2) // repeat, now seen at T+20
        expect(await store.addDistinct('ip-users:1', 'u3', w, T + 30)).toBe(3)
        // At T+10+w, u2 (seen at T+10) is exactly on the bound: out. u1 (T+20) and u3 (T+30) stay.
        expect(await store.addDistinct('ip-users:1', 'u3', w, T + 10 + w)).toBe(2)
        expect(await store.addDistinct('ip-users:1', 'u2', w, T + 11 + w)).toBe(3) // u2 back
        expect(await store.addDistinct('ip-users:1', 'u4', w, T + 21 + w)).toBe(3) // u1 out, u4 in
        expect(await store.addDistinct('ip-users:1', 'u9', w, T + 10 * w)).toBe(1)
        expect(await store.addDistinct('ip-users:2', 'u1', w, T + 10 * w)).toBe(1) // keys are independent
      })

      it('is atomic: concurrent distinct members count 1..n, a repeated member stays 1', async () => {
        const store = await open()
        const counts = await Promise.all(Array.from({ length: 30 }, (_, i) => store.addDistinct('d', `m${i}`, 60_000, T)))
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
        const same = await Promise.all(Array.from({ length: 20 }, () => store.addDistinct('d-same', 'only', 60_000, T)))
        expect(same).toEqual(Array.from({ length: 20 }, () => 1))
      })

      it('keeps the latest time of a member whose sighting arrives out of order', async () => {
        const store = await open()
        const w = 60_000
        expect(await store.addDistinct('late', 'u1', w, T + 100)).toBe(1)
        expect(await store.addDistinct('late', 'u1', w, T + 50)).toBe(1) // this one included
        expect(await store.addDistinct('late', 'u0', w, T + 60)).toBe(1) // u1 (T+100) is after now
        // (T+50, T+50+w]: u1 still counts at T+100, u0 at T+60.
        expect(await store.addDistinct('late', 'u2', w, T + 50 + w)).toBe(3)
        expect(await store.addDistinct('late', 'u3', w, T + 100 + w)).toBe(2) // u1 and u0 out: u2 and u3
      })

      it('takes members with any characters', async () => {
        const store = await open()
        expect(await store.addDistinct('emails', 'ユーザー@例え.jp', 1000, T)).toBe(1)
        expect(await store.addDistinct('emails', 'a:b {c} "d"', 1000, T)).toBe(2)
        expect(await store.addDistinct('emails', 'ユーザー@例え.jp', 1000, T)).toBe(2)
      })
    })

    describe('devices', () => {
      it('creates the record on first sight as waiting, then updates lastSeen and keeps firstSeen', async () => {
        const store = await open()
        const first = await store.touchDevice('dev1', KEY, T)
        expect(first.before).toBeUndefined()
        expect(first.after).toEqual({ id: 'dev1', publicKey: KEY, status: 'waiting', firstSeen: T, lastSeen: T })
        const second = await store.touchDevice('dev1', OTHER_KEY, T + 5000)
        expect(second.before).toEqual(first.after)
        expect(second.after).toEqual({ id: 'dev1', publicKey: KEY, status: 'waiting', firstSeen: T, lastSeen: T + 5000 })
        // A late, out-of-order sighting never moves lastSeen back.
        const late = await store.touchDevice('dev1', KEY, T + 1000)
        expect(late.after.lastSeen).toBe(T + 5000)
        expect(await store.getDevice('dev1')).toEqual(late.after)
        expect(await store.getDevice('nobody')).toBeUndefined()
      })

      it('sets a status, keeps it across sightings, and leaves unknown devices unknown', async () => {
        const store = await open()
        expect(await store.setDeviceStatus('ghost', 'fraud')).toBeUndefined()
        expect(await store.getDevice('ghost')).toBeUndefined()
        await store.touchDevice('dev2', KEY, T)
        expect(await store.setDeviceStatus('dev2', 'fraud')).toEqual({
          id: 'dev2',
          publicKey: KEY,
          status: 'fraud',
          firstSeen: T,
          lastSeen: T,
        })
        expect((await store.getDevice('dev2'))?.status).toBe('fraud')
        const touched = await store.touchDevice('dev2', KEY, T + 1)
        expect(touched.before?.status).toBe('fraud')
        expect(touched.after.status).toBe('fraud')
        expect((await store.setDeviceStatus('dev2', 'valid'))?.status).toBe('valid')
      })

      it('is atomic per device: of 20 concurrent first sightings exactly one sees no record before', async () => {
        const store = await open()
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.touchDevice('dev3', KEY, T + i)))
        expect(results.filter((r) => r.before === undefined)).toHaveLength(1)
        expect((await store.getDevice('dev3'))?.lastSeen).toBe(T + 19)
        expect((await store.getDevice('dev3'))?.firstSeen).toBeGreaterThanOrEqual(T)
      })

      it("links a user to a device: what was known before, the pair's trust and first sight, the user's trusted devices, the device's users", async () => {
        const store = await open()
        expect(await store.linkUserDevice('lk-u', 'lk-d1', T)).toEqual({
          userSeen: false,
          deviceSeen: false,
          trusted: false,
          trustedDevices: 0,
          deviceUsers: 1,
          firstSeen: T,
        })
        // The user is known by another device only: seen, this pair not.
        expect(await store.linkUserDevice('lk-u', 'lk-d2', T + 1)).toMatchObject({ userSeen: true, deviceSeen: false, firstSeen: T + 1 })
        await store.trustUserDevice('lk-u', 'lk-d1', T + 2)
        await store.linkUserDevice('lk-other', 'lk-d1', T + 3)
        // A later sighting keeps the first one's time and the trust; a late one changes neither.
        expect(await store.linkUserDevice('lk-u', 'lk-d1', T + 1)).toEqual({
          userSeen: true,
          deviceSeen: true,
          trusted: true,
          trustedDevices: 1,
          deviceUsers: 2,
          firstSeen: T,
        })
        expect(await store.linkUserDevice('lk-new', 'lk-d3', T + 4)).toMatchObject({ userSeen: false, trustedDevices: 0, deviceUsers: 1 })
      })

      it('hands out device records no caller can change the store through: copies, or frozen records (a change throws)', async () => {
        const store = await open()
        // Changing a record either has no effect on the store (a copy) or throws (a frozen record).
        const change = (edit: () => void) => {
          try {
            edit()
          } catch (error) {
            expect(error).toBeInstanceOf(TypeError)
          }
        }
        const key = { ...KEY }
        const { after } = await store.touchDevice('dev4', key, T)
        key.x = 'changed by the caller after the call' // nor through what was handed in
        change(() => (after.status = 'fraud'))
        change(() => (after.publicKey.x = 'changed'))
        const got = (await store.getDevice('dev4'))!
        change(() => (got.lastSeen = 0))
        change(() => (got.publicKey.y = 'changed'))
        const again = await store.touchDevice('dev4', KEY, T)
        change(() => (again.before!.status = 'fraud'))
        change(() => (again.after.publicKey.x = 'changed'))
        const labelled = (await store.setDeviceStatus('dev4', 'valid'))!
        change(() => (labelled.status = 'fraud'))
        change(() => (labelled.publicKey.x = 'changed'))
        expect(await store.getDevice('dev4')).toEqual({ id: 'dev4', publicKey: KEY, status: 'valid', firstSeen: T, lastSeen: T })
        expect([KEY.x, KEY.y]).toEqual(['A'.repeat(43), 'B'.repeat(43)]) // nothing reached the object handed in first either
      })
    })

    describe('events', () => {
      const rich: EventRecord = {
        id: 'ev-rich',
        at: T,
        action: 'checkout',
        decision: 'allow',
        wouldBe: 'deny',
        score: 87.5,
        reasons: [
          {
            code: 'AUTOMATION',
            weight: 100,
            detail: {
              finding: 'webdriver',
              nested: { list: [1, 2.25, 'три', null, true], empty: [], obj: {} },
              n: [0.1 + 0.2, 2 ** 53 - 1, -1e-7],
            },
          },
          { code: 'STORE_UNAVAILABLE', weight: 0, detail: { message: 'ユニコード ✓ "quotes" \\ back\nslash 🍣' } },
          { code: 'RULE_FAILED', weight: 0, detail: { rule: 'velocity', error: 'TypeError: x' } },
        ],
        mode: 'monitor',
        deviceId: 'dev-x',
        ip: '2001:db8::1',
        userHash: 'uh',
        emailHash: 'eh',
      }

      it('round-trips an event exactly and resolves undefined for an unknown id', async () => {
        const store = await open()
        await store.recordEvent(rich)
        expect(await store.getEvent('ev-rich')).toEqual(rich)
        expect(await store.getEvent('ev-none')).toBeUndefined()
      })

      it('keeps the first record of an id', async () => {
        const store = await open()
        await store.recordEvent(event('ev1', T, { score: 1 }))
        await store.recordEvent(event('ev1', T + 1, { score: 99, decision: 'deny' }))
        expect(await store.getEvent('ev1')).toEqual(event('ev1', T, { score: 1 }))
        expect((await store.listEvents()).map((e) => e.id)).toEqual(['ev1'])
      })

      it('appends outcomes in order and replaces the label', async () => {
        const store = await open()
        expect(await store.updateEvent('ev-none', { outcome: { outcome: 'login_failed', at: T } })).toBeUndefined()
        expect(await store.getEvent('ev-none')).toBeUndefined()
        await store.recordEvent(rich)
        const a = await store.updateEvent('ev-rich', { outcome: { outcome: 'login_failed', at: T + 1 } })
        expect(a).toEqual({ ...rich, outcomes: [{ outcome: 'login_failed', at: T + 1 }] })
        const b = await store.updateEvent('ev-rich', {
          outcome: { outcome: 'challenge_passed', at: T + 2 },
          label: { label: 'fraud', at: T + 3, comment: 'カード不正 🍣' },
        })
        expect(b).toEqual({
          ...rich,
          outcomes: [
            { outcome: 'login_failed', at: T + 1 },
            { outcome: 'challenge_passed', at: T + 2 },
          ],
          label: { label: 'fraud', at: T + 3, comment: 'カード不正 🍣' },
        })
        const c = await store.updateEvent('ev-rich', { label: { label: 'legit', at: T + 4 } })
        expect(c?.label).toEqual({ label: 'legit', at: T + 4 })
        expect(c?.outcomes).toHaveLength(2)
        expect(await store.getEvent('ev-rich')).toEqual(c)
        expect(await store.updateEvent('ev-rich', {})).toEqual(c)
      })

      it('keeps outcomes and a label the event was recorded with', async () => {
        const store = await open()
        const withHistory = event('ev-h', T, { outcomes: [{ outcome: 'order_accepted', at: T }], label: { label: 'legit', at: T } })
        await store.recordEvent(withHistory)
        const updated = await store.updateEvent('ev-h', { outcome: { outcome: 'order_declined', at: T + 1 } })
        expect(updated?.outcomes).toEqual([
          { outcome: 'order_accepted', at: T },
          { outcome: 'order_declined', at: T + 1 },
        ])
        expect(updated?.label).toEqual({ label: 'legit', at: T })
      })

      it('is atomic: 20 concurrent outcome appends leave 20 outcomes', async () => {
        const store = await open()
        await store.recordEvent(event('ev-c', T))
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.updateEvent('ev-c', { outcome: { outcome: 'login_failed', at: T + i }, label: { label: 'fraud', at: T + i } }),
          ),
        )
        const final = await store.getEvent('ev-c')
        expect(final?.outcomes?.map((o) => o.at).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => T + i))
        expect(final?.label?.label).toBe('fraud')
      })

      it('lists newest first, at most limit (default 100), optionally only before a time', async () => {
        const store = await open()
        for (let i = 0; i < 120; i++) await store.recordEvent(event(`e${i}`, T + i * 10))
        const all = await store.listEvents()
        expect(all).toHaveLength(100)
        expect(all[0]).toEqual(event('e119', T + 1190))
        expect(all.map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => `e${119 - i}`))
        expect((await store.listEvents({ limit: 3 })).map((e) => e.id)).toEqual(['e119', 'e118', 'e117'])
        expect(await store.listEvents({ limit: 0 })).toEqual([])
        // before is exclusive.
        expect((await store.listEvents({ limit: 2, before: T + 50 })).map((e) => e.id)).toEqual(['e4', 'e3'])
        expect((await store.listEvents({ before: T + 51 })).map((e) => e.id)).toEqual(['e5', 'e4', 'e3', 'e2', 'e1', 'e0'])
        expect(await store.listEvents({ before: T })).toEqual([])
        expect((await store.listEvents({ limit: 500 })).map((e) => e.id)).toHaveLength(120)
        // Paging with before walks every event once.
        const seen: string[] = []
        let before: number | undefined
        for (;;) {
          const page = await store.listEvents({ limit: 25, ...(before === undefined ? {} : { before }) })
          if (page.length === 0) break
          seen.push(...page.map((e) => e.id))
          before = page[page.length - 1]!.at
        }
        expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `e${119 - i}`))
      })

      it('lists by time, not by recording order (equal times in any order)', async () => {
        const store = await open()
        for (const [id, at] of [
          ['b', T + 20],
          ['a', T + 10],
          ['e', T + 50],
          ['z', T + 30],
          ['y', T + 30],
          ['d', T + 40],
        ] as const) {
          await store.recordEvent(event(id, at))
        }
        const ids = (await store.listEvents()).map((e) => e.id)
        expect(ids).toHaveLength(6)
        expect([ids[0], ids[1]]).toEqual(['e', 'd'])
        expect(ids.slice(2, 4).sort()).toEqual(['y', 'z'])
        expect(ids.slice(4)).toEqual(['b', 'a'])
        expect((await store.listEvents({ before: T + 50, limit: 1 })).map((e) => e.id)).toEqual(['d'])
        expect((await store.listEvents({ before: T + 30 })).map((e) => e.id)).toEqual(['b', 'a'])
      })

      it('lists events with their outcomes and labels, and returns copies', async () => {
        const store = await open()
        await store.recordEvent(rich)
        await store.updateEvent('ev-rich', { outcome: { outcome: 'login_succeeded', at: T + 1 } })
        const [listed] = await store.listEvents({ limit: 1 })
        expect(listed).toEqual({ ...rich, outcomes: [{ outcome: 'login_succeeded', at: T + 1 }] })
        listed!.reasons.push({ code: 'AUTOMATION', weight: 1 })
        listed!.outcomes!.push({ outcome: 'login_failed', at: 0 })
        const again = await store.getEvent('ev-rich')
        expect(again?.reasons).toHaveLength(3)
        expect(again?.outcomes).toHaveLength(1)
      })
    })

    describe('event queries', () => {
      /** A fixed mix: decisions, reasons (also monitored), users, devices, IPs, labels, equal times. */
      async function fill(store: Store): Promise<void> {
        const decisions = ['allow', 'challenge', 'deny'] as const
        for (let i = 0; i < 60; i++) {
          await store.recordEvent(
            event(`q${i}`, T + Math.floor(i / 2) * 60_000, {
              decision: decisions[i % 3]!,
              ...(i % 7 === 0 ? { wouldBe: 'deny' as const, mode: 'monitor' as const } : {}),
              action: i % 4 === 0 ? 'checkout' : 'login',
              reasons:
                i % 5 === 0
                  ? [
                      { code: 'AUTOMATION', weight: 100 },
                      { code: 'FIRST_USER_DEVICE', weight: 10 },
                    ]
                  : i % 2 === 0
                    ? [{ code: 'FIRST_USER_DEVICE', weight: 10 }]
                    : [],
              ...(i % 11 === 0 ? { monitored: [{ code: 'FOREIGN_IP', weight: 30 }] } : {}),
              userHash: `u${i % 6}`,
              ...(i % 3 === 0 ? {} : { deviceId: `d${i % 4}` }),
              ip: `203.0.113.${i % 5}`,
            }),
          )
        }
        await store.updateEvent('q10', { label: { label: 'fraud', at: T + 1 } })
        await store.updateEvent('q21', { label: { label: 'legit', at: T + 2 } })
        await store.updateEvent('q21', { label: { label: 'fraud', at: T + 3 } })
        await store.updateEvent('q33', { label: { label: 'legit', at: T + 4 } })
      }
      const all = () => Array.from({ length: 60 }, (_, i) => i)
      /** Ids of the expected events, newest first (equal times: any order, so compare sorted within a time). */
      const norm = (ids: string[]) => {
        const at = (id: string) => Math.floor(Number(id.slice(1)) / 2)
        return [...ids].sort((a, b) => at(b) - at(a) || a.localeCompare(b))
      }
      const ids = async (store: Store, q: Parameters<Store['queryEvents']>[0]) => norm((await store.queryEvents(q)).map((e) => e.id))
      const want = (pred: (i: number) => boolean, limit = 100) =>
        norm(
          all()
            .filter(pred)
            .map((i) => `q${i}`),
        ).slice(0, limit)

      it('filters by each field, newest first, and combines filters', async () => {
        const store = await open()
        await fill(store)
        expect(await ids(store, {})).toEqual(want(() => true))
        expect(await ids(store, { decision: 'deny' })).toEqual(want((i) => i % 3 === 2))
        expect(await ids(store, { wouldBe: 'deny' })).toEqual(want((i) => i % 3 === 2 || i % 7 === 0))
        expect(await ids(store, { action: 'checkout' })).toEqual(want((i) => i % 4 === 0))
        expect(await ids(store, { reason: 'AUTOMATION' })).toEqual(want((i) => i % 5 === 0))
        expect(await ids(store, { reason: 'FIRST_USER_DEVICE' })).toEqual(want((i) => i % 5 === 0 || i % 2 === 0))
        expect(await ids(store, { reason: 'FOREIGN_IP' })).toEqual(want((i) => i % 11 === 0))
        expect(await ids(store, { reason: 'NO_SUCH_CODE' })).toEqual([])
        expect(await ids(store, { userHash: 'u2' })).toEqual(want((i) => i % 6 === 2))
        expect(await ids(store, { deviceId: 'd1' })).toEqual(want((i) => i % 3 !== 0 && i % 4 === 1))
        expect(await ids(store, { ip: '203.0.113.4' })).toEqual(want((i) => i % 5 === 4))
        expect(await ids(store, { label: 'fraud' })).toEqual(norm(['q10', 'q21']))
        expect(await ids(store, { label: 'legit' })).toEqual(['q33'])
        expect(await ids(store, { label: 'any' })).toEqual(norm(['q10', 'q21', 'q33']))
        expect(await ids(store, { label: 'none' })).toEqual(want((i) => ![10, 21, 33].includes(i)))
        expect(await ids(store, { decision: 'allow', reason: 'FIRST_USER_DEVICE', userHash: 'u0' })).toEqual(
          want((i) => i % 3 === 0 && (i % 5 === 0 || i % 2 === 0) && i % 6 === 0),
        )
        expect(await ids(store, { reason: 'AUTOMATION', label: 'fraud' })).toEqual(['q10'])
        // Events come whole, with their outcomes and labels.
        const [labelled] = await store.queryEvents({ label: 'legit' })
        expect(labelled).toMatchObject({ id: 'q33', label: { label: 'legit', at: T + 4 }, userHash: 'u3', ip: '203.0.113.3' })
      })

      it('bounds by time (from and to inclusive, before exclusive), limits, and pages with before', async () => {
        const store = await open()
        await fill(store)
        const minute = (m: number) => T + m * 60_000
        expect(await ids(store, { from: minute(25) })).toEqual(want((i) => i >= 50))
        expect(await ids(store, { to: minute(2) })).toEqual(want((i) => i < 6))
        expect(await ids(store, { from: minute(10), to: minute(11) })).toEqual(want((i) => i >= 20 && i < 24))
        expect(await ids(store, { before: minute(1) })).toEqual(['q0', 'q1'].sort())
        expect(await ids(store, { before: minute(3), to: minute(10) })).toEqual(want((i) => i < 6))
        expect(await store.queryEvents({ limit: 0 })).toEqual([])
        const three = await store.queryEvents({ decision: 'allow', limit: 3 })
        expect(three.map((e) => e.id)).toEqual(['q57', 'q54', 'q51'])
        // Paging a filter with before walks every match once (distinct times per match here).
        const seen: string[] = []
        let before: number | undefined
        for (;;) {
          const page = await store.queryEvents({ decision: 'challenge', limit: 4, ...(before === undefined ? {} : { before }) })
          if (page.length === 0) break
          seen.push(...page.map((e) => e.id))
          before = page.at(-1)!.at
        }
        expect(seen).toEqual(want((i) => i % 3 === 1))
      })

      it('rejects a malformed query', async () => {
        const store = await open()
        await expect(store.queryEvents({ limit: 1001 })).rejects.toThrow(TypeError)
        await expect(store.queryEvents({ limit: -1 })).rejects.toThrow(TypeError)
        await expect(store.queryEvents({ decision: 'maybe' as never })).rejects.toThrow(TypeError)
        await expect(store.queryEvents({ label: 'spam' as never })).rejects.toThrow(TypeError)
        await expect(store.queryEvents({ from: Number.NaN })).rejects.toThrow(TypeError)
        await expect(store.queryEvents({ ip: 42 as never })).rejects.toThrow(TypeError)
        await expect(store.queryEvents(null as never)).rejects.toThrow(TypeError)
      })

      it('counts events per decision in whole time buckets, zeros included', async () => {
        const store = await open()
        await fill(store)
        const hour = 3_600_000
        const first = Math.floor(T / hour) * hour
        const buckets = await store.countEvents({ from: T, to: T + 29 * 60_000, bucketMs: hour })
        expect(buckets[0]!.at).toBe(first)
        expect(buckets.at(-1)!.at).toBe(Math.floor((T + 29 * 60_000) / hour) * hour)
        const total = (d: 'allow' | 'challenge' | 'deny') => buckets.reduce((n, b) => n + b[d], 0)
        expect([total('allow'), total('challenge'), total('deny')]).toEqual([20, 20, 20])
        // Minute buckets: two events a minute; a window counts its whole buckets.
        const minutes = await store.countEvents({ from: T + 60_000 * 3 + 5, to: T + 60_000 * 5, bucketMs: 60_000 })
        expect(minutes).toEqual([
          { at: T + 180_000, allow: 1, challenge: 1, deny: 0 },
          { at: T + 240_000, allow: 1, challenge: 0, deny: 1 },
          { at: T + 300_000, allow: 0, challenge: 1, deny: 1 },
        ])
        // An empty range has its buckets, all zero.
        const empty = await store.countEvents({ from: T - 10 * hour, to: T - 8 * hour - 1, bucketMs: hour })
        expect(empty).toHaveLength(2)
        expect(empty.every((b) => b.allow + b.challenge + b.deny === 0)).toBe(true)
        // A 30-day chart of daily buckets.
        const days = await store.countEvents({ from: T - 29 * 86_400_000, to: T + 86_400_000 - 1, bucketMs: 86_400_000 })
        expect(days.length).toBeGreaterThanOrEqual(30)
        expect(days.reduce((n, b) => n + b.allow + b.challenge + b.deny, 0)).toBe(60)
        await expect(store.countEvents({ from: T, to: T + 1, bucketMs: 1000 })).rejects.toThrow(TypeError)
        await expect(store.countEvents({ from: T, to: T - 1, bucketMs: 60_000 })).rejects.toThrow(TypeError)
        await expect(store.countEvents({ from: 0, to: T, bucketMs: 60_000 })).rejects.toThrow(TypeError)
      })
    })

    describe('values', () => {
      it('reads undefined for a missing key, round-trips any text, replaces, and expires after its TTL', async () => {
        const store = await open()
        expect(await store.getValue('profile:u1')).toBeUndefined()
        const text = JSON.stringify({ n: 3, mean: [0.1, -2.5e-7], note: 'ä "quoted" \n 東京 😀' })
        await store.setValue('profile:u1', text, 60_000)
        expect(await store.getValue('profile:u1')).toBe(text)
        await store.setValue('profile:u1', '', 60_000)
        expect(await store.getValue('profile:u1')).toBe('')
        expect(await store.getValue('profile:u2')).toBeUndefined()
        await store.setValue('short', 'x', 300)
        expect(await store.getValue('short')).toBe('x')
        await sleep(500)
        expect(await store.getValue('short')).toBeUndefined()
        expect(await store.getValue('profile:u1')).toBe('')
      })

      it('keeps values apart from flags and counters of the same key, and deleteKey removes all of them', async () => {
        const store = await open()
        await store.setValue('k', 'value', 60_000)
        expect(await store.has('k')).toBe(false)
        expect(await store.setIfAbsent('k', 60_000)).toBe(true)
        expect(await store.hit('k', 60_000, T)).toBe(1)
        expect(await store.getValue('k')).toBe('value')
        await store.deleteKey('k')
        expect(await store.getValue('k')).toBeUndefined()
        expect(await store.has('k')).toBe(false)
        expect(await store.countHits('k', 60_000, T)).toBe(0)
      })

      it('refuses a value over MAX_STORE_VALUE and keeps the previous one', async () => {
        const store = await open()
        await store.setValue('big', 'small', 60_000)
        await expect(store.setValue('big', 'x'.repeat(MAX_STORE_VALUE + 1), 60_000)).rejects.toThrow()
        await expect(store.setValue('big', 42 as unknown as string, 60_000)).rejects.toThrow()
        expect(await store.getValue('big')).toBe('small')
        const largest = 'y'.repeat(MAX_STORE_VALUE)
        await store.setValue('big', largest, 60_000)
        expect(await store.getValue('big')).toBe(largest)
      })
    })

    it('closes', async () => {
      const store = await open()
      await store.setIfAbsent('x', 1000)
      await expect(store.close()).resolves.toBeUndefined()
    })

    describe('batch', () => {
      /** The same state under two key namespaces, written by single calls. */
      async function seed(store: Store, p: string): Promise<void> {
        await store.setFlag(`${p}seen`, 60_000)
        await store.setFlag(`${p}flag`, 60_000)
        await store.setValue(`${p}v`, 'ä "quoted" 東京', 60_000)
        for (const at of [T, T + 10]) await store.hit(`${p}ip`, 60_000, at)
        for (const at of [T, T + 5, T + 70_000]) await store.hit(`${p}ip2`, 60_000, at)
        await store.addDistinct(`${p}d`, 'u1', 60_000, T)
        for (const id of ['dev', 'dev2', 'dev3']) await store.touchDevice(`${p}${id}`, KEY, T)
        await store.linkUserDevice(`${p}uA`, `${p}other`, T)
        await store.trustUserDevice(`${p}uC`, `${p}devC`, T)
        await store.linkUserDevice(`${p}uC`, `${p}devX`, T + 1)
        await store.linkUserDevice(`${p}uD`, `${p}devC`, T + 2)
      }

      /** One operation of each kind (some kinds twice), no two writing one key: their order cannot change an answer. */
      const kinds = (p: string): StoreOp[] => [
        { op: 'setIfAbsent', key: `${p}nonce`, ttlMs: 60_000 },
        { op: 'setIfAbsent', key: `${p}seen`, ttlMs: 60_000 },
        { op: 'has', key: `${p}flag` },
        { op: 'has', key: `${p}missing` },
        { op: 'setFlag', key: `${p}newFlag`, ttlMs: 60_000 },
        { op: 'getValue', key: `${p}v` },
        { op: 'getValue', key: `${p}missing` },
        { op: 'setValue', key: `${p}v2`, value: 'second', ttlMs: 60_000 },
        { op: 'hit', key: `${p}ip`, windowMs: 60_000, now: T + 20 },
        { op: 'countHits', key: `${p}ip2`, windowMs: 60_000, now: T + 60_003 },
        { op: 'addDistinct', key: `${p}d`, member: 'u2', windowMs: 60_000, now: T + 1 },
        { op: 'touchDevice', id: `${p}dev`, publicKey: OTHER_KEY, now: T + 100 },
        { op: 'touchDevice', id: `${p}devNew`, publicKey: KEY, now: T + 100 },
        { op: 'getDevice', id: `${p}dev2` },
        { op: 'getDevice', id: `${p}missing` },
        { op: 'setDeviceStatus', id: `${p}dev3`, status: 'valid' },
        { op: 'setDeviceStatus', id: `${p}missing`, status: 'valid' },
        { op: 'linkUserDevice', userHash: `${p}uA`, deviceId: `${p}devA`, now: T + 200 },
        { op: 'trustUserDevice', userHash: `${p}uB`, deviceId: `${p}devB`, now: T + 200 },
        { op: 'listUserDevices', userHash: `${p}uC` },
        { op: 'listUserDevices', userHash: `${p}uC`, limit: 1 },
        { op: 'listDeviceUsers', deviceId: `${p}devC`, limit: 10 },
        { op: 'listDeviceUsers', deviceId: `${p}devC`, limit: 0 },
      ]

      /** What single calls answer, one after the other. */
      async function singly(store: Store, ops: StoreOp[]): Promise<OpAnswer[]> {
        const answers: OpAnswer[] = []
        for (const op of ops)
          answers.push(
            await callOp(store, op).then(
              (value) => ({ ok: true as const, value }),
              (error: unknown) => ({ ok: false as const, error }),
            ),
          )
        return answers
      }

      /** Answers with the namespace taken out, to compare two namespaces. */
      const without = (p: string, value: unknown) => JSON.parse(JSON.stringify(value ?? null).replaceAll(p, '')) as unknown

      it('answers every kind of operation as the single call does on the same state, and leaves the same state', async () => {
        const store = await open()
        await seed(store, 'one:')
        await seed(store, 'two:')
        const single = await singly(store, kinds('one:'))
        const batched = await runBatch(store, kinds('two:'))
        expect(batched).toHaveLength(single.length)
        expect(single.every((answer) => answer.ok)).toBe(true)
        expect(without('two:', batched)).toEqual(without('one:', single))
        // Spot checks, so an equality of two wrong answers does not pass.
        expect(single.slice(0, 4).map((a) => a.ok && a.value)).toEqual([true, false, true, false])
        expect(batched[8]).toEqual({ ok: true, value: 3 })
        expect(batched[10]).toEqual({ ok: true, value: 2 })
        expect((batched[19] as { value: unknown[] }).value).toHaveLength(2)
        expect((batched[21] as { value: unknown[] }).value).toHaveLength(2)
        // What the writes left behind, read by single calls.
        const after = (p: string): StoreOp[] => [
          { op: 'has', key: `${p}newFlag` },
          { op: 'has', key: `${p}nonce` },
          { op: 'getValue', key: `${p}v2` },
          { op: 'countHits', key: `${p}ip`, windowMs: 60_000, now: T + 20 },
          { op: 'getDevice', id: `${p}dev` },
          { op: 'getDevice', id: `${p}devNew` },
          { op: 'getDevice', id: `${p}dev3` },
          { op: 'listUserDevices', userHash: `${p}uA` },
          { op: 'listUserDevices', userHash: `${p}uB` },
          { op: 'listDeviceUsers', deviceId: `${p}devB` },
        ]
        const left = await singly(store, after('two:'))
        expect(without('two:', left)).toEqual(without('one:', await singly(store, after('one:'))))
        expect(left.slice(0, 4).map((a) => a.ok && a.value)).toEqual([true, true, 'second', 3])
      })

      it('runs its operations in order, each seeing the ones before (its own batch() or the fallback)', async () => {
        const store = await open()
        const answers = await runBatch(store, [
          { op: 'setIfAbsent', key: 'n', ttlMs: 60_000 },
          { op: 'setIfAbsent', key: 'n', ttlMs: 60_000 },
          { op: 'hit', key: 'h', windowMs: 60_000, now: T },
          { op: 'hit', key: 'h', windowMs: 60_000, now: T },
          { op: 'touchDevice', id: 'd', publicKey: KEY, now: T },
          { op: 'getDevice', id: 'd' },
          { op: 'setValue', key: 'v', value: 'x', ttlMs: 60_000 },
          { op: 'getValue', key: 'v' },
          { op: 'linkUserDevice', userHash: 'u', deviceId: 'd', now: T },
          { op: 'linkUserDevice', userHash: 'u', deviceId: 'd', now: T + 1 },
          { op: 'listUserDevices', userHash: 'u' },
        ])
        expect(answers.map((a) => a.ok && a.value)).toEqual([
          true,
          false,
          1,
          2,
          { before: undefined, after: { id: 'd', publicKey: KEY, status: 'waiting', firstSeen: T, lastSeen: T } },
          { id: 'd', publicKey: KEY, status: 'waiting', firstSeen: T, lastSeen: T },
          undefined,
          'x',
          { userSeen: false, deviceSeen: false, trusted: false, trustedDevices: 0, deviceUsers: 1, firstSeen: T },
          { userSeen: true, deviceSeen: true, trusted: false, trustedDevices: 0, deviceUsers: 1, firstSeen: T },
          [{ userHash: 'u', deviceId: 'd', firstSeen: T, lastSeen: T + 1, trusted: false }],
        ])
      })

      it('behind a replayed nonce runs nothing else: the other operations answer GateClosed and change nothing', async () => {
        const store = await open()
        expect(await store.setIfAbsent('nonce:used', 60_000)).toBe(true)
        const ops: StoreOp[] = [
          { op: 'setIfAbsent', key: 'nonce:used', ttlMs: 60_000 },
          { op: 'hit', key: 'ip:gate', windowMs: 60_000, now: T },
          { op: 'touchDevice', id: 'dev:gate', publicKey: KEY, now: T },
          { op: 'setValue', key: 'v:gate', value: 'x', ttlMs: 60_000 },
          { op: 'setValue', key: 'v:big', value: 'x'.repeat(MAX_STORE_VALUE + 1), ttlMs: 60_000 },
          { op: 'linkUserDevice', userHash: 'u:gate', deviceId: 'dev:gate', now: T },
          { op: 'listDeviceUsers', deviceId: 'dev:gate' },
        ]
        const closed = await runBatch(store, ops, { gate: true })
        expect(closed[0]).toEqual({ ok: true, value: false })
        expect(closed).toHaveLength(ops.length)
        for (const answer of closed.slice(1)) {
          expect(answer.ok).toBe(false)
          expect(!answer.ok && answer.error).toBeInstanceOf(GateClosed)
        }
        expect(await store.countHits('ip:gate', 60_000, T)).toBe(0)
        expect(await store.getDevice('dev:gate')).toBeUndefined()
        expect(await store.getValue('v:gate')).toBeUndefined()
        expect(await store.listUserDevices('u:gate')).toEqual([])
        // A fresh nonce opens the gate: everything runs.
        const open_ = await runBatch(store, [{ op: 'setIfAbsent', key: 'nonce:fresh', ttlMs: 60_000 }, ...ops.slice(1, 4)], { gate: true })
        expect(open_.map((a) => a.ok && a.value)).toEqual([
          true,
          1,
          { before: undefined, after: { id: 'dev:gate', publicKey: KEY, status: 'waiting', firstSeen: T, lastSeen: T } },
          undefined,
        ])
        expect(await store.getValue('v:gate')).toBe('x')
        // A gate that is not a boolean call never opens.
        const odd = await runBatch(store, [{ op: 'hit', key: 'ip:odd', windowMs: 60_000, now: T }, ops[3]!], { gate: true })
        expect(odd[0]).toEqual({ ok: true, value: 1 })
        expect(!odd[1]!.ok && odd[1]!.error).toBeInstanceOf(GateClosed)
      })

      it('answers a failing operation with its error, as the single call rejects, while the others succeed', async () => {
        const store = await open()
        const big = 'x'.repeat(MAX_STORE_VALUE + 1)
        const rejected = await store.setValue('single', big, 60_000).then(
          () => undefined,
          (error: unknown) => error,
        )
        expect(rejected).toBeInstanceOf(TypeError)
        const answers = await runBatch(store, [
          { op: 'hit', key: 'ip:f', windowMs: 60_000, now: T },
          { op: 'setValue', key: 'big', value: big, ttlMs: 60_000 },
          { op: 'setValue', key: 'small', value: 'ok', ttlMs: 60_000 },
          { op: 'getValue', key: 'small' },
        ])
        expect(answers[0]).toEqual({ ok: true, value: 1 })
        expect(answers[1]!.ok).toBe(false)
        const error = !answers[1]!.ok && answers[1]!.error
        expect(error).toBeInstanceOf(TypeError)
        expect((error as Error).message).toBe((rejected as Error).message)
        expect(answers[2]).toEqual({ ok: true, value: undefined })
        expect(await store.getValue('big')).toBeUndefined()
        expect(await store.getValue('small')).toBe('ok')
      })

      it('records events in a batch as recordEvent does: each indexed, the first record of an id kept, a second batch of the same ids idempotent', async () => {
        const store = await open()
        await store.recordEvent(event('b0', T - 50, { decision: 'deny' }))
        const group: StoreOp[] = [
          { op: 'recordEvent', event: event('b1', T - 30, { userHash: 'u-batch', loginHash: 'l-batch', deviceId: 'dev-b' }) },
          { op: 'recordEvent', event: event('b2', T - 20, { userHash: 'u-batch' }) },
          { op: 'recordEvent', event: event('b0', T - 10, { decision: 'allow' }) },
          { op: 'hit', key: 'ip:with-events', windowMs: 60_000, now: T },
          { op: 'recordEvent', event: event('b3', T - 5, { ip: '203.0.113.9' }) },
        ]
        const answers = await runBatch(store, group)
        expect(answers).toEqual([
          { ok: true, value: undefined },
          { ok: true, value: undefined },
          { ok: true, value: undefined },
          { ok: true, value: 1 },
          { ok: true, value: undefined },
        ])
        // A retried group (the write-behind queue retries a group whose answer it lost) changes nothing.
        expect((await runBatch(store, group)).every((answer) => answer.ok)).toBe(true)
        expect((await store.getEvent('b0'))?.decision).toBe('deny')
        expect((await store.getEvent('b1'))?.loginHash).toBe('l-batch')
        expect((await store.listEvents({ limit: 10 })).map((e) => e.id)).toEqual(['b3', 'b2', 'b1', 'b0'])
        expect((await store.listUserEvents('u-batch')).map((e) => e.id)).toEqual(['b2', 'b1'])
        expect((await store.listUserEvents('l-batch')).map((e) => e.id)).toEqual(['b1'])
        expect((await store.queryEvents({ ip: '203.0.113.9' })).map((e) => e.id)).toEqual(['b3'])
        // An update lands on a batched event as on a single one.
        expect((await store.updateEvent('b2', { outcome: { outcome: 'login_failed', at: T } }))?.outcomes).toEqual([
          { outcome: 'login_failed', at: T },
        ])
      })

      it('answers an empty batch with no answers, gated or not', async () => {
        const store = await open()
        expect(await runBatch(store, [])).toEqual([])
        expect(await runBatch(store, [], { gate: true })).toEqual([])
      })
    })

    describe('privacy requests', () => {
      async function seeded(): Promise<Store> {
        const store = await open()
        await store.recordEvent(event('p1', T - 3000, { userHash: 'u-a', deviceId: 'dev-a', ip: '203.0.113.1', emailHash: 'm-a' }))
        await store.recordEvent(event('p2', T - 2000, { loginHash: 'u-a', deviceId: 'dev-x', ip: '198.51.100.7' }))
        await store.recordEvent(event('p3', T - 1000, { userHash: 'u-a', loginHash: 'u-a', deviceId: 'dev-a' }))
        await store.recordEvent(event('p4', T - 500, { userHash: 'u-b', loginHash: 'u-b', deviceId: 'dev-a' }))
        await store.recordEvent(event('p5', T - 100, { userHash: 'u-a', deviceId: 'dev-a', ip: '203.0.113.1', emailHash: 'm-a' }))
        await store.updateEvent('p5', { outcome: { outcome: 'login_succeeded', at: T } })
        await store.updateEvent('p5', { label: { label: 'fraud', at: T, comment: 'called us from 090-0000-0000' } })
        await store.updateEvent('p3', { label: { label: 'legit', at: T } })
        return store
      }

      it('list a user’s events by user or login hash, newest first, bounded by limit', async () => {
        const store = await seeded()
        expect((await store.listUserEvents('u-a')).map((e) => e.id)).toEqual(['p5', 'p3', 'p2', 'p1'])
        expect((await store.listUserEvents('u-a', 2)).map((e) => e.id)).toEqual(['p5', 'p3'])
        expect((await store.listUserEvents('u-a'))[0]).toMatchObject({
          outcomes: [{ outcome: 'login_succeeded', at: T }],
          label: { label: 'fraud' },
        })
        expect((await store.listUserEvents('u-b')).map((e) => e.id)).toEqual(['p4'])
        expect(await store.listUserEvents('nobody')).toEqual([])
        expect(await store.listUserEvents('u-a', 0)).toEqual([])
      })

      it('erase a user’s events, all of them or keeping fraud-labelled ones minimized', async () => {
        const store = await seeded()
        expect(await store.eraseUserEvents('u-a', { keepFraud: true })).toEqual({ deleted: 3, minimized: 1 })
        for (const id of ['p1', 'p2', 'p3']) expect(await store.getEvent(id)).toBeUndefined()
        const kept = await store.getEvent('p5')
        expect(kept).toEqual({
          ...event('p5', T - 100, { deviceId: 'dev-a' }),
          outcomes: [{ outcome: 'login_succeeded', at: T }],
          label: { label: 'fraud', at: T },
        })
        expect(await store.listUserEvents('u-a')).toEqual([])
        expect((await store.listEvents({ limit: 10 })).map((e) => e.id)).toEqual(['p5', 'p4'])
        expect((await store.listUserEvents('u-b')).map((e) => e.id)).toEqual(['p4'])
        // A later label still works on the minimized event; a second erasure finds nothing.
        expect((await store.updateEvent('p5', { outcome: { outcome: 'order_declined', at: T + 1 } }))?.outcomes).toHaveLength(2)
        expect(await store.eraseUserEvents('u-a', { keepFraud: true })).toEqual({ deleted: 0, minimized: 0 })
        expect(await store.eraseUserEvents('u-b')).toEqual({ deleted: 1, minimized: 0 })
        expect((await store.listEvents({ limit: 10 })).map((e) => e.id)).toEqual(['p5'])
      })

      it('erase fraud-labelled events too without keepFraud', async () => {
        const store = await seeded()
        expect(await store.eraseUserEvents('u-a')).toEqual({ deleted: 4, minimized: 0 })
        expect((await store.listEvents({ limit: 10 })).map((e) => e.id)).toEqual(['p4'])
      })

      it('unlink a user from every device, and delete a device record', async () => {
        const store = await open()
        await store.touchDevice('dev-a', KEY, T)
        await store.touchDevice('dev-b', OTHER_KEY, T)
        await store.linkUserDevice('u-a', 'dev-a', T)
        await store.trustUserDevice('u-a', 'dev-b', T + 1)
        await store.linkUserDevice('u-b', 'dev-a', T + 2)
        const removed = await store.unlinkUser('u-a')
        expect(removed.map((l) => [l.deviceId, l.trusted])).toEqual([
          ['dev-b', true],
          ['dev-a', false],
        ])
        expect(await store.listUserDevices('u-a')).toEqual([])
        expect((await store.listDeviceUsers('dev-a')).map((l) => l.userHash)).toEqual(['u-b'])
        expect(await store.listDeviceUsers('dev-b')).toEqual([])
        expect(await store.unlinkUser('u-a')).toEqual([])
        expect((await store.linkUserDevice('u-a', 'dev-a', T + 3)).userSeen).toBe(false)
        expect(await store.deleteDevice('dev-b')).toBe(true)
        expect(await store.getDevice('dev-b')).toBeUndefined()
        expect(await store.deleteDevice('dev-b')).toBe(false)
        expect((await store.getDevice('dev-a'))?.id).toBe('dev-a')
      })
    })

    describe('two instances on one backend', () => {
      async function pair(): Promise<[Store, Store]> {
        return [await open(), await open()]
      }

      it('share data, counters and devices', async () => {
        const stores = await pair()
        const [a, b] = stores
        expect(await a.setIfAbsent('nonce:shared', 60_000)).toBe(true)
        expect(await b.setIfAbsent('nonce:shared', 60_000)).toBe(false)
        expect(await a.hit('h', 60_000, T)).toBe(1)
        expect(await b.hit('h', 60_000, T + 1)).toBe(2)
        expect(await a.addDistinct('d', 'x', 60_000, T)).toBe(1)
        expect(await b.addDistinct('d', 'y', 60_000, T)).toBe(2)
        await a.touchDevice('dev', KEY, T)
        expect((await b.touchDevice('dev', KEY, T + 1)).before?.firstSeen).toBe(T)
        await b.recordEvent(event('ev', T))
        await a.updateEvent('ev', { outcome: { outcome: 'login_failed', at: T } })
        expect((await b.getEvent('ev'))?.outcomes).toHaveLength(1)
        await a.setValue('v', 'from a', 60_000)
        expect(await b.getValue('v')).toBe('from a')
      })

      it('answer concurrent set-if-absent with exactly one winner across instances', async () => {
        const stores = await pair()
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 2]!.setIfAbsent('nonce:cross', 60_000)))
        expect(results.filter((r) => r === true)).toHaveLength(1)
      })

      it('link a user and a device once across instances, and share flags', async () => {
        const stores = await pair()
        const links = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.linkUserDevice('user', 'device', T + i)))
        expect(links.filter((l) => !l.deviceSeen)).toHaveLength(1)
        await stores[0].trustUserDevice('user', 'device', T + 100)
        const [record, ...rest] = await stores[1].listUserDevices('user')
        expect(rest).toEqual([])
        expect(record).toMatchObject({ userHash: 'user', deviceId: 'device', lastSeen: T + 100, trusted: true })
        expect(record!.firstSeen).toBeGreaterThanOrEqual(T) // whichever of the racing calls ran first
        expect(record!.firstSeen).toBeLessThan(T + 20)
        await stores[1].setFlag('ng-ip:x', 60_000)
        expect(await stores[0].has('ng-ip:x')).toBe(true)
        await stores[0].deleteKey('ng-ip:x')
        expect(await stores[1].has('ng-ip:x')).toBe(false)
      })

      it('append 20 concurrent outcomes across instances without losing one', async () => {
        const stores = await pair()
        await stores[0].recordEvent(event('ev-x', T))
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => stores[i % 2]!.updateEvent('ev-x', { outcome: { outcome: 'challenge_failed', at: T + i } })),
        )
        expect((await stores[1].getEvent('ev-x'))?.outcomes).toHaveLength(20)
      })

      it('let two verifiers accept one token exactly once', async () => {
        const stores = await pair()
        const options = { keys: [{ id: 'k1', secret: SECRET }], origins: [ORIGIN], hashSecret: 'hash-secret-hash-secret-hash-secret-0001' }
        const [one, two] = await Promise.all(stores.map((store) => createVerifier({ ...options, store })))
        const token = await tokenFor((await one!.challenge({ action: 'login', origin: ORIGIN })).challenge)
        const verdicts = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? two! : one!).verify(token, { action: 'login', ip: '203.0.113.9' })),
        )
        const allowed = verdicts.filter((v) => v.decision === 'allow')
        expect(allowed).toHaveLength(1)
        expect(allowed[0]!.device?.known).toBe(false)
        const replayed = verdicts.filter((v) => v.decision === 'deny' && v.reasons.map((r) => r.code).join() === 'TOKEN_REPLAYED')
        expect(replayed).toHaveLength(9)
        // The verifiers write events behind their verdicts: wait for them.
        for (const verifier of [one!, two!]) expect(await verifier.flush()).toBe(0)
        // A store that writes events behind the verdict (splitStore) lists another instance's once written.
        for (const s of stores) await (s as { flush?: () => Promise<unknown> }).flush?.()
        // Each verdict was recorded as an event, visible through either instance.
        expect(await stores[0].listEvents({ limit: 20 })).toHaveLength(10)
        expect(await stores[1].getEvent(allowed[0]!.eventId)).toMatchObject({ decision: 'allow', ip: '203.0.113.9' })
      })
    })
  })
}
