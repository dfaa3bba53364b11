import { describe, expect, it } from 'vitest'
import {
  decodeForm,
  decodeKeys,
  decodePointer,
  decodeStream,
  extractFeatures,
  FORM_EVENT,
  formCode,
  KEY_CATEGORY,
  keyCode,
  POINTER_EVENT,
  POINTER_KIND,
  pointerCode,
  stats,
} from './behaviour.js'

/** Delta-encodes records with absolute times (and positions for the pointer stream). */
function encode(records: number[][], deltaPositions = false): number[] {
  const out: number[] = []
  let t = 0
  let x = 0
  let y = 0
  for (const r of records) {
    const rec = [...r]
    rec[0] = r[0]! - t
    t = r[0]!
    if (deltaPositions) {
      rec[2] = r[2]! - x
      rec[3] = r[3]! - y
      x = r[2]!
      y = r[3]!
    }
    out.push(...rec)
  }
  return out
}

describe('decoding', () => {
  it('turns delta times into absolute ones and drops a partial record', () => {
    expect(decodeStream([100, 7, 20, 8, 5], 2)).toEqual([
      [100, 7],
      [120, 8],
    ])
    expect(decodeStream(undefined, 2)).toEqual([])
  })

  it('unpacks key, form and pointer codes', () => {
    expect(decodeKeys([10, keyCode(3, KEY_CATEGORY.digit, true)])).toEqual([{ t: 10, field: 3, category: KEY_CATEGORY.digit, up: true, modality: 0 }])
    expect(decodeForm([5, formCode(2, FORM_EVENT.paste)])).toEqual([{ t: 5, field: 2, type: FORM_EVENT.paste }])
    expect(decodePointer([5, pointerCode(POINTER_KIND.touch, POINTER_EVENT.down), 10, 20, 5, 0, -3, 4])).toEqual([
      { t: 5, type: POINTER_EVENT.down, kind: POINTER_KIND.touch, x: 10, y: 20 },
      { t: 10, type: POINTER_EVENT.move, kind: POINTER_KIND.mouse, x: 7, y: 24 },
    ])
  })

  it('computes summary statistics', () => {
    expect(stats([3, 1, 2, 10])).toEqual({ n: 4, mean: 4, sd: 3.54, min: 1, median: 2.5, max: 10 })
    expect(stats([])).toMatchObject({ n: 0, mean: 0 })
  })
})

describe('extractFeatures', () => {
  const L = KEY_CATEGORY.letter
  it('measures hold times, latencies and rollover of human-like typing', () => {
    // a down 1000, b down 1080 (a still held: rollover), a up 1100, b up 1170, shift down/up, c down 1300 up 1390
    const k = encode([
      [1000, keyCode(1, L, false)],
      [1080, keyCode(1, L, false)],
      [1100, keyCode(1, L, true)],
      [1170, keyCode(1, L, true)],
      [1200, keyCode(1, KEY_CATEGORY.shift, false)],
      [1300, keyCode(1, KEY_CATEGORY.digit, false)],
      [1350, keyCode(1, KEY_CATEGORY.shift, true)],
      [1390, keyCode(1, KEY_CATEGORY.digit, true)],
    ])
    const f = extractFeatures({ k })
    expect(f.keys.downs).toBe(4)
    // The two letter downs share field and category: the first up pairs with the latest down.
    expect(f.keys.hold.n).toBe(3)
    expect(f.keys.rollover).toBe(1)
    expect(f.keys.downDown).toMatchObject({ n: 3, min: 80 })
    expect(f.keys.upDown.n).toBe(2)
    expect(f.keys.shiftDowns).toBe(1)
    expect(f.keys.categories[L]).toBe(2)
  })

  it('sees scripted typing as constant holds with no rollover', () => {
    const records: number[][] = []
    for (let i = 0; i < 10; i++) {
      records.push([1000 + i * 100, keyCode(2, L, false)], [1000 + i * 100 + 93, keyCode(2, L, true)])
    }
    const f = extractFeatures({ k: encode(records) })
    expect(f.keys.hold).toMatchObject({ n: 10, mean: 93, sd: 0 })
    expect(f.keys.upDown).toMatchObject({ min: 7, max: 7 })
    expect(f.keys.rollover).toBe(0)
  })

  it('measures pointer path, straightness and speed before a click', () => {
    const m = pointerCode(POINTER_KIND.mouse, POINTER_EVENT.move)
    const straight = encode(
      [
        [100, m, 0, 0],
        [110, m, 10, 0],
        [120, m, 20, 0],
        [130, pointerCode(0, POINTER_EVENT.down), 30, 0],
        [200, pointerCode(0, POINTER_EVENT.up), 30, 0],
      ],
      true,
    )
    const f = extractFeatures({ p: straight })
    expect(f.pointer).toMatchObject({ downs: 1, moves: 3, pathLength: 30, straightness: 1, touchDowns: 0 })
    expect(f.pointer.speed.mean).toBe(1)
    expect(f.pointer.clickHold.mean).toBe(70)
    const curved = encode(
      [
        [100, m, 0, 0],
        [150, m, 10, 10],
        [200, pointerCode(0, POINTER_EVENT.down), 20, 0],
      ],
      true,
    )
    expect(extractFeatures({ p: curved }).pointer.straightness).toBeLessThan(0.8)
  })

  it('counts form events and times the submit', () => {
    const f = extractFeatures({
      f: encode([
        [500, formCode(1, FORM_EVENT.focus)],
        [900, formCode(1, FORM_EVENT.autofill)],
        [1200, formCode(2, FORM_EVENT.paste)],
        [1300, formCode(2, FORM_EVENT.untypedInput)],
        [4000, formCode(0, FORM_EVENT.submit)],
      ]),
      v: [2000, 0, 100, 1],
      s: [100, 50, 100, 60],
      x: [4100, 3],
    })
    expect(f.form).toEqual({ focuses: 1, pastes: 1, autofills: 1, untypedInputs: 1, timeToSubmit: 4000, focusToSubmit: 3500, fields: 2 })
    expect(f.page).toEqual({ scrolls: 2, hidden: 1, windowBlurs: 0, timeToToken: 4100, untrusted: 3 })
  })

  it('is total on empty and hostile input', () => {
    expect(extractFeatures(undefined).form.timeToSubmit).toBe(-1)
    const hostile = { k: [Number.MAX_SAFE_INTEGER, -5, 1], p: [1, 99, -1e9, 1e9, 3], f: [-1, -1], zz: [1] }
    expect(() => extractFeatures(hostile)).not.toThrow()
  })
})

describe('decodeInputClock (stream q)', () => {
  it('decodes times, digits and sources, and drops records with out-of-range codes', async () => {
    const { decodeInputClock, INPUT_CLOCK_SOURCE, STREAM_WIDTH } = await import('./behaviour.js')
    expect(STREAM_WIDTH.q).toBe(2)
    expect(decodeInputClock([100, 9, 20, 14, 5, 20, 5, -1, 5, 1.5, 7])).toEqual([
      { t: 100, digit: 4, source: INPUT_CLOCK_SOURCE.key },
      { t: 120, digit: 7, source: INPUT_CLOCK_SOURCE.mouse },
    ])
    expect(decodeInputClock(undefined)).toEqual([])
  })
})
