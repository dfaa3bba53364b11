import { describe, expect, it } from 'vitest'
import { copyEvent, memoryStore } from './memory.js'
import type { EventRecord } from './types.js'

// Behaviour every store shares is in the conformance suite (test/stores/); these are the
// memory store's own: its injectable clock and its bounds.

const key = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } as const

describe('memoryStore', () => {
  it('expires a key exactly at its TTL by its clock', async () => {
    let now = 1000
    const store = memoryStore({ now: () => now })
    expect(await store.setIfAbsent('n', 100)).toBe(true)
    expect(await store.setIfAbsent('n', 100)).toBe(false)
    now += 99
    expect(await store.setIfAbsent('n', 100)).toBe(false)
    now += 1
    expect(await store.setIfAbsent('n', 100)).toBe(true)
  })

  it('bounds values to maxValues, dropping the one closest to expiry, and never a flag', async () => {
    let now = 1000
    const store = memoryStore({ maxValues: 3, maxFlags: 5, now: () => now })
    await store.setFlag('v:long', 60_000)
    await store.setValue('a', '1', 50_000)
    await store.setValue('b', '2', 10_000)
    await store.setValue('c', '3', 30_000)
    await store.setValue('d', '4', 40_000) // over the bound: b expires first, so b goes
    expect(await store.getValue('b')).toBeUndefined()
    expect([await store.getValue('a'), await store.getValue('c'), await store.getValue('d')]).toEqual(['1', '3', '4'])
    expect(await store.has('v:long')).toBe(true)
    now += 30_000 // c expired: the next write makes room without dropping a live one
    await store.setValue('e', '5', 1000)
    expect([await store.getValue('a'), await store.getValue('c'), await store.getValue('d'), await store.getValue('e')]).toEqual([
      '1',
      undefined,
      '4',
      '5',
    ])
  })

  it('never evicts a live flag: when full it refuses new ones, and expired ones make room', async () => {
    let now = 1000
    const store = memoryStore({ maxFlags: 10, now: () => now })
    for (let i = 0; i < 10; i++) expect(await store.setIfAbsent(`nonce:${i}`, 60_000)).toBe(true)
    await expect(store.setIfAbsent('nonce:10', 60_000)).rejects.toThrow(/live flags/)
    expect(await store.setIfAbsent('nonce:0', 60_000)).toBe(false) // still remembered: no replay
    now += 60_001
    expect(await store.setIfAbsent('nonce:10', 60_000)).toBe(true)
  })

  it('keeps counters within their bound, evicting the oldest, without touching flags', async () => {
    const store = memoryStore({ maxKeys: 10 })
    expect(await store.setIfAbsent('nonce:a', 60_000)).toBe(true)
    for (let i = 0; i < 25; i++) await store.hit(`c${i}`, 60_000, 1)
    expect(await store.countHits('c24', 60_000, 1)).toBe(1)
    expect(await store.countHits('c0', 60_000, 1)).toBe(0) // evicted long ago
    expect(await store.setIfAbsent('nonce:a', 60_000)).toBe(false)
  })

  it('bounds devices by least recent sight', async () => {
    const store = memoryStore({ maxDevices: 2 })
    await store.touchDevice('a', key, 1)
    await store.touchDevice('b', key, 2)
    await store.touchDevice('a', key, 3)
    await store.touchDevice('c', key, 4)
    expect(await store.getDevice('b')).toBeUndefined()
    expect(await store.getDevice('a')).toBeDefined()
  })

  it('keeps the newest events, newest first, and copies them', async () => {
    const store = memoryStore({ maxEvents: 3 })
    for (let i = 0; i < 5; i++) {
      await store.recordEvent({ id: `e${i}`, at: i, action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live' })
    }
    const events = await store.listEvents()
    expect(events.map((e) => e.id)).toEqual(['e4', 'e3', 'e2'])
    expect((await store.listEvents({ limit: 1 })).map((e) => e.id)).toEqual(['e4'])
    expect(await store.listEvents({ limit: 0 })).toEqual([])
    events[0]!.reasons.push({ code: 'AUTOMATION', weight: 1 })
    expect((await store.listEvents())[0]!.reasons).toEqual([])
  })

  it('over a bound of 64 or more, evicts the oldest 1/64 at once, and only the oldest', async () => {
    const store = memoryStore({ maxEvents: 640, maxDevices: 128 })
    const record = (i: number) =>
      store.recordEvent({ id: `e${i}`, at: i, action: 'login', decision: 'allow', score: 0, reasons: [], mode: 'live' })
    for (let i = 0; i < 640; i++) await record(i)
    expect(await store.listEvents({ limit: 1000 })).toHaveLength(640)
    await record(640) // over: down to 640 - 10
    const kept = (await store.listEvents({ limit: 1000 })).map((e) => e.id)
    expect(kept).toHaveLength(630)
    expect(kept.at(-1)).toBe('e11')
    expect(kept[0]).toBe('e640')
    for (let i = 0; i < 129; i++) await store.touchDevice(`d${i}`, key, i)
    expect(await store.getDevice('d2')).toBeUndefined() // 129 devices, down to 128 - 2: d0, d1, d2 went
    expect(await store.getDevice('d3')).toBeDefined()
    expect(await store.getDevice('d128')).toBeDefined()
  })

  it('shares no object with its callers: an event is copied on the way in and out', async () => {
    const store = memoryStore()
    const reasons: EventRecord['reasons'] = [{ code: 'FIRST_USER_DEVICE', weight: 10, detail: { seen: [1, 2], nested: { a: 'b' } } }]
    const event: EventRecord = {
      id: 'e1',
      at: 1,
      action: 'login',
      decision: 'allow',
      score: 10,
      reasons,
      mode: 'live',
      fingerprint: { coarse: 'c', fine: 'f' },
    }
    await store.recordEvent(event)
    const recorded = structuredClone(event)
    // The caller goes on using its objects...
    reasons.push({ code: 'STORE_UNAVAILABLE', weight: 0 })
    ;(reasons[0]!.detail!.seen as number[]).push(3)
    event.fingerprint!.fine = 'changed'
    expect(await store.getEvent('e1')).toEqual(recorded)
    // ...and so does whoever reads it.
    const read = (await store.getEvent('e1'))!
    read.reasons[0]!.detail!.nested = 'changed'
    ;(await store.listEvents())[0]!.reasons.length = 0
    ;(await store.updateEvent('e1', { outcome: { outcome: 'login_succeeded', at: 2 } }))!.outcomes!.length = 0
    expect(await store.getEvent('e1')).toEqual({ ...recorded, outcomes: [{ outcome: 'login_succeeded', at: 2 }] })
  })

  it('copies events exactly like structuredClone, also beyond plain JSON', () => {
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<string, unknown>
    let deep: Record<string, unknown> = { end: true }
    for (let i = 0; i < 40; i++) deep = { deep }
    const event = {
      id: 'e',
      at: 1,
      action: 'login',
      decision: 'deny',
      score: 1,
      mode: 'live',
      reasons: [{ code: 'BOT', weight: 1, detail: { hostile, when: new Date(5), deep, missing: undefined, list: [null, 'x', [1]] } }],
    } as unknown as EventRecord
    const copy = copyEvent(event)
    expect(copy).toStrictEqual(structuredClone(event))
    const detail = copy.reasons[0]!.detail as Record<string, unknown>
    expect(Object.getPrototypeOf(detail.hostile)).toBe(Object.prototype)
    expect(Object.hasOwn(detail.hostile as object, '__proto__')).toBe(true)
    expect(detail.when).toBeInstanceOf(Date)
    expect(detail.when).not.toBe((event.reasons[0]!.detail as Record<string, unknown>).when)
    expect(detail.deep).not.toBe(deep)
  })
})

describe('memoryStore device records', () => {
  it('are handed out frozen, their key too, with no copy of the caller key kept', async () => {
    const store = memoryStore({ now: () => 1000 })
    const mine = { ...key }
    const { after } = await store.touchDevice('d', mine, 1000)
    expect(Object.isFrozen(after)).toBe(true)
    expect(Object.isFrozen(after.publicKey)).toBe(true)
    expect(after.publicKey).not.toBe(mine)
    expect(Object.isFrozen(mine)).toBe(false)
    expect(() => {
      after.status = 'fraud'
    }).toThrow(TypeError)
    const got = (await store.getDevice('d'))!
    expect(Object.isFrozen(got)).toBe(true)
    const fraud = (await store.setDeviceStatus('d', 'fraud'))!
    expect(Object.isFrozen(fraud)).toBe(true)
    // A change replaced the record: what was handed out before still says what it said.
    expect(got.status).toBe('waiting')
    expect((await store.touchDevice('d', key, 2000)).before).toEqual({ ...got, status: 'fraud' })
  })
})
