import { describe, expect, it } from 'vitest'
import {
  decodeForm,
  decodeKeys,
  decodePointer,
  decodeStream,
  FORM_EVENT,
  formCode,
  KEY_CATEGORY,
  keyCode,
  POINTER_EVENT,
  POINTER_KIND,
  pointerCode,
} from './behaviour.js'

describe('decoding', () => {
  it('turns delta times into absolute ones and drops a partial record', () => {
    expect(decodeStream([100, 7, 20, 8, 5], 2)).toEqual([
      [100, 7],
      [120, 8],
    ])
    expect(decodeStream(undefined, 2)).toEqual([])
  })

  it('unpacks key, form and pointer codes', () => {
    expect(decodeKeys([10, keyCode(3, KEY_CATEGORY.digit, true)])).toEqual([
      { t: 10, field: 3, category: KEY_CATEGORY.digit, up: true, modality: 0 },
    ])
    expect(decodeForm([5, formCode(2, FORM_EVENT.paste)])).toEqual([{ t: 5, field: 2, type: FORM_EVENT.paste }])
    expect(decodePointer([5, pointerCode(POINTER_KIND.touch, POINTER_EVENT.down), 10, 20, 5, 0, -3, 4])).toEqual([
      { t: 5, type: POINTER_EVENT.down, kind: POINTER_KIND.touch, x: 10, y: 20 },
      { t: 10, type: POINTER_EVENT.move, kind: POINTER_KIND.mouse, x: 7, y: 24 },
    ])
  })

  it('is total on hostile input', () => {
    const hostile = { k: [Number.MAX_SAFE_INTEGER, -5, 1], p: [1, 99, -1e9, 1e9, 3], f: [-1, -1] }
    expect(() => [decodeKeys(hostile.k), decodePointer(hostile.p), decodeForm(hostile.f)]).not.toThrow()
    expect(decodeKeys(undefined)).toEqual([])
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
