// Issue 19: a flood of hostile tokens is not a flood of store writes. The first
// `rejectedEvents.fullPerInterval` rejections of each code per interval are recorded in
// full; the rest are counted in memory and written as one summary event per (code, action,
// IP, decision) on flush. Verdicts are the same either way. Runs on a real SQLite file
// with a wrapper counting every store call, and on the memory store for the IP overflow.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { memoryStore } from '../../packages/server/src/stores/memory.js'
import { sqliteStore } from '../../packages/server/src/stores/sqlite.js'
import type { EventRecord, Store } from '../../packages/server/src/stores/types.js'
import { createVerifier, type VerifierOptions } from '../../packages/server/src/verifier.js'
import type { StoreOp } from '../../packages/server/src/stores/batch.js'
import { newDevice, tokenFor } from '../support/tokens.js'
import { until } from './stores.js'

const ORIGIN = 'https://shop.example'
const BASE = {
  keys: [{ id: 'k1', secret: 'flood-secret-flood-secret-flood-secret-01' }],
  hashSecret: 'flood-hash-flood-hash-flood-hash-flood-h01',
  origins: [ORIGIN],
}

/**
 * The store with every call counted, per method; a `batch` counts each of its operations
 * under the method it names (the write-behind queue records events in batches).
 */
function counting(store: Store): { store: Store; calls: Map<string, number>; total(): number } {
  const calls = new Map<string, number>()
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1)
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (typeof value !== 'function' || property === 'close') return value
      return (...args: unknown[]) => {
        if (property === 'batch') for (const op of args[0] as StoreOp[]) count(op.op)
        else count(String(property))
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: wrapped, calls, total: () => [...calls.values()].reduce((a, b) => a + b, 0) }
}

/** A token whose challenge MAC was changed after issue (one base64url character of the MAC). */
async function forgedMac(challenge: string): Promise<string> {
  const [prefix, payload, mac] = challenge.split('.') as [string, string, string]
  const forged = `${prefix}.${payload}.${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`
  return tokenFor(forged, { device: await newDevice() })
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function sqliteSetup(extra: Partial<VerifierOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-flood-'))
  dirs.push(dir)
  const raw = await sqliteStore({ path: join(dir, 'kenchi.db') })
  const counted = counting(raw)
  const verifier = await createVerifier({ ...BASE, store: counted.store, ...extra })
  return { raw, counted, verifier }
}

const byCode = (events: EventRecord[], code: string) => events.filter((e) => e.reasons[0]?.code === code)

describe('a flood of rejected tokens', () => {
  it('10 000 bad-MAC tokens on a SQLite file: the first N in full, the rest in one summary per IP, verdicts unchanged', async () => {
    const { raw, counted, verifier } = await sqliteSetup({ rejectedEvents: { fullPerInterval: 20 } })
    try {
      const tokens: string[] = []
      for (let i = 0; i < 8; i++) tokens.push(await forgedMac((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge))
      const ips = ['203.0.113.7', '203.0.113.8']
      const seen = new Set<string>()
      for (let i = 0; i < 10_000; i++) {
        const verdict = await verifier.verify(tokens[i % tokens.length], { action: 'login', ip: ips[i % 2], userId: `victim${i}` })
        // The verdict a sampled rejection gets is the one a recorded one gets.
        expect(verdict).toMatchObject({ decision: 'deny', score: 100, mode: 'live', reasons: [{ code: 'CHALLENGE_FORGED', weight: 100 }] })
        expect(verdict.reasons).toHaveLength(1)
        expect(verdict.device).toBeUndefined()
        seen.add(verdict.eventId)
      }
      expect(seen.size).toBe(10_000)
      // 20 events in full, nothing else: no nonce, no device, no read for a forged challenge.
      // (Written behind the verdicts: the last may still be in flight.)
      await until(() => counted.calls.get('recordEvent') === 20, 5000, '20 events written')
      expect(Object.fromEntries(counted.calls)).toEqual({ recordEvent: 20 })
      expect(await verifier.flush()).toBe(0)
      // One summary per IP address: 2 more writes for the other 9 980 verifications.
      expect(Object.fromEntries(counted.calls)).toEqual({ recordEvent: 22 })
      const events = await raw.listEvents({ limit: 1000 })
      const forged = byCode(events, 'CHALLENGE_FORGED')
      const full = forged.filter((e) => e.reasons[0]!.detail?.summary === undefined)
      const summaries = forged.filter((e) => e.reasons[0]!.detail?.summary === true)
      expect(full).toHaveLength(20)
      // Recorded in full as before: the verdict's event id, the IP, the user's hash, the reason.
      for (const e of full) {
        expect(e).toMatchObject({ decision: 'deny', action: 'login', reasons: [{ code: 'CHALLENGE_FORGED', weight: 100 }] })
        expect(seen.has(e.id)).toBe(true)
        expect(ips).toContain(e.ip)
        expect(e.userHash).toMatch(/^[A-Za-z0-9_-]{43}$/)
      }
      expect(full.map((e) => e.userHash)).toContain(verifier.hashIdentity('user', 'victim0'))
      expect(summaries.map((e) => e.ip).sort()).toEqual(ips)
      for (const s of summaries) {
        expect(s).toMatchObject({ decision: 'deny', score: 100, action: 'login', mode: 'live' })
        expect(s.reasons).toEqual([
          { code: 'CHALLENGE_FORGED', weight: 100, detail: { summary: true, count: 4990, from: expect.any(Number), to: s.at } },
        ])
        expect(s.userHash).toBeUndefined()
      }
      expect(summaries.reduce((n, s) => n + (s.reasons[0]!.detail!.count as number), 0) + full.length).toBe(10_000)
    } finally {
      verifier.close()
      await raw.close()
    }
  }, 60_000)

  it('each code has its own budget; a missing token and a valid token are recorded as before', async () => {
    let clock = Date.now()
    const { raw, counted, verifier } = await sqliteSetup({ rejectedEvents: { fullPerInterval: 2, intervalMs: 60_000 }, now: () => clock })
    try {
      const device = await newDevice()
      const fresh = async () => (await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge
      const forged = await forgedMac(await fresh())
      const expired = await tokenFor(await fresh(), { device })
      clock += 3600_000
      for (let i = 0; i < 5; i++) await verifier.verify(forged, { action: 'login', ip: '198.51.100.1' })
      for (let i = 0; i < 5; i++) expect(codesOf(await verifier.verify(expired, { action: 'login' }))).toEqual(['TOKEN_EXPIRED'])
      for (let i = 0; i < 5; i++) expect(codesOf(await verifier.verify(undefined, { action: 'login' }))).toEqual(['TOKEN_MISSING'])
      const valid = await verifier.verify(await tokenFor(await fresh(), { device }), { action: 'login', userId: 'alice' })
      expect(valid.device?.id).toBeDefined()
      // 2 + 2 rejections in full, 5 missing tokens, and the valid token's event (written behind the verdicts).
      await until(async () => (await raw.getEvent(valid.eventId)) !== undefined, 5000, 'the valid token’s event')
      expect(counted.calls.get('recordEvent')).toBe(2 + 2 + 5 + 1)
      expect(await raw.getEvent(valid.eventId)).toMatchObject({ userHash: verifier.hashIdentity('user', 'alice') })
      // The next interval: the budget is back.
      clock += 60_000
      const later = await verifier.verify(forged, { action: 'login', ip: '198.51.100.1' })
      await until(async () => (await raw.getEvent(later.eventId)) !== undefined, 5000, 'the later event')
      expect(await raw.getEvent(later.eventId)).toMatchObject({ reasons: [{ code: 'CHALLENGE_FORGED' }] })
      await verifier.flush()
      const events = await raw.listEvents({ limit: 100 })
      const summary = (code: string) => events.filter((e) => e.reasons[0]?.code === code && e.reasons[0].detail?.summary === true)
      expect(summary('CHALLENGE_FORGED').map((e) => [e.ip, e.reasons[0]!.detail!.count])).toEqual([['198.51.100.1', 3]])
      expect(summary('TOKEN_EXPIRED').map((e) => [e.ip, e.reasons[0]!.detail!.count])).toEqual([[undefined, 3]])
      expect(summary('TOKEN_MISSING')).toEqual([])
      expect(events.filter((e) => e.reasons[0]?.code === 'TOKEN_MISSING')).toHaveLength(5)
    } finally {
      verifier.close()
      await raw.close()
    }
  }, 30_000)

  it('alerts and maxSummaries: every rejection is counted, the IP left out past the cap', async () => {
    const store = memoryStore()
    const counted = counting(store)
    const alerts: string[] = []
    const verifier = await createVerifier({
      ...BASE,
      store: counted.store,
      alertOn: ['CHALLENGE_FORGED'],
      onAlert: (alert) => void alerts.push(alert.code),
      rejectedEvents: { fullPerInterval: 0, maxSummaries: 3 },
    })
    try {
      const token = await forgedMac((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
      for (let i = 0; i < 100; i++) {
        const verdict = await verifier.verify(token, { action: 'login', ip: `192.0.2.${i % 10}` })
        expect(verdict).toMatchObject({ decision: 'deny', mode: 'live', reasons: [{ code: 'CHALLENGE_FORGED' }] })
      }
      expect(counted.total()).toBe(0)
      await new Promise((resolve) => setImmediate(resolve))
      expect(alerts).toHaveLength(100)
      await verifier.flush()
      const events = await store.listEvents({ limit: 100 })
      expect(events).toHaveLength(4)
      const kept = events.filter((e) => e.ip !== undefined)
      const omitted = events.filter((e) => e.ip === undefined)
      expect(kept.map((e) => e.reasons[0]!.detail!.count)).toEqual([10, 10, 10])
      expect(omitted.map((e) => e.reasons[0]!.detail)).toEqual([expect.objectContaining({ count: 70, ipOmitted: true })])
    } finally {
      verifier.close()
    }
  })

  it('monitor mode records every rejection in full: the app carries on and may report against the event', async () => {
    const store = memoryStore()
    const counted = counting(store)
    const verifier = await createVerifier({
      ...BASE,
      store: counted.store,
      policy: { mode: 'monitor' },
      rejectedEvents: { fullPerInterval: 0 },
    })
    try {
      const token = await forgedMac((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
      let last
      for (let i = 0; i < 20; i++) {
        last = await verifier.verify(token, { action: 'login', ip: '192.0.2.1' })
        expect(last).toMatchObject({ decision: 'allow', wouldBe: 'deny', mode: 'monitor', reasons: [{ code: 'CHALLENGE_FORGED' }] })
      }
      expect(await verifier.flush()).toBe(0) // the events are written behind the verdicts
      expect(counted.calls.get('recordEvent')).toBe(20)
      expect(await verifier.reportOutcome(last!.eventId, 'login_failed')).toBe('recorded')
    } finally {
      verifier.close()
    }
  })

  it('a summary the write queue refuses during an outage is kept and written once the store is back', async () => {
    const store = memoryStore()
    let down = false
    const failing = new Proxy(store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown
        if (typeof value !== 'function' || property === 'close') return value
        return (...args: unknown[]) =>
          down ? Promise.reject(new Error('simulated outage')) : (value as (...a: unknown[]) => unknown).apply(target, args)
      },
    })
    const verifier = await createVerifier({ ...BASE, store: failing, storeTimeout: 200, rejectedEvents: { fullPerInterval: 0 } })
    try {
      const token = await forgedMac((await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge)
      down = true
      // 5 001 requests without a token fill the half of the write queue their events may use.
      for (let i = 0; i < 5001; i++) await verifier.verify(undefined, { action: 'login', ip: '198.51.100.66' })
      for (let i = 0; i < 7; i++) await verifier.verify(token, { action: 'login', ip: '198.51.100.9' })
      expect(await verifier.flush()).toBe(5000) // the summary was refused: kept in the sampler
      for (let i = 0; i < 3; i++) await verifier.verify(token, { action: 'login', ip: '198.51.100.9' })
      down = false
      expect(await verifier.flush()).toBe(0) // the queue drains; the summary waits for the next flush
      expect(await verifier.flush()).toBe(0)
      const events = await store.listEvents({ limit: 10_000 })
      const summaries = events.filter((e) => e.reasons[0]?.code === 'CHALLENGE_FORGED')
      expect(summaries.map((e) => e.reasons[0]!.detail!.count)).toEqual([10])
    } finally {
      verifier.close()
    }
  }, 60_000)
})

describe('rejectedEvents options', () => {
  it('refuses values out of range with CONFIG_TIME, naming the member', async () => {
    for (const rejectedEvents of [{ fullPerInterval: -1 }, { fullPerInterval: 1.5 }, { intervalMs: 999 }, { maxSummaries: 0 }]) {
      await expect(createVerifier({ ...BASE, rejectedEvents })).rejects.toMatchObject({
        code: 'CONFIG_TIME',
        message: expect.stringContaining(`rejectedEvents: ${Object.keys(rejectedEvents)[0]}`),
      })
    }
    const verifier = await createVerifier({ ...BASE, rejectedEvents: { fullPerInterval: 0, intervalMs: 1000, maxSummaries: 1 } })
    verifier.close()
  })
})

const codesOf = (v: { reasons: Array<{ code: string }> }) => v.reasons.map((r) => r.code)
