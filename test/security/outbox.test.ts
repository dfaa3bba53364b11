// Finding 1: the write-behind queue must never jam. A flush() with nothing pending, or a
// retry timer firing after a flush emptied the queue, used to leave a settled promise in
// `flushing`, after which nothing queued was ever retried and flush() answered 0.
import { describe, expect, it } from 'vitest'
import { createOutbox, OutboxFullError } from '../../packages/server/src/outbox.js'
import type { EventRecord } from '../../packages/server/src/stores/types.js'
import { FAILURE_RETENTION_MS } from '../../packages/server/src/effects.js'
import { createVerifier, type Verifier } from '../../packages/server/src/verifier.js'
import { newDevice, tokenFor, type TestDevice } from '../support/tokens.js'
import { describeEachStore, sleep, until } from './stores.js'

const ORIGIN = 'https://shop.example'

describe('outbox', () => {
  it('retries a queued write after a flush() that found nothing pending', async () => {
    const outbox = createOutbox({ minDelayMs: 10, maxDelayMs: 40 })
    expect(await outbox.flush()).toBe(0) // an app's periodic flush, with nothing to do
    let calls = 0
    const write = async () => {
      if (++calls === 1) throw new Error('store down')
    }
    expect(await outbox.submit(write)).toBe('queued')
    await until(() => outbox.pending === 0, 2000, 'the retry timer to drain the queue')
    expect(calls).toBe(2)
    outbox.close()
  })

  it('flush() reports what is still waiting after a retry timer fired on a queue a flush had emptied', async () => {
    let down = true
    const write = async () => {
      if (down) throw new Error('down')
    }
    const outbox = createOutbox({ minDelayMs: 30 })
    expect(await outbox.submit(write)).toBe('queued') // the retry timer is set for 30 ms
    down = false
    expect(await outbox.flush()).toBe(0) // the app's flush empties the queue first...
    await sleep(80) // ...then the timer fires on the empty queue: this used to jam it
    down = true
    expect(await outbox.submit(write)).toBe('queued')
    expect(await outbox.flush()).toBe(1) // still down: one write waits, and flush() says so
    down = false
    expect(await outbox.flush()).toBe(0)
    expect(outbox.pending).toBe(0)
    outbox.close()
  })

  it('keeps order and loses nothing under a flapping store and concurrent flushes', async () => {
    const outbox = createOutbox({ minDelayMs: 5, maxDelayMs: 20 })
    const done: number[] = []
    let down = false
    const flapper = setInterval(() => (down = !down), 7)
    const flusher = setInterval(() => void outbox.flush(), 3)
    for (let i = 0; i < 200; i++) {
      await outbox.submit(async () => {
        if (down) throw new Error('down')
        done.push(i)
      })
      if (i % 10 === 0) await sleep(1)
    }
    clearInterval(flapper)
    down = false
    await until(async () => (await outbox.flush()) === 0 && outbox.pending === 0, 5000, 'the queue to drain')
    clearInterval(flusher)
    expect(done).toEqual([...Array(200).keys()])
    outbox.close()
  })
})

describe('outbox: events written behind, in groups', () => {
  const ev = (id: string): EventRecord => ({ id, at: 1, action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live' })

  it('keeps events in order, a report after its event, groups events, and loses or duplicates none under a flapping store', async () => {
    const log: string[] = [] // what the store applied, in order
    const stored = new Set<string>()
    const groups: number[] = []
    let down = false
    const outbox = createOutbox({
      minDelayMs: 5,
      maxDelayMs: 20,
      groupSize: 8,
      recordEvents: async (events) => {
        await sleep(1)
        if (down) throw new Error('down')
        groups.push(events.length)
        // Recording an id twice keeps the first (as every store does): a retried group is harmless.
        for (const e of events) {
          if (stored.has(e.id)) continue
          stored.add(e.id)
          log.push(e.id)
        }
      },
    })
    const flapper = setInterval(() => (down = !down), 7)
    const reports: Array<Promise<unknown>> = []
    const early: string[] = [] // reports that ran before their event was written
    for (let i = 0; i < 300; i++) {
      expect(['accepted', 'queued']).toContain(outbox.record(ev(`e${i}`)))
      if (i % 10 === 9) {
        // A report on the event just recorded, made once its write was tried (as verify()
        // resolves): it must apply after that event's write, even when that write failed.
        const id = `e${i}`
        expect(['done', 'queued']).toContain(await outbox.settled(id))
        reports.push(
          outbox.submit(async () => {
            if (down) throw new Error('down')
            if (!stored.has(id)) early.push(id) // (an expect here would read as a store failure)
            log.push(`r${i}`)
          }),
        )
      }
      if (i % 25 === 0) await sleep(2)
    }
    clearInterval(flapper)
    down = false
    await until(async () => (await outbox.flush()) === 0 && outbox.pending === 0, 5000, 'the queue to drain')
    await Promise.all(reports)
    const expected: string[] = []
    for (let i = 0; i < 300; i++) expected.push(`e${i}`, ...(i % 10 === 9 ? [`r${i}`] : []))
    expect(early).toEqual([])
    // Events in the order handed in; each report after its event; nothing lost or doubled.
    expect(log.filter((x) => x.startsWith('e'))).toEqual(expected.filter((x) => x.startsWith('e')))
    for (let i = 9; i < 300; i += 10) expect(log.indexOf(`r${i}`)).toBeGreaterThan(log.indexOf(`e${i}`))
    expect([...log].sort()).toEqual([...expected].sort())
    expect(Math.max(...groups)).toBeLessThanOrEqual(8)
    expect(groups.length).toBeLessThan(300) // grouped
    outbox.close()
  })

  it('record() decides at once: accepted, queued while the store fails, refused past half the queue for bulk events', async () => {
    let down = true
    const outbox = createOutbox({
      max: 10,
      minDelayMs: 10_000,
      recordEvents: async () => {
        if (down) throw new Error('down')
      },
    })
    expect(outbox.record(ev('a'))).toBe('accepted') // the store has not failed yet
    expect(await outbox.flush()).toBe(1) // now it has: the event waits
    expect(outbox.record(ev('b'), { bulk: true })).toBe('queued')
    for (const id of ['c', 'd', 'e']) expect(outbox.record(ev(id), { bulk: true })).toBe('queued')
    expect(() => outbox.record(ev('f'), { bulk: true })).toThrow(OutboxFullError) // 5 of 10: half
    expect(outbox.record(ev('g'))).toBe('queued') // the other half stays for the rest
    expect(outbox.pending).toBe(6)
    down = false
    expect(await outbox.flush()).toBe(0)
    outbox.close()
  })

  it('flush() waits for a write in flight, and settled() for one event', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const written: string[] = []
    const outbox = createOutbox({
      recordEvents: async (events) => {
        await held
        written.push(...events.map((e) => e.id))
      },
    })
    expect(outbox.record(ev('x'))).toBe('accepted')
    expect(outbox.record(ev('y'))).toBe('accepted')
    let flushed: number | undefined
    let landed = false
    void outbox.flush().then((n) => (flushed = n))
    void outbox.settled('y').then(() => (landed = true))
    await sleep(30)
    expect([flushed, landed, written]).toEqual([undefined, false, []])
    release()
    await until(() => flushed === 0 && landed, 2000, 'the flush')
    expect(written).toEqual(['x', 'y'])
    expect(await outbox.settled('unknown')).toBe('done') // not in the queue: at once
    outbox.close()
  })
})

describeEachStore('labels and outcomes through a store outage under traffic', (open) => {
  it('applies every label and outcome queued during the outage', async () => {
    const { store, raw, outage } = await open()
    const verifier: Verifier = await createVerifier({
      keys: [{ id: 'k1', secret: 'outbox-secret-outbox-secret-outbox-0001' }],
      hashSecret: 'outbox-hash-outbox-hash-outbox-hash-0001',
      origins: [ORIGIN],
      store,
      storeTimeout: 500,
    })
    try {
      const login = async (device: TestDevice, userId: string, ip: string) => {
        const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
        return verifier.verify(await tokenFor(challenge, { device }), { action: 'login', ip, userId, loginId: userId })
      }
      const fraudDevice = await newDevice()
      const failingDevice = await newDevice()
      const trustedDevice = await newDevice()
      const fraud = await login(fraudDevice, 'mallory', '203.0.113.7')
      const failing = await login(failingDevice, 'alice', '198.51.100.20')
      const trusted = await login(trustedDevice, 'bob', '198.51.100.30')
      expect(trusted.decision).toBe('allow')

      // An app's periodic flush with nothing pending: this is what used to jam the queue.
      expect(await verifier.flush()).toBe(0)

      outage.start()
      const traffic = (async () => {
        for (let i = 0; i < 5; i++) await login(await newDevice(), `user${i}`, `192.0.2.${i + 1}`).catch(() => undefined)
      })()
      const reports = [
        verifier.label(fraud.eventId, 'fraud'),
        ...Array.from({ length: 20 }, () => verifier.reportOutcome(failing.eventId, 'login_failed')),
        verifier.reportOutcome(trusted.eventId, 'login_succeeded'),
      ]
      expect(new Set(await Promise.all(reports))).toEqual(new Set(['queued']))
      expect(await verifier.flush()).toBeGreaterThan(0) // still down: writes wait, and flush() says so
      await sleep(100)
      outage.end()
      await traffic

      // The retry timer drains the queue without any help from the app.
      const userHash = verifier.hashIdentity('user', 'alice')
      await until(async () => (await raw.getDevice(fraud.device!.id))?.status === 'fraud', 8000, 'the fraud label')
      await until(
        async () => (await raw.countHits(`login-failed:user:${userHash}`, FAILURE_RETENTION_MS, Date.now())) === 20,
        8000,
        '20 login failures',
      )
      const bob = verifier.hashIdentity('user', 'bob')
      await until(async () => (await raw.listUserDevices(bob)).some((d) => d.deviceId === trusted.device!.id && d.trusted), 8000, 'trust')
      expect(await verifier.flush()).toBe(0)

      // The fraud label now decides: same device again is no longer allowed.
      const again = await login(fraudDevice, 'mallory', '203.0.113.7')
      expect(again.decision).not.toBe('allow')
      // The failures count for LOGIN_FAILURES.
      const next = await login(failingDevice, 'alice', '198.51.100.20')
      expect(next.reasons.map((r) => r.code)).toContain('LOGIN_FAILURES')
    } finally {
      verifier.close()
    }
  })
})

describeEachStore('write queue under a flood during an outage', (open) => {
  it('events of failed tokens cannot crowd out labels and outcomes: half the queue stays theirs', async () => {
    const { store, raw, outage } = await open()
    const verifier = await createVerifier({
      keys: [{ id: 'k1', secret: 'outbox-secret-outbox-secret-outbox-0001' }],
      hashSecret: 'outbox-hash-outbox-hash-outbox-hash-0001',
      origins: [ORIGIN],
      store,
      storeTimeout: 500,
    })
    try {
      const device = await newDevice()
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      const victim = await verifier.verify(await tokenFor(challenge, { device }), { action: 'login', ip: '203.0.113.9', userId: 'mallory' })
      outage.start()
      // One client, no challenge needed: 10 001 requests without a token fill a queue of 10 000.
      for (let i = 0; i < 10_001; i++) await verifier.verify(undefined, { action: 'login', ip: '198.51.100.66' })
      // The fraud label is still accepted and applied once the store is back.
      expect(await verifier.label(victim.eventId, 'fraud')).toBe('queued')
      outage.end()
      await until(async () => (await raw.getDevice(victim.device!.id))?.status === 'fraud', 20_000, 'the fraud label')
    } finally {
      verifier.close()
    }
  }, 60_000)
})
