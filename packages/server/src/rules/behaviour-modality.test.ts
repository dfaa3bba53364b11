// The scripted-input rule per input modality: on-screen keyboards (Android 229 keys, iOS
// keys delivered together), Japanese IME composition, touch taps; physical-keyboard tests
// only on physical keys. Fixtures come from seeded generators (bench/behaviour-gen.mjs):
// synthetic people with log-normal latencies and occasional pauses; no recorded data.
import { describe, expect, it } from 'vitest'
import type { ParsedToken } from '@kenchi/protocol'
import { botPhoneTyping, imeSession, onScreenSession, rng } from '../../../../bench/behaviour-gen.mjs'
import { memoryStore } from '../stores/memory.js'
import { scriptedInputRule } from './behaviour.js'

type B = Record<string, number[]>
const store = memoryStore()
function run(b: B) {
  const token = { body: { s: {}, b } } as unknown as ParsedToken
  return scriptedInputRule().evaluate({
    token,
    context: { action: 'login' },
    device: { id: 'd', status: 'waiting', known: false },
    clues: { storedIds: [] },
    store,
    now: 0,
  } as never) as { code: string; weight: number; detail: { found: string[] } }[]
}
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
/** A synthetic person's latencies between characters on a phone: log-normal, a pause now and then. */
function humanLatencies(r: () => number, n = 24): number[] {
  const median = 250 + r() * 200
  return Array.from({ length: n }, () => Math.round(median * Math.exp(0.45 * gauss(r)) + (r() < 0.05 ? 500 + r() * 1500 : 0)))
}
const flaggedShare = (n: number, make: (r: () => number) => B, seed: number) => {
  const r = rng(seed)
  let k = 0
  for (let i = 0; i < n; i++) if (run(make(r)).length) k++
  return k / n
}

describe('on-screen keyboards', () => {
  it.each(['android-phone', 'android-tablet', 'iphone', 'ipad'] as const)(
    '%s: people with on-screen holds (0–20 ms) get no reason',
    (profile) => {
      expect(flaggedShare(300, (r) => onScreenSession(r, humanLatencies(r), { profile }), 3)).toBe(0)
    },
  )

  it('the same holds without the modality bits are constant-hold (the physical-keyboard test still applies to physical keys)', () => {
    const b = onScreenSession(rng(4), humanLatencies(rng(5)), { profile: 'iphone' })
    const physical = { ...b, k: b.k!.map((v, i) => (i % 2 === 1 ? v % 1024 : v)) }
    expect(run(physical).find((x) => x.code === 'SCRIPTED_TYPING')?.detail.found).toContain('constant-hold')
    expect(run(b)).toEqual([])
  })

  it('229 keys cannot move a desktop script off the hold tests', async () => {
    const { encodeKeys } = await import('../../../../bench/behaviour-gen.mjs')
    const r = rng(14)
    // keyCode 229 with a fixed 60 ms hold and random gaps, no touch anywhere in the token: physical tests.
    const keys: { t: number; category: number; up: boolean; modality: number }[] = []
    let t = 1000
    for (let i = 0; i < 20; i++) {
      keys.push({ t, category: 0, up: false, modality: 1 }, { t: t + 60 + (i % 2), category: 0, up: true, modality: 1 })
      t += 150 + Math.round(r() * 300)
    }
    expect(run({ k: encodeKeys(keys), x: [t, 0] }).find((x) => x.code === 'SCRIPTED_TYPING')?.detail.found).toContain('constant-hold')
    // The same after a touch (touch bit): on-screen keys, but a finger-length constant hold is still a script's.
    const touched = keys.map((k) => ({ ...k, modality: 5 }))
    expect(run({ k: encodeKeys(touched), x: [t, 0] }).find((x) => x.code === 'SCRIPTED_TYPING')?.detail.found).toContain('constant-hold')
  })

  it('scripted phone typing at constant intervals is a metronome', () => {
    const r = rng(6)
    for (let i = 0; i < 50; i++)
      expect(run(botPhoneTyping(r, 'constant')).find((x) => x.code === 'SCRIPTED_TYPING')?.detail.found).toContain('metronome')
  })

  it('scripted phone typing at uniform random intervals is often flat-intervals', () => {
    expect(flaggedShare(300, (r) => botPhoneTyping(r, 'uniform', { length: 32 }), 7)).toBeGreaterThan(0.5)
  })
})

describe('touch taps', () => {
  it('page.tap() (contacts of 0–1 ms) is instant-tap, a doubt', () => {
    const reasons = run(botPhoneTyping(rng(8), 'constant', { tapMs: 0 }))
    const pointer = reasons.find((x) => x.code === 'SCRIPTED_POINTER')!
    expect(pointer.detail.found).toEqual(['instant-tap'])
    expect(pointer.weight).toBe(40)
  })

  it('a fixed wait between touch start and end is constant-tap; human contacts are not', () => {
    const taps = (durations: number[]) => ({ c: durations.flatMap((d, i) => [i ? 700 : 1000, 1, d, 30, 0]), x: [9000, 0] })
    expect(run(taps([80, 81, 80, 82, 80, 81])).find((x) => x.code === 'SCRIPTED_POINTER')?.detail.found).toEqual(['constant-tap'])
    expect(run(taps([60, 95, 120, 70, 88, 140])).filter((x) => x.code === 'SCRIPTED_POINTER')).toEqual([])
    expect(run(taps([80, 81, 80])).filter((x) => x.code === 'SCRIPTED_POINTER')).toEqual([]) // too few to judge
    expect(flaggedShare(200, (rr) => onScreenSession(rr, humanLatencies(rr)), 10)).toBe(0)
  })
})

describe('Japanese IME', () => {
  it('people composing kana get no reason; composition keys are never judged as physical', () => {
    expect(flaggedShare(300, (r) => imeSession(r, humanLatencies(r, 30)), 11)).toBe(0)
  })

  it('composition steps at uniform random intervals are often flat-composition', () => {
    const share = flaggedShare(
      300,
      (r) => {
        const lo = 80 + r() * 150
        const hi = lo + 60 + r() * 400
        return imeSession(
          r,
          Array.from({ length: 40 }, () => Math.round(lo + r() * (hi - lo))),
        )
      },
      13,
    )
    expect(share).toBeGreaterThan(0.2)
  })

  it('composition steps at metronome intervals are flagged', () => {
    const r = rng(12)
    const b = imeSession(
      r,
      Array.from({ length: 30 }, () => 150 + Math.floor(r() * 3)),
    )
    expect(run(b).find((x) => x.code === 'SCRIPTED_TYPING')?.detail.found).toContain('metronome-composition')
  })
})

describe('typing profile per modality', () => {
  it('a phone login is never compared with desktop typing, and phones learn their own latencies', async () => {
    const { typingProfileRule, loginTypingVector } = await import('./typing-profile.js')
    const { humanTyping } = await import('../../../../bench/behaviour-gen.mjs')
    const rule = typingProfileRule()
    const r = rng(21)
    for (let i = 0; i < 6; i++) await rule.learn('u', humanTyping(r, { length: 24 }))
    const phone = onScreenSession(r, humanLatencies(r, 23), { profile: 'android-phone' })
    expect(loginTypingVector(phone)?.sig).toMatch(/^o:0:/)
    const token = { body: { s: {}, b: phone } } as unknown as ParsedToken
    const reasons = await rule.evaluate({
      token,
      context: { action: 'login' },
      userHash: 'u',
      device: { id: 'd', status: 'waiting', known: false },
      clues: { storedIds: [] },
      store,
      now: 0,
    } as never)
    expect(reasons).toEqual([])
    expect(await rule.learn('u', phone)).toBe(true)
    expect(Object.keys((await rule.profiles.get('u'))!.sigs).some((sig) => sig.startsWith('o:'))).toBe(true)
  })
})

describe('replay bands per modality', () => {
  it('phone sessions band on latencies only: a replay is seen, different people are not', async () => {
    const { replayBands } = await import('./replay.js')
    const r = rng(31)
    const latencies = humanLatencies(r, 30)
    const first = replayBands(onScreenSession(r, latencies))
    const again = replayBands(onScreenSession(r, latencies)) // same person's timing, new holds and taps
    expect(first.length).toBeGreaterThanOrEqual(2)
    expect(again).toEqual(first)
    const seen = new Set<string>()
    for (let i = 0; i < 300; i++) for (const band of replayBands(onScreenSession(r, humanLatencies(r, 30)))) seen.add(band)
    for (const band of first) expect(seen.has(band)).toBe(false)
  })
})
