import { describe, expect, it } from 'vitest'
import { decodeKeys, decodePointer, KEY_CATEGORY, keyCode, pointerCode } from '@kenchi/protocol'
import { extractTiming, formTiming, pointerApproaches, shape, typingTiming } from './timing.js'

/** Delta-encodes [t, code] key records with absolute times. */
const keys = (records: [number, number, number, boolean][]) => {
  const out: number[] = []
  let last = 0
  for (const [t, field, category, up] of records) {
    out.push(t - last, keyCode(field, category, up))
    last = t
  }
  return out
}
const L = KEY_CATEGORY.letter

describe('shape', () => {
  it('gives moments and robust spread', () => {
    const s = shape([1, 2, 3, 4, 5])
    expect(s).toMatchObject({ n: 5, mean: 3, median: 3, iqr: 2, skew: 0, kurtosis: 1.7 })
    expect(s.cv).toBeCloseTo(Math.sqrt(2) / 3, 3)
    expect(shape([1, 1, 1, 10]).skew).toBeGreaterThan(1)
    expect(shape([])).toMatchObject({ n: 0, sd: 0, cv: 0 })
  })
})

describe('typingTiming', () => {
  it('measures holds, latencies, up-down gaps and rollover', () => {
    // a: 0–100; b: 150–230 (gap 50); c: 200–300 (pressed while b held: rollover, gap -30)
    const t = typingTiming(
      decodeKeysOf([
        [1000, 1, L, false],
        [1100, 1, L, true],
        [1150, 1, KEY_CATEGORY.digit, false],
        [1200, 1, KEY_CATEGORY.symbol, false],
        [1230, 1, KEY_CATEGORY.digit, true],
        [1300, 1, KEY_CATEGORY.symbol, true],
      ]),
    )
    expect(t.holds).toEqual([100, 80, 100])
    expect(t.latencies).toEqual([150, 50])
    expect(t.upDown.n).toBe(2)
    expect(t.upDown.mean).toBe(10) // (50 + -30) / 2
    expect(t.rolloverRate).toBeCloseTo(1 / 3, 3)
    expect(t.tinyGapRate).toBe(0)
  })

  it('sees keyboard.type: the next key 1–2 ms after the release', () => {
    const records: [number, number, number, boolean][] = []
    let t = 500
    for (let i = 0; i < 10; i++) {
      records.push([t, 1, L, false], [t + 93, 1, L, true])
      t += 93 + 1 + (i % 2)
    }
    const timing = typingTiming(decodeKeysOf(records))
    expect(timing.tinyGapRate).toBe(1)
    expect(timing.hold.sd).toBe(0)
    expect(timing.rolloverRate).toBe(0)
  })

  it('counts Shift, shifted keys, corrections and pauses; modifiers are not typing keys', () => {
    const t = typingTiming(
      decodeKeysOf([
        [100, 1, KEY_CATEGORY.shift, false],
        [200, 1, L, false],
        [260, 1, L, true],
        [300, 1, KEY_CATEGORY.shift, true],
        [2000, 1, KEY_CATEGORY.backspace, false],
        [2080, 1, KEY_CATEGORY.backspace, true],
      ]),
    )
    expect(t).toMatchObject({ downs: 2, shiftDowns: 1, shiftedDowns: 1, corrections: 1, pauses: 1 })
  })

  it('does not link latencies across fields', () => {
    const t = typingTiming(
      decodeKeysOf([
        [100, 1, L, false],
        [150, 1, L, true],
        [900, 2, L, false],
        [960, 2, L, true],
      ]),
    )
    expect(t.latencies).toEqual([])
  })
})

describe('pointerApproaches', () => {
  const encodeP = (records: [number, number, number, number][]) => {
    const out: number[] = []
    let [t0, x0, y0] = [0, 0, 0]
    for (const [t, code, x, y] of records) {
      out.push(t - t0, code, x - x0, y - y0)
      ;[t0, x0, y0] = [t, x, y]
    }
    return out
  }
  const move = pointerCode(0, 0)
  const down = pointerCode(0, 1)
  const up = pointerCode(0, 2)

  it('measures a straight equal-step approach, its dwell and click hold', () => {
    const recs: [number, number, number, number][] = []
    for (let i = 0; i < 6; i++) recs.push([1000 + 40 * i, move, 100 + 20 * i, 100])
    recs.push([1300, down, 200, 100], [1380, up, 200, 100])
    const [a] = pointerApproaches(decodePointer(encodeP(recs)))
    expect(a).toMatchObject({
      moves: 6,
      length: 100,
      distance: 100,
      straightness: 1,
      hold: 80,
      arrivalToPress: 100,
      stepCv: 0,
      stepLengthCv: 0,
      turning: 0,
      overshoot: 0,
    })
    expect(a!.speed).toBe(0.5)
    expect(a!.jerk).toBe(0)
  })

  it('measures overshoot past the target and curvature', () => {
    const recs: [number, number, number, number][] = [
      [0, move, 0, 0],
      [40, move, 60, 10],
      [80, move, 130, 0],
      [120, move, 110, 0],
      [160, down, 100, 0],
    ]
    const [a] = pointerApproaches(decodePointer(encodeP(recs)))
    expect(a!.overshoot).toBe(30)
    expect(a!.turning).toBeGreaterThan(0.1)
    expect(a!.straightness).toBeLessThan(1)
    expect(a!.hold).toBe(-1)
  })
})

describe('extractTiming', () => {
  it('is total on hostile or missing input', () => {
    expect(extractTiming(undefined).approaches).toEqual([])
    expect(extractTiming({ k: [1, 2, 3], p: [NaN, 1], f: [5] }).typing.downs).toBeGreaterThanOrEqual(0)
  })

  it('reads form timing', () => {
    // focus f1 at 100, paste 150, focus f2 at 400, autofill f2 410, submit 900
    const f = [100, 8, 50, 10, 250, 16, 10, 19, 490, 5]
    expect(formTiming(f)).toEqual({ focuses: 2, pastes: 1, autofills: 1, untypedInputs: 0, focusGaps: [300], focusToSubmit: 800 })
  })
})

function decodeKeysOf(records: [number, number, number, boolean][]) {
  return decodeKeys(keys(records))
}

describe('typingTiming tail', () => {
  it('measures the longest latency against the median and the log spread', () => {
    const records: [number, number, number, boolean][] = []
    const gaps = [200, 200, 200, 800]
    let t = 0
    records.push([t, 1, KEY_CATEGORY.letter, false], [t + 80, 1, KEY_CATEGORY.letter, true])
    for (const g of gaps) {
      t += g
      records.push([t, 1, KEY_CATEGORY.letter, false], [t + 80, 1, KEY_CATEGORY.letter, true])
    }
    const timing = typingTiming(decodeKeysOf(records))
    expect(timing.tailRatio).toBe(4)
    expect(timing.latencyLogSd).toBeCloseTo((Math.log(4) * Math.sqrt(3)) / 4, 3)
  })
})
