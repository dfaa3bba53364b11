// The console's queries over a real memory store: scanning events in batches never loses
// or repeats one, even when many share a millisecond across batch and page boundaries; the
// scan budget is honoured; the graph stays within its node budget.
import { describe, expect, it } from 'vitest'
import { memoryStore, type EventRecord } from '@kenchi/server'
import { linkGraph, scanEvents } from '@kenchi/console'

const event = (i: number, at: number, extra: Partial<EventRecord> = {}): EventRecord => ({
  id: `e${String(i).padStart(5, '0')}`,
  at,
  action: i % 3 === 0 ? 'login' : 'checkout',
  decision: i % 7 === 0 ? 'deny' : 'allow',
  score: i % 100,
  reasons: [],
  mode: 'live',
  ...extra,
})

interface Page {
  events: EventRecord[]
  next: number | null
  scanned: number
  truncated: boolean
}

describe('console queries', () => {
  it('pages through events that share milliseconds across batch and page boundaries without loss or repeats', async () => {
    const store = memoryStore({ maxEvents: 5000 })
    // 1300 events in 40 distinct milliseconds: batches of 500 and pages of 7 cut milliseconds in two.
    const all: EventRecord[] = []
    for (let i = 0; i < 1300; i++) all.push(event(i, 1_000_000 + Math.floor(i / 33)))
    for (const e of all) await store.recordEvent(e)
    for (const filter of [{}, { action: 'login' }, { decision: 'deny' }]) {
      const wanted = all
        .filter((e) => Object.entries(filter).every(([k, v]) => (e as unknown as Record<string, unknown>)[k] === v))
        .map((e) => e.id)
        .sort()
      const seen: string[] = []
      let before: number | null | undefined
      for (let n = 0; n < 1000 && before !== null; n++) {
        const page = (await scanEvents(store, { ...filter, limit: 7, ...(before !== undefined ? { before } : {}) })) as Page
        expect(page.truncated).toBe(false)
        if (page.next !== null) expect(page.events.length).toBeGreaterThanOrEqual(7)
        seen.push(...page.events.map((e) => e.id))
        before = page.next
      }
      expect(seen.sort(), JSON.stringify(filter)).toEqual(wanted)
    }
    await store.close()
  })

  it('stops at the scan budget and says where to go on (a store without queryEvents, written before it)', async () => {
    const store = memoryStore({ maxEvents: 5000 })
    // The budget applies to the fallback scan only: hide queryEvents as an older store lacks it.
    const legacy = { ...store, queryEvents: undefined } as unknown as typeof store
    for (let i = 0; i < 1200; i++) await store.recordEvent(event(i, 2_000_000 + i, i === 5 ? { label: { label: 'fraud', at: 1 } } : {}))
    const first = (await scanEvents(legacy, { label: 'fraud', limit: 10 }, { maxScan: 600 })) as Page
    expect(first).toMatchObject({ events: [], truncated: true, scanned: 600 })
    expect(first.next).toBe(2_000_000 + 600)
    const rest = (await scanEvents(legacy, { label: 'fraud', limit: 10, before: first.next! }, { maxScan: 600 })) as Page
    expect(rest.events.map((e) => e.id)).toEqual(['e00005'])
    expect(rest.truncated).toBe(false)
    // A time range reads only what it needs.
    const range = (await scanEvents(legacy, { from: 2_000_000 + 1100, to: 2_000_000 + 1149, limit: 1000 })) as Page
    expect(range.events.map((e) => e.at)).toEqual(Array.from({ length: 50 }, (_, i) => 2_000_000 + 1149 - i))
    expect(range.scanned).toBe(50)
    await store.close()
  })

  it('keeps the graph within its node budget, every edge between drawn nodes', async () => {
    const store = memoryStore()
    const now = Date.now()
    for (let d = 0; d < 12; d++) {
      await store.linkUserDevice('user-a', `device-${d}`, now)
      for (let u = 0; u < 4; u++) await store.linkUserDevice(`user-${d}-${u}`, `device-${d}`, now)
    }
    const graph = (await linkGraph(store, { user: 'user-a' }, () => undefined, { maxNodes: 15 })) as {
      nodes: Array<{ id: string; centre: boolean }>
      edges: Array<{ source: string; target: string }>
      truncated: boolean
    }
    expect(graph.nodes).toHaveLength(15)
    expect(graph.truncated).toBe(true)
    expect(graph.nodes.filter((n) => n.centre).map((n) => n.id)).toEqual(['u:user-a'])
    const ids = new Set(graph.nodes.map((n) => n.id))
    for (const e of graph.edges) expect(ids.has(e.source) && ids.has(e.target)).toBe(true)
    const small = (await linkGraph(store, { device: 'device-3' }, (h: string) => (h === 'user-a' ? 'a@example.com' : undefined))) as {
      nodes: Array<{ id: string; label: string }>
      truncated: boolean
    }
    expect(small.truncated).toBe(false)
    expect(small.nodes.find((n) => n.id === 'u:user-a')!.label).toBe('a@example.com')
    await store.close()
  })
})
