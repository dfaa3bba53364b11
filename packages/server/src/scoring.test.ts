import { describe, expect, it } from 'vitest'
import { combine, decide, DEFAULT_THRESHOLDS, sortReasons } from './scoring.js'
import type { Reason } from './verdict.js'

const r = (weight: number): Reason => ({ code: 'AUTOMATION', weight })

describe('scoring', () => {
  it('combines weights with a noisy-OR', () => {
    expect(combine([])).toBe(0)
    expect(combine([r(50)])).toBe(50)
    expect(combine([r(50), r(50)])).toBe(75)
    expect(combine([r(20), r(30), r(10)])).toBe(50) // 1 − 0.8·0.7·0.9 = 0.496
    expect(combine([r(100), r(1)])).toBe(100)
  })

  it('clamps weights outside 0–100 and ignores non-numbers', () => {
    expect(combine([r(-50), r(NaN)])).toBe(0)
    expect(combine([r(250)])).toBe(100)
  })

  it('never lowers the score when evidence is added', () => {
    for (let i = 0; i < 200; i++) {
      const weights = Array.from({ length: 1 + (i % 5) }, () => Math.round(Math.random() * 100))
      expect(combine([...weights, 30].map(r))).toBeGreaterThanOrEqual(combine(weights.map(r)))
    }
  })

  it('decides by thresholds, and a hard reason denies alone', () => {
    expect(decide([r(39)], DEFAULT_THRESHOLDS).decision).toBe('allow')
    expect(decide([r(40)], DEFAULT_THRESHOLDS).decision).toBe('challenge')
    expect(decide([r(80)], DEFAULT_THRESHOLDS).decision).toBe('deny')
    expect(decide([r(100)], { challenge: 101, deny: 101 }).decision).toBe('deny')
    expect(decide([r(99)], { challenge: 101, deny: 101 }).decision).toBe('allow')
  })

  it('sorts reasons by weight, keeping order among equals', () => {
    const reasons: Reason[] = [
      { code: 'AUTOMATION', weight: 10, detail: { n: 1 } },
      { code: 'RULE_FAILED', weight: 0 },
      { code: 'AUTOMATION', weight: 60 },
      { code: 'AUTOMATION', weight: 10, detail: { n: 2 } },
    ]
    expect(sortReasons(reasons).map((x) => [x.weight, x.detail?.n])).toEqual([
      [60, undefined],
      [10, 1],
      [10, 2],
      [0, undefined],
    ])
  })
})
