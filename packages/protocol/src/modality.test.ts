// Input modality in the behaviour streams: key modality bits in `k`, input and composition
// events in `i`, touch contacts in `c`, viewport events in `v`; old tokens decode as before.
import { describe, expect, it } from 'vitest'
import {
  CONTACT_KIND,
  decodeContacts,
  decodeInputs,
  decodeKeys,
  INPUT_EVENT,
  inputCode,
  KEY_CATEGORY,
  KEY_MODALITY,
  keyCode,
  VISIBILITY_EVENT,
} from './behaviour.js'
import { extractTiming, KEY_MODE, keyMode, modalityTiming } from './timing.js'
import behaviourVectors from '../test-vectors/behaviour.json'

describe('key modality bits', () => {
  it('old codes (no modality) decode exactly as before: a physical keyboard', () => {
    for (let code = 0; code < 1024; code++) {
      const [e] = decodeKeys([5, code])
      expect(e).toEqual({ t: 5, field: Math.floor(code / 32), category: Math.floor((code % 32) / 2), up: code % 2 === 1, modality: 0 })
    }
  })

  it('packs and unpacks the modality above the field', () => {
    const m = KEY_MODALITY.unidentified | KEY_MODALITY.touch
    expect(keyCode(31, KEY_CATEGORY.other, true, m)).toBe(5 * 1024 + 31 * 32 + 1)
    expect(decodeKeys([7, keyCode(31, KEY_CATEGORY.letter, false, m)])).toEqual([{ t: 7, field: 31, category: KEY_CATEGORY.letter, up: false, modality: m }])
    expect(decodeKeys([7, keyCode(2, KEY_CATEGORY.other, true, 7)])[0]).toMatchObject({ field: 2, up: true, modality: 7 })
  })

  it('classifies keys: composing is IME, unidentified or after a touch is on-screen, else physical', () => {
    expect(keyMode(0)).toBe(KEY_MODE.physical)
    expect(keyMode(KEY_MODALITY.unidentified)).toBe(KEY_MODE.onScreen)
    expect(keyMode(KEY_MODALITY.touch)).toBe(KEY_MODE.onScreen)
    expect(keyMode(KEY_MODALITY.composing | KEY_MODALITY.unidentified)).toBe(KEY_MODE.ime)
  })
})

describe('streams i and c', () => {
  it('decodes input categories and contacts', () => {
    expect(decodeInputs([10, inputCode(2, INPUT_EVENT.delete), 5, inputCode(0, INPUT_EVENT.compositionEnd)])).toEqual([
      { t: 10, field: 2, type: INPUT_EVENT.delete },
      { t: 15, field: 0, type: INPUT_EVENT.compositionEnd },
    ])
    expect(decodeContacts([100, CONTACT_KIND.touch, 85, 24, 0, 50, 4 + CONTACT_KIND.touch, 70, 0, 0, 1])).toEqual([
      { t: 100, kind: CONTACT_KIND.touch, pointers: 1, duration: 85, size: 24, pressure: 0 },
      { t: 150, kind: CONTACT_KIND.touch, pointers: 2, duration: 70, size: 0, pressure: 0 },
    ])
  })
})

describe('modalityTiming', () => {
  it('splits typing by modality and times compositions, contacts and the viewport', () => {
    const on = KEY_MODALITY.unidentified | KEY_MODALITY.touch
    const ime = on | KEY_MODALITY.composing
    const k = [
      1000, keyCode(1, KEY_CATEGORY.letter, false), 90, keyCode(1, KEY_CATEGORY.letter, true), // physical, hold 90
      910, keyCode(2, 0, false, on), 12, keyCode(2, 0, true, on), // on-screen, hold 12
      288, keyCode(2, 0, false, on), 10, keyCode(2, 0, true, on),
      290, keyCode(3, 0, false, ime), 10, keyCode(3, 0, true, ime),
    ]
    const i = [
      2000, inputCode(2, INPUT_EVENT.insert), 300, inputCode(2, INPUT_EVENT.insert), 100, inputCode(2, INPUT_EVENT.delete),
      100, inputCode(3, INPUT_EVENT.compositionStart), 200, inputCode(3, INPUT_EVENT.compositionUpdate), 250, inputCode(3, INPUT_EVENT.compositionUpdate),
      400, inputCode(3, INPUT_EVENT.compositionEnd), 10, inputCode(1, INPUT_EVENT.none), 10, inputCode(1, INPUT_EVENT.paste),
    ]
    const c = [500, 1, 80, 30, 0, 300, 4 + 1, 95, 0, 40]
    const v = [400, VISIBILITY_EVENT.keyboardOpen, 100, VISIBILITY_EVENT.orientation]
    const m = modalityTiming({ k, i, c, v })
    expect(m.physical.downs).toBe(1)
    expect(m.physical.holds).toEqual([90])
    expect(m.onScreen.downs).toBe(2)
    expect(m.onScreen.holds).toEqual([12, 10])
    expect(m.onScreen.latencies).toEqual([300])
    expect(m.imeKeys).toBe(2)
    expect(m.inputs).toEqual({ insert: 2, delete: 1, paste: 1, replacement: 0, other: 0, none: 1 })
    expect(m.composition).toMatchObject({ sessions: 1, updates: 2, intervals: [250] })
    expect(m.contacts).toMatchObject({ n: 2, durations: [80, 95], multiTouch: 1, sized: 1, pressured: 1 })
    expect(m.keyboardOpens).toBe(1)
    expect(m.orientationChanges).toBe(1)
  })

  it('an old token: every key physical, typing unchanged', () => {
    const k = [1000, keyCode(1, 1, false), 80, keyCode(1, 1, true), 100, keyCode(1, 1, false), 70, keyCode(1, 1, true)]
    const t = extractTiming({ k })
    expect(t.modality.physical).toEqual(t.typing)
    expect(t.modality.onScreen.downs).toBe(0)
  })

  it('is total on hostile streams', () => {
    const hostile = { k: [1, -5000, 2, 1e12], i: [-1, -7, 3], c: [1, 2, -3, 1e9, -1e9, 5], v: [1, 99] }
    expect(() => extractTiming(hostile as never)).not.toThrow()
  })
})

describe('behaviour test vectors', () => {
  it('decode to the published records and modality summary', () => {
    expect(behaviourVectors.cases.length).toBeGreaterThanOrEqual(5)
    for (const c of behaviourVectors.cases) {
      const b = c.b as unknown as Record<string, number[]>
      const m = extractTiming(b).modality
      expect(decodeKeys(b.k), c.name).toEqual(c.expect.keys)
      expect(decodeInputs(b.i), c.name).toEqual(c.expect.inputs)
      expect(decodeContacts(b.c), c.name).toEqual(c.expect.contacts)
      expect(
        {
          physicalDowns: m.physical.downs,
          onScreenDowns: m.onScreen.downs,
          onScreenHolds: m.onScreen.holds,
          imeKeys: m.imeKeys,
          inputs: m.inputs,
          compositionIntervals: m.composition.intervals,
          contactDurations: m.contacts.durations,
          multiTouch: m.contacts.multiTouch,
          keyboardOpens: m.keyboardOpens,
        },
        c.name,
      ).toEqual(c.expect.modality)
    }
    // The pre-modality case: codes under 1024, every key physical.
    expect(behaviourVectors.cases[0]!.expect.modality.physicalDowns).toBe(2)
  })
})
