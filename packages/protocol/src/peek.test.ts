import { describe, expect, it } from 'vitest'
import { base64urlEncode, utf8 } from './base64url.js'
import { assembleChallenge, challengeSigningInput } from './challenge.js'
import { peekChallenge } from './peek.js'

const base = { v: 1 as const, kid: 'k1', n: 'AAAAAAAAAAAAAAAAAAAAAA', iat: 100, exp: 400, act: 'login', org: 'https://shop.example' }

describe('peekChallenge', () => {
  it('reads nonce, times and difficulty', () => {
    const raw = assembleChallenge(challengeSigningInput({ ...base, pow: 8 }), new Uint8Array(32))
    expect(peekChallenge(raw)).toEqual({ n: base.n, iat: 100, exp: 400, pow: 8 })
    expect(peekChallenge(assembleChallenge(challengeSigningInput(base), new Uint8Array(32)))?.pow).toBe(0)
  })

  it('refuses what is not a challenge', () => {
    const seg = (o: unknown) => base64urlEncode(utf8(JSON.stringify(o)))
    for (const raw of [
      undefined,
      42,
      '',
      'kc1.x',
      `kt1.${seg(base)}.AA`,
      `kc1.${seg({ ...base, exp: 50 })}.AA`,
      `kc1.${seg({ ...base, n: 1 })}.AA`,
      'kc1.!!!.AA',
      `kc1.${base64urlEncode(utf8('{'))}.AA`,
    ]) {
      expect(peekChallenge(raw)).toBeUndefined()
    }
  })
})
