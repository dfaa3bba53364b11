// The console's event pages and charts through the store's indexed queries (queryEvents,
// countEvents) give what the bounded scan gave, on the same events: every filter, paging
// across a millisecond shared by several events, pages larger than one store query, and the
// chart's buckets and totals. The scan is what a store without queryEvents still gets.
import { describe, expect, it } from 'vitest'
import { eventStats, scanEvents } from '@kenchi/console'
import { memoryStore } from '../../packages/server/src/stores/memory.js'
import type { EventRecord, Store } from '../../packages/server/src/stores/types.js'

const NOW = 1_800_000_000_000
const DECISIONS = ['allow', 'challenge', 'deny'] as const

async function filled(): Promise<Store> {
  const store = memoryStore({ maxEvents: 100_000 })
  for (let i = 0; i < 3000; i++) {
    // Three events share each millisecond; times spread over the last ~25 hours.
    const event: EventRecord = {
      id: `e${i}`,
      at: NOW - Math.floor(i / 3) * 90_000,
      action: i % 4 === 0 ? 'checkout' : 'login',
      decision: DECISIONS[i % 3]!,
      score: (i * 7) % 101,
      reasons: i % 5 === 0 ? [{ code: 'AUTOMATION', weight: 100 }] : [],
      mode: 'live',
      userHash: `u${i % 13}`,
      ...(i % 2 === 0 ? { deviceId: `d${i % 9}` } : {}),
      ip: `198.51.100.${i % 7}`,
    }
    await store.recordEvent(event)
  }
  await store.updateEvent('e30', { label: { label: 'fraud', at: NOW } })
  return store
}

/** The same store without the indexed queries: the console falls back to its scan. */
const scanned = (store: Store) => ({ ...store, queryEvents: undefined, countEvents: undefined }) as unknown as Store
const ids = (page: { events: EventRecord[] }) => page.events.map((e: EventRecord) => e.id).sort()

describe('console queries through queryEvents and countEvents', () => {
  it('return the same pages as the scan for every filter, and page through a shared millisecond', async () => {
    const store = await filled()
    const filters = [
      { limit: 50 },
      { limit: 10, decision: 'deny' },
      { limit: 20, reason: 'AUTOMATION' },
      { limit: 20, user: 'u3' },
      { limit: 20, device: 'd4' },
      { limit: 20, ip: '198.51.100.2' },
      { limit: 20, action: 'checkout', decision: 'allow' },
      { limit: 5, label: 'fraud' },
      { limit: 20, from: NOW - 3_600_000, to: NOW - 600_000 },
    ]
    for (const filter of filters) {
      const viaQuery = await scanEvents(store, filter)
      const viaScan = await scanEvents(scanned(store), filter)
      expect(ids(viaQuery), JSON.stringify(filter)).toEqual(ids(viaScan))
      expect(viaQuery.next, JSON.stringify(filter)).toBe(viaScan.next)
    }
    // Paging 7 at a time (pages end inside a millisecond of three events) walks every event once.
    const seen: string[] = []
    let before: number | undefined
    for (let pages = 0; pages < 2000; pages++) {
      const page = await scanEvents(store, { limit: 7, ...(before === undefined ? {} : { before }) })
      seen.push(...page.events.map((e: EventRecord) => e.id))
      if (page.next === null) break
      before = page.next
    }
    expect(seen).toHaveLength(3000)
    expect(new Set(seen).size).toBe(3000)
  })

  it('reads a page larger than one store query (1000) in several', async () => {
    const store = await filled()
    const page = await scanEvents(store, { limit: 2500 })
    expect(page.events.length).toBeGreaterThanOrEqual(2500)
    expect(new Set(page.events.map((e: EventRecord) => e.id)).size).toBe(page.events.length)
    expect(page.next).not.toBeNull()
  })

  it('charts every event of the window from countEvents, the same buckets as the scan', async () => {
    const store = await filled()
    for (const window of ['1h', '24h', '7d'] as const) {
      const counted = await eventStats(store, window, { now: NOW })
      const bounded = await eventStats(scanned(store), window, { now: NOW, maxEvents: 10_000 })
      expect(counted.counted).toBe(true)
      expect(counted.buckets.slice(1)).toEqual(bounded.buckets.slice(1)) // the first bucket: whole vs. from `from`
      // Scores and reasons: from the latest 1000 (STATS_SAMPLE) when the store counts.
      if (bounded.totals.events <= 1000) expect(counted.scores).toEqual(bounded.scores)
      else expect([counted.maxEvents, counted.truncated]).toEqual([1000, true])
      expect(counted.totals.events).toBe(bounded.totals.events)
    }
    // Beyond the scan budget the counts still cover the whole window.
    const small = await eventStats(store, '7d', { now: NOW, maxEvents: 100 })
    expect(small.totals.events).toBe(3000)
    expect(small.truncated).toBe(true)
  })
})
