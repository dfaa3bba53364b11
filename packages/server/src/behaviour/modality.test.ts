// Input modality as the server reads it: keyMode, the modality timing of the behaviour
// streams, and the protocol's behaviour test vectors' modality summary (the decoding itself
// is tested in packages/protocol/src/modality.test.ts).
import { describe, expect, it } from 'vitest'
import { INPUT_EVENT, inputCode, KEY_CATEGORY, KEY_MODALITY, keyCode, VISIBILITY_EVENT } from '@kenchi/protocol'
import { extractTiming, KEY_MODE, keyMode, modalityTiming } from './timing.js'
import behaviourVectors from '../../../protocol/test-vectors/behaviour.json'

describe('keyMode', () => {
  it('classifies keys: composing is IME, unidentified or after a touch is on-screen, else physical', () => {
    expect(keyMode(0)).toBe(KEY_MODE.physical)
    expect(keyMode(KEY_MODALITY.unidentified)).toBe(KEY_MODE.onScreen)
    expect(keyMode(KEY_MODALITY.touch)).toBe(KEY_MODE.onScreen)
    expect(keyMode(KEY_MODALITY.composing | KEY_MODALITY.unidentified)).toBe(KEY_MODE.ime)
  })
})

describe('modalityTiming', () => {
  it('splits typing by modality and times compositions, contacts and the viewport', () => {
    const on = KEY_MODALITY.unidentified | KEY_MODALITY.touch
    const ime = on | KEY_MODALITY.composing
    const k = [
      1000,
      keyCode(1, KEY_CATEGORY.letter, false),
      90,
      keyCode(1, KEY_CATEGORY.letter, true), // physical, hold 90
      910,
      keyCode(2, 0, false, on),
      12,
      keyCode(2, 0, true, on), // on-screen, hold 12
      288,
      keyCode(2, 0, false, on),
      10,
      keyCode(2, 0, true, on),
      290,
      keyCode(3, 0, false, ime),
      10,
      keyCode(3, 0, true, ime),
    ]
    const i = [
      2000,
      inputCode(2, INPUT_EVENT.insert),
      300,
      inputCode(2, INPUT_EVENT.insert),
      100,
      inputCode(2, INPUT_EVENT.delete),
      100,
      inputCode(3, INPUT_EVENT.compositionStart),
      200,
      inputCode(3, INPUT_EVENT.compositionUpdate),
      250,
      inputCode(3, INPUT_EVENT.compositionUpdate),
      400,
      inputCode(3, INPUT_EVENT.compositionEnd),
      10,
      inputCode(1, INPUT_EVENT.none),
      10,
      inputCode(1, INPUT_EVENT.paste),
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
  it('give the published modality summary', () => {
    expect(behaviourVectors.cases.length).toBeGreaterThanOrEqual(5)
    for (const c of behaviourVectors.cases) {
      const b = c.b as unknown as Record<string, number[]>
      const m = extractTiming(b).modality
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
