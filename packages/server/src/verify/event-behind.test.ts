// The verification's event goes through the write-behind queue (issue 19): the queue writes
// the events of verifications running at once in groups (one store batch each) while a write
// is in flight; verify() resolves once its event's write was tried, so a report on it (from
// this verifier or another sharing the store) never runs before the event lands; flush()
// waits for writes in flight. Real stores (memory, a SQLite file, a real Redis), wrapped to
// hold or count calls, never mocked.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type TestRedis } from '../../../../test/support/redis.js'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../../../../test/support/tokens.js'
import { isBatchingStore, type BatchOptions, type StoreOp } from '../stores/batch.js'
import { memoryStore } from '../stores/memory.js'
import { redisStore } from '../stores/redis.js'
import { sqliteStore } from '../stores/sqlite.js'
import type { Store } from '../stores/types.js'
import { createVerifier, type Verifier } from '../verifier.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v
const dir = mkdtempSync(join(tmpdir(), 'kenchi-event-behind-'))
let redis: TestRedis
let admin: Redis
const opened: Store[] = []
beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
}, 30_000)
afterAll(async () => {
  for (const store of opened) await store.close().catch(() => undefined)
  admin?.disconnect()
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `done()` holds, up to 5 s. */
async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done(); waited += 5) {
    if (waited > 5000) throw new Error('timed out waiting')
    await sleep(5)
  }
}

/** A gate: `wait` resolves once `open()` was called. */
function gate() {
  let open!: () => void
  const wait = new Promise<void>((resolve) => (open = resolve))
  return { wait, open }
}

async function verifierOn(store: Store): Promise<Verifier> {
  return createVerifier({
    keys: [{ id: 'k1', secret: 'behind-secret-behind-secret-behind-se' }],
    hashSecret: 'behind-hash-behind-hash-behind-hash-be',
    origins: [ORIGIN],
    store,
  })
}

async function tokenOf(verifier: Verifier, device: TestDevice): Promise<string> {
  const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
  return tokenFor(challenge, { device, signals: withOwnFingerprint(humanSignals(), device) })
}

const context = (i: number) => ({ action: 'login', ip: '203.0.113.7', userAgent: UA, userId: `user${i}` })
const isEvents = (ops: readonly StoreOp[]) => ops.length > 0 && ops.every((op) => op.op === 'recordEvent')
const eventIds = (ops: readonly StoreOp[]) => ops.map((op) => (op as Extract<StoreOp, { op: 'recordEvent' }>).event.id)

/**
 * A batching store with its event batches recorded (the ids of each) and, while `hold` is
 * set, each event batch held until the gate opens; `log` gets "events landed" after each.
 */
function watched(real: Store) {
  if (!isBatchingStore(real)) throw new Error('a store with batch()')
  const groups: string[][] = []
  const log: string[] = []
  let hold: Promise<void> | undefined
  let readBatches = 0
  const store: Store = {
    ...real,
    batch: async (ops: readonly StoreOp[], options?: BatchOptions) => {
      if (!isEvents(ops)) {
        if (options?.gate) readBatches++
        return real.batch(ops, options)
      }
      groups.push(eventIds(ops))
      if (hold) await hold
      const answers = await real.batch(ops, options)
      log.push('events landed')
      return answers
    },
    updateEvent: async (id, patch) => {
      log.push('update')
      return real.updateEvent(id, patch)
    },
  } as Store
  return {
    store,
    groups,
    log,
    holdEvents(until: Promise<void> | undefined) {
      hold = until
    },
    /** Read batches (the ones gated on a nonce) sent so far. */
    get readBatches() {
      return readBatches
    },
  }
}

const batchingStores: Array<[string, () => Promise<Store>]> = [
  ['SQLite', async () => sqliteStore({ path: join(dir, `eb-${Math.random().toString(36).slice(2)}.db`) })],
  [
    'Redis',
    async () => {
      const store = await redisStore({ url: redis.url, prefix: `eb${Math.random().toString(36).slice(2, 8)}:` })
      opened.push(store)
      return store
    },
  ],
]

describe('the event through the write-behind queue (memory store, recordEvent held)', () => {
  it('verify() resolves once its event is in the store; a report right after applies; flush() waits for a report in flight', async () => {
    const backing = memoryStore()
    const held = gate()
    let started = 0
    let holdUpdates = false
    const updates = gate()
    const store: Store = {
      ...backing,
      recordEvent: async (event) => {
        started++
        await held.wait
        return backing.recordEvent(event)
      },
      updateEvent: async (id, patch) => {
        if (holdUpdates) await updates.wait
        return backing.updateEvent(id, patch)
      },
    }
    const verifier = await verifierOn(store)
    let verdict: Awaited<ReturnType<Verifier['verify']>> | undefined
    const verifying = verifier.verify(await tokenOf(verifier, await newDevice()), context(0)).then((v) => (verdict = v))
    await until(() => started === 1)
    await sleep(30)
    expect(verdict).toBeUndefined() // waits for its event's write in flight
    held.open()
    await verifying
    expect(verdict!.decision).toBe('allow')
    expect(verdict!.reasons.map((r) => r.code)).not.toContain('STORE_UNAVAILABLE')
    expect(await backing.getEvent(verdict!.eventId)).toMatchObject({ id: verdict!.eventId }) // in the store already
    // A report right away, its update held: flush() waits for it.
    holdUpdates = true
    const report = verifier.reportOutcome(verdict!.eventId, 'login_succeeded')
    let flushed: number | undefined
    const flushing = verifier.flush().then((n) => (flushed = n))
    await sleep(30)
    expect(flushed).toBeUndefined()
    updates.open()
    expect(await report).toBe('recorded')
    await flushing
    expect(flushed).toBe(0)
    expect((await backing.getEvent(verdict!.eventId))?.outcomes?.map((o) => o.outcome)).toEqual(['login_succeeded'])
    verifier.close()
  })
})

describe.each(batchingStores)('events through the write-behind queue, in groups (%s)', (_name, open) => {
  it('a report made immediately after verify(), by this verifier or another sharing the store, applies to the event', async () => {
    const watch = watched(await open())
    const verifier = await verifierOn(watch.store)
    // Another verifier on the same store, as another process would be: its queue knows nothing of the first's.
    const other = await verifierOn(watch.store)
    const device = await newDevice()
    const first = await verifier.verify(await tokenOf(verifier, device), context(1))
    expect(await verifier.reportOutcome(first.eventId, 'login_succeeded')).toBe('recorded')
    expect(await other.label(first.eventId, 'legit')).toBe('recorded')
    expect(await watch.store.getEvent(first.eventId)).toMatchObject({
      outcomes: [{ outcome: 'login_succeeded' }],
      label: { label: 'legit' },
    })
    // With the event's write held in flight, the verdict waits for it; the other verifier's report follows.
    watch.log.length = 0
    const held = gate()
    watch.holdEvents(held.wait)
    const token = await tokenOf(verifier, device)
    const groupsBefore = watch.groups.length
    let resolved = false
    const second = verifier.verify(token, context(1)).finally(() => (resolved = true))
    await until(() => watch.groups.length === groupsBefore + 1) // its event's group, held
    await sleep(30)
    expect(resolved).toBe(false)
    expect(watch.log).toEqual([])
    held.open()
    watch.holdEvents(undefined)
    const verdict = await second
    expect(await other.reportOutcome(verdict.eventId, 'login_failed')).toBe('recorded')
    expect(watch.log).toEqual(['events landed', 'update'])
    expect((await watch.store.getEvent(verdict.eventId))?.outcomes?.map((o) => o.outcome)).toEqual(['login_failed'])
    expect(await verifier.flush()).toBe(0)
    expect(await other.flush()).toBe(0)
    verifier.close()
    other.close()
  })

  it('gathers the events of concurrent verifications while one write is in flight: one batch per group, at most 100 each', async () => {
    const watch = watched(await open())
    const verifier = await verifierOn(watch.store)
    const device = await newDevice()
    const K = 120
    const tokens = await Promise.all(Array.from({ length: K }, () => tokenOf(verifier, device)))
    const held = gate()
    watch.holdEvents(held.wait)
    // The first event's batch is held: the others gather behind it while their verify() waits.
    const verifying = Promise.all(tokens.map((token, i) => verifier.verify(token, context(i % 7))))
    await until(() => watch.readBatches >= K)
    await sleep(50)
    expect(watch.groups).toHaveLength(1)
    held.open()
    watch.holdEvents(undefined)
    const verdicts = await verifying
    // (Velocity rules may challenge some of 120 logins from one device: any decision will do.)
    expect(verdicts.flatMap((v) => v.reasons.map((r) => r.code))).not.toContain('STORE_UNAVAILABLE')
    expect(await verifier.flush()).toBe(0)
    // 120 events: the one in flight, then those gathered behind it, 100 at most each.
    expect(watch.groups[0]).toHaveLength(1)
    expect(Math.max(...watch.groups.map((g) => g.length))).toBeLessThanOrEqual(100)
    expect(watch.groups.length).toBeLessThanOrEqual(4)
    const written = watch.groups.flat()
    expect(written).toHaveLength(K)
    expect(new Set(written).size).toBe(K) // none twice
    expect(new Set(written)).toEqual(new Set(verdicts.map((v) => v.eventId)))
    for (const v of verdicts) expect((await watch.store.getEvent(v.eventId))?.decision).toBe(v.decision)
    verifier.close()
  })
})

describe('Redis: scripts per verification (INFO commandstats)', () => {
  async function scriptCalls(): Promise<number> {
    let calls = 0
    for (const [, n] of (await admin.info('commandstats')).matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(n)
    return calls
  }

  it('one EVALSHA per verification for its reads; the events of concurrent verifications share EVALSHAs', async () => {
    const real = await redisStore({ url: redis.url, prefix: 'ebstats:' })
    opened.push(real)
    const watch = watched(real)
    const verifier = await verifierOn(watch.store)
    const devices = await Promise.all(Array.from({ length: 20 }, () => newDevice()))
    // Returning customers: each device seen and reported once, so no write batch follows.
    for (const [i, device] of devices.entries()) {
      const seen = await verifier.verify(await tokenOf(verifier, device), context(i))
      await verifier.reportOutcome(seen.eventId, 'login_succeeded')
    }
    expect(await verifier.flush()).toBe(0)
    const K = devices.length
    const tokens = await Promise.all(devices.map((device) => tokenOf(verifier, device)))
    watch.groups.length = 0
    const before = await scriptCalls()
    const verdicts = await Promise.all(tokens.map((token, i) => verifier.verify(token, context(i))))
    expect(await verifier.flush()).toBe(0)
    const scripts = (await scriptCalls()) - before
    expect(verdicts.every((v) => v.decision === 'allow')).toBe(true)
    const eventBatches = watch.groups.length
    expect(watch.groups.flat()).toHaveLength(K)
    // Every script is a read batch (one per verification) or an event group.
    expect(scripts).toBe(K + eventBatches)
    expect(eventBatches).toBeLessThanOrEqual(K / 2)
    verifier.close()
  })
})
