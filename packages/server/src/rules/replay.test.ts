import { describe, expect, it } from 'vitest'
import type { ParsedToken } from '@kenchi/protocol'
import { botTyping, encodeKeys, humanTyping, pressesToEvents, rng } from '../../../../bench/behaviour-gen.mjs'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import type { Store } from '../stores/types.js'
import { behaviourReplayRule, replayBands } from './replay.js'

type B = Record<string, number[]>
const input = (b: B | undefined, store: Store) => ({
  token: { body: { s: {}, ...(b ? { b } : {}) } } as unknown as ParsedToken,
  context: { action: 'login' },
  device: { id: 'd', status: 'waiting' as const, known: false },
  clues: { storedIds: [] },
  store,
  now: 0,
})

/** Replays a recorded stream with up to `jitter` ms added or removed per event, as a replay through DevTools would. */
function replayWithJitter(b: B, jitter: number, r: () => number): B {
  const k = [...b.k!]
  for (let i = 0; i < k.length; i += 2) if (i > 0) k[i] = Math.max(0, k[i]! + Math.round((r() - 0.5) * 2 * jitter))
  return { ...b, k }
}

describe('behaviourReplayRule', () => {
  it('passes first sightings of many synthetic people, then flags an exact replay on another account', async () => {
    const store = memoryStore()
    const rule = behaviourReplayRule()
    const r = rng(21)
    const people = Array.from({ length: 300 }, () => humanTyping(r, { length: 30 }))
    for (const b of people) expect(await rule.evaluate(input(b, store))).toEqual([])
    const reasons = await rule.evaluate(input(people[17], store))
    expect(reasons).toMatchObject([{ code: 'BEHAVIOR_REPLAYED', weight: 80 }])
  })

  it('flags most replays with 1 ms of jitter', async () => {
    const store = memoryStore()
    const rule = behaviourReplayRule()
    const r = rng(22)
    let caught = 0
    for (let i = 0; i < 100; i++) {
      const b = humanTyping(r, { length: 40 })
      await rule.evaluate(input(b, store))
      if ((await rule.evaluate(input(replayWithJitter(b, 1, r), store))).length) caught++
    }
    expect(caught).toBeGreaterThanOrEqual(80)
  })

  it('leaves constant script timing to SCRIPTED_TYPING, and short typing alone', async () => {
    const store = memoryStore()
    const rule = behaviourReplayRule()
    const bot = botTyping(rng(23), 'fixed', { delay: 50 })
    expect(replayBands(bot)).toEqual([])
    const few = { k: encodeKeys(pressesToEvents([0, 1, 2].map((i) => ({ down: 100 + 170 * i, hold: 80 + i, category: 1 })))) }
    expect(replayBands(few)).toEqual([])
    expect(await rule.evaluate(input(undefined, store))).toEqual([])
  })

  it('stores only hashes of quantised bands', () => {
    const bands = replayBands(humanTyping(rng(24), { length: 30 }))
    expect(bands.length).toBeGreaterThan(1)
    for (const band of bands) expect(band).toMatch(/^[\w-]{22}$/)
  })

  it('validates its options', () => {
    expect(() => behaviourReplayRule({ weight: 0 })).toThrow(KenchiError)
    expect(() => behaviourReplayRule({ bandSize: 2 })).toThrow(KenchiError)
    expect(() => behaviourReplayRule({ ttlMs: 0 })).toThrow(KenchiError)
    expect(behaviourReplayRule({ mode: 'monitor' }).mode).toBe('monitor')
  })
})
