// Input modality in the behaviour streams: key modality bits in `k`, input and composition
// events in `i`, touch contacts in `c`; old tokens decode as before. (What the server makes
// of them, keyMode and the modality timing, is tested in packages/server/src/behaviour/.)
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
} from './behaviour.js'
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
    expect(decodeKeys([7, keyCode(31, KEY_CATEGORY.letter, false, m)])).toEqual([
      { t: 7, field: 31, category: KEY_CATEGORY.letter, up: false, modality: m },
    ])
    expect(decodeKeys([7, keyCode(2, KEY_CATEGORY.other, true, 7)])[0]).toMatchObject({ field: 2, up: true, modality: 7 })
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

describe('behaviour test vectors', () => {
  it('decode to the published records', () => {
    expect(behaviourVectors.cases.length).toBeGreaterThanOrEqual(5)
    for (const c of behaviourVectors.cases) {
      const b = c.b as unknown as Record<string, number[]>
      expect(decodeKeys(b.k), c.name).toEqual(c.expect.keys)
      expect(decodeInputs(b.i), c.name).toEqual(c.expect.inputs)
      expect(decodeContacts(b.c), c.name).toEqual(c.expect.contacts)
    }
  })
})
