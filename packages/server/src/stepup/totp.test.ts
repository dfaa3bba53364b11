import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode, generateTotpSecret, hotp, totp, verifyTotp } from './totp.js'

// RFC 6238 appendix B: seeds of 20, 32 and 64 bytes for SHA-1, SHA-256 and SHA-512, 8 digits.
const SEEDS = {
  sha1: Buffer.from('12345678901234567890', 'ascii'),
  sha256: Buffer.from('12345678901234567890123456789012', 'ascii'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234', 'ascii'),
} as const
const VECTORS: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
]

describe('TOTP (RFC 6238)', () => {
  it('matches the RFC 6238 test vectors for SHA-1, SHA-256 and SHA-512', () => {
    for (const [seconds, sha1, sha256, sha512] of VECTORS) {
      expect(totp(SEEDS.sha1, seconds * 1000, { digits: 8 }), `sha1 ${seconds}`).toBe(sha1)
      expect(totp(SEEDS.sha256, seconds * 1000, { digits: 8, algorithm: 'sha256' }), `sha256 ${seconds}`).toBe(sha256)
      expect(totp(SEEDS.sha512, seconds * 1000, { digits: 8, algorithm: 'sha512' }), `sha512 ${seconds}`).toBe(sha512)
    }
  })

  it('matches the RFC 4226 HOTP test values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489']
    expected.forEach((code, counter) => expect(hotp(SEEDS.sha1, counter)).toBe(code))
  })

  it('accepts ±1 step by default and resolves the step counter; refuses others and malformed codes', () => {
    const at = 1111111111_000
    const counter = Math.floor(1111111111 / 30)
    expect(verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, at), at)).toBe(counter)
    expect(verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, at - 30_000), at)).toBe(counter - 1)
    expect(verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, at + 30_000), at)).toBe(counter + 1)
    expect(verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, at - 60_000), at)).toBeUndefined()
    expect(verifyTotp(SEEDS.sha1, totp(SEEDS.sha1, at - 60_000), at, { window: 2 })).toBe(counter - 2)
    for (const bad of ['', '12345', '1234567', 'abcdef', 123456 as unknown as string])
      expect(verifyTotp(SEEDS.sha1, bad, at)).toBeUndefined()
  })

  it('round-trips base32 and makes an otpauth URI', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI')
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar')
    expect(() => base32Decode('M1')).toThrow(/base32/)
    const { secret, uri } = generateTotpSecret({ issuer: 'Shop', account: 'hanako@example.jp' })
    expect(base32Decode(secret)).toHaveLength(20)
    expect(uri).toBe(`otpauth://totp/Shop:hanako%40example.jp?secret=${secret}&issuer=Shop&algorithm=SHA1&digits=6&period=30`)
  })
})
