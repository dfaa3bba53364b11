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
