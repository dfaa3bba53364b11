import { describe, expect, it } from 'vitest'
import { base64urlDecode, base64urlEncode, fromUtf8, utf8 } from './base64url.js'

describe('base64url', () => {
  it('matches Node for every length up to 64 bytes', () => {
    for (let len = 0; len <= 64; len++) {
      const bytes = crypto.getRandomValues(new Uint8Array(len))
      const expected = Buffer.from(bytes).toString('base64url')
      expect(base64urlEncode(bytes)).toBe(expected)
      expect(base64urlDecode(expected)).toEqual(bytes)
    }
  })

  it('rejects characters outside the alphabet, padding and impossible lengths', () => {
    for (const bad of ['a', 'ab=', 'ab+c', 'ab/c', 'a b', 'abcde', 'é', '\u0000AAA']) {
      expect(base64urlDecode(bad), bad).toBeUndefined()
    }
  })

  it('rejects non-zero trailing bits, so each byte string has one encoding', () => {
    expect(base64urlDecode('AA')).toEqual(new Uint8Array([0]))
    expect(base64urlDecode('AB')).toBeUndefined()
    expect(base64urlDecode('AAA')).toEqual(new Uint8Array([0, 0]))
    expect(base64urlDecode('AAB')).toBeUndefined()
  })

  it('decodes UTF-8 strictly', () => {
    expect(fromUtf8(utf8('検知 ✓'))).toBe('検知 ✓')
    expect(fromUtf8(new Uint8Array([0xc3, 0x28]))).toBeUndefined()
    expect(fromUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBeUndefined() // encoded surrogate
  })
})

describe('base64url on long input (the native path under Node)', () => {
  it('agrees with the portable decoder and is as strict', () => {
    for (let len = 49; len <= 120; len++) {
      const bytes = crypto.getRandomValues(new Uint8Array(len))
      const text = base64urlEncode(bytes)
      expect(text.length).toBeGreaterThan(64)
      expect(new Uint8Array(base64urlDecode(text)!)).toEqual(bytes)
      if (text.length % 4 !== 0) {
        // Set a trailing bit that a lenient decoder would ignore.
        const last = text.at(-1)!
        const bumped = text.slice(0, -1) + (last === 'A' ? 'B' : last === 'Q' ? 'R' : last === 'g' ? 'h' : last === 'w' ? 'x' : 'B')
        if (bumped !== text) expect(base64urlDecode(bumped), bumped.slice(-4)).toBeUndefined()
      }
      expect(base64urlDecode(text.slice(0, 40) + '+' + text.slice(41))).toBeUndefined()
      expect(base64urlDecode(text + '=')).toBeUndefined()
    }
  })
})
