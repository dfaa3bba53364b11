// verify() talks to the store in batches (issue 19): a returning customer costs one read
// batch, at most one write batch, and its event in a batch of events written behind the
// verdict (grouped with other verifications' events); a replayed token runs only its gate.
// The stores are real (memory, SQLite file), wrapped to count calls (not mocked).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint } from '../../../../test/support/tokens.js'
import { runBatch, type BatchOptions, type StoreOp } from '../stores/batch.js'
import { memoryStore } from '../stores/memory.js'
import { sqliteStore } from '../stores/sqlite.js'
import type { Store } from '../stores/types.js'
import { createVerifier } from '../verifier.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v
const STORED_ID = 'RRRRRRRRRRRRRRRRRRRRRR'
const ids = { v: { c: STORED_ID, l: STORED_ID, i: STORED_ID, n: STORED_ID }, d: 0 }
const dir = mkdtempSync(join(tmpdir(), 'kenchi-round-trips-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Records each method called on `store` (one entry per call) and passes the call on; `extra` adds methods. */
function counting(store: Store, calls: string[], extra: Record<string, unknown> = {}): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Object.hasOwn(extra, prop) ? extra[prop as string] : Reflect.get(target, prop, receiver)
      // The real store's own batch() (if it has one) is hidden: each operation is counted.
      if (prop === 'batch' && !Object.hasOwn(extra, prop)) return undefined
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls.push(String(prop))
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

/**
 * The store the verifier sees: every call it makes is a round trip (`trips`); `batch()`
 * runs the operations on the real store underneath, each one counted in `ran`.
 */
function batching(real: Store) {
  const trips: string[] = []
  const ran: string[] = []
  const inner = counting(real, ran)
  const batch = (ops: readonly StoreOp[], options?: BatchOptions) => {
    // `counting` records the call as `batch`; say which one it was.
    const kind = options?.gate ? 'reads' : ops.every((op) => op.op === 'recordEvent') ? 'events' : 'writes'
    trips[trips.length - 1] = `batch(${kind})`
    return runBatch(inner, ops, options)
  }
  return { store: counting(inner, trips, { batch }), trips, ran }
}

const stores: Array<[string, () => Promise<Store>]> = [
  ['memory', async () => memoryStore()],
  ['SQLite', async () => sqliteStore({ path: join(dir, `rt-${Math.random().toString(36).slice(2)}.db`) })],
]

describe.each(stores)('verify() store round trips (%s)', (_name, open) => {
  async function setup() {
    const { store, trips, ran } = batching(await open())
    const verifier = await createVerifier({
      keys: [{ id: 'k1', secret: 'roundtrip-secret-roundtrip-secret-roun' }],
      hashSecret: 'roundtrip-hash-roundtrip-hash-roundtrip',
      origins: [ORIGIN],
      store,
    })
    const device = await newDevice()
    const token = async () => {
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      return tokenFor(challenge, { device, signals: { ...withOwnFingerprint(humanSignals(), device), ids } })
    }
    const context = { action: 'login', ip: '203.0.113.7', userAgent: UA, userId: 'returning' }
    return { store, trips, ran, verifier, token, context }
  }

  it('a returning customer: one read batch, at most one write batch, and the event', async () => {
    const { trips, ran, verifier, token, context } = await setup()
    const first = await verifier.verify(await token(), context)
    expect(await verifier.reportOutcome(first.eventId, 'login_succeeded')).toBe('recorded')
    const raw = await token()
    trips.length = 0
    ran.length = 0
    const verdict = await verifier.verify(raw, context)
    expect(verdict.decision).toBe('allow')
    expect(verdict.reasons.map((r) => r.code)).toContain('USER_DEVICE')
    expect(await verifier.flush()).toBe(0) // the event, written behind the verdict
    expect(trips.filter((t) => t === 'batch(reads)')).toHaveLength(1)
    expect(trips.filter((t) => t === 'batch(writes)').length).toBeLessThanOrEqual(1)
    expect(trips.filter((t) => t === 'batch(events)')).toHaveLength(1)
    expect(trips.filter((t) => !t.startsWith('batch('))).toEqual([])
    expect(ran.filter((r) => r === 'recordEvent')).toHaveLength(1)
    // The read batch ran the nonce first and the device record, then the rules' reads.
    expect(ran.slice(0, 2)).toEqual(['setIfAbsent', 'touchDevice'])
    expect(ran).toContain('linkUserDevice')
    verifier.close()
  })

  it('a replayed token runs only the gate (and its event is recorded), with the same reason as before', async () => {
    const { trips, ran, verifier, token, context } = await setup()
    const raw = await token()
    await verifier.verify(raw, context)
    trips.length = 0
    ran.length = 0
    const replayed = await verifier.verify(raw, context)
    expect(replayed.reasons.map((r) => r.code)).toEqual(['TOKEN_REPLAYED'])
    expect(replayed.decision).toBe('deny')
    expect(await verifier.flush()).toBe(0)
    expect(trips).toEqual(['batch(reads)', 'batch(events)'])
    expect(ran).toEqual(['setIfAbsent', 'recordEvent'])
    verifier.close()
  })
})
