import { describe, expect, it } from 'vitest'
import { memoryStore } from './memory.js'

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

  it('stays within its key bound, evicting the oldest', async () => {
    const store = memoryStore({ maxKeys: 10 })
    for (let i = 0; i < 25; i++) expect(await store.setIfAbsent(`k${i}`, 60_000)).toBe(true)
    expect(await store.setIfAbsent('k24', 60_000)).toBe(false)
    expect(await store.setIfAbsent('k0', 60_000)).toBe(true) // evicted long ago
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
})
