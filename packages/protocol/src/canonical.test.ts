import { describe, expect, it } from 'vitest'
import { base64urlEncode, utf8 } from './base64url.js'
import { canonicalize, isWellFormed } from './canonical.js'
import { decodeJsonSegment } from './json.js'

describe('canonicalize', () => {
  it('sorts keys by UTF-16 code units at every level and drops whitespace', () => {
    expect(canonicalize({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}')
    // "é" (U+00E9) sorts after "z"; an astral character's high surrogate sorts before U+FFFD.
    expect(canonicalize({ é: 1, z: 2, '\u{1F600}': 3, '\uFFFD': 4 })).toBe('{"z":2,"é":1,"\u{1F600}":3,"\uFFFD":4}')
  })

  it('writes numbers in ECMAScript shortest form', () => {
    expect(canonicalize([1.0, -0, 1e21, 0.1, 1e-7, 100, 2 ** 53 - 1])).toBe('[1,0,1e+21,0.1,1e-7,100,9007199254740991]')
  })

  it('escapes strings as JSON.stringify does', () => {
    expect(canonicalize('a"b\\c\n\u0001\u2028')).toBe('"a\\"b\\\\c\\n\\u0001\u2028"')
  })

  it('leaves out undefined members and writes undefined array items as null', () => {
    expect(canonicalize({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}')
  })

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalize(Number.NaN)).toThrow(TypeError)
    expect(() => canonicalize(Infinity)).toThrow(TypeError)
    expect(() => canonicalize(1n)).toThrow(TypeError)
    expect(() => canonicalize('\uD800')).toThrow(TypeError)
    expect(() => canonicalize({ f: () => 1 })).toThrow(TypeError)
  })

  it('detects lone surrogates', () => {
    expect(isWellFormed('ok \u{1F600}')).toBe(true)
    expect(isWellFormed('\uD800x')).toBe(false)
    expect(isWellFormed('x\uDC00')).toBe(false)
  })
})

describe('decodeJsonSegment: the canonical-form check', () => {
  const decode = (text: string) => decodeJsonSegment(base64urlEncode(utf8(text)))
  it('refuses keys out of order without canonicalising, and still accepts canonical integer-like keys', () => {
    // JavaScript enumerates integer-like keys first: these texts are canonical all the same.
    for (const text of ['{"10":1,"9":2}', '{"1":{"10":[],"2":0},"a":1}', '{"-1":0,"0":1,"1a":2,"a":3}']) {
      expect(decode(text), text).toMatchObject({ ok: true, text })
    }
    // Out of order, duplicated, or keys that would sort the same way only as numbers.
    for (const text of [
      '{"b":1,"a":2}',
      '{"a":{"y":1,"x":2}}',
      '{"a":1,"a":1}',
      '{"9":1,"10":2}',
      '{"a":1,"10":2}',
      '{"-2":0,"-1":1,"b":0,"a":1}',
    ]) {
      expect(decode(text), text).toMatchObject({ ok: false, detail: 'not canonical' })
    }
    // Same outcome whatever the path: the full canonicaliser agrees on every case.
    for (const text of ['{"b":1,"a":2}', '{"10":1,"9":2}', '{"9":1,"10":2}', '{"a":1,"10":2}']) {
      expect(decode(text).ok, text).toBe(canonicalize(JSON.parse(text)) === text)
    }
  })
})
