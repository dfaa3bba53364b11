// peekTokenChallenge: the embedded challenge found without parsing the body (issue 19,
// cheap rejection). It may only ever help reject: every test here checks that what it finds
// in a valid token is the challenge parseToken finds, and that a lure cannot change that.
import { describe, expect, it } from 'vitest'
import { base64urlEncode, utf8 } from './base64url.js'
import { canonicalize } from './canonical.js'
import { assembleChallenge, challengeSigningInput, parseChallenge } from './challenge.js'
import { LIMITS } from './constants.js'
import { decodeJsonSegment } from './json.js'
import { createToken, parseToken, peekTokenChallenge } from './token.js'
import type { ChallengePayload, TokenBody } from './types.js'

const payload: ChallengePayload = {
  v: 1,
  kid: 'k1',
  n: 'AAAAAAAAAAAAAAAAAAAAAA',
  iat: 1_800_000_000,
  exp: 1_800_000_600,
  act: 'login',
  org: 'https://shop.example',
}
const challenge = assembleChallenge(challengeSigningInput(payload), new Uint8Array(32).fill(7))
const lure = assembleChallenge(challengeSigningInput({ ...payload, kid: 'lure', n: 'BBBBBBBBBBBBBBBBBBBBBB' }), new Uint8Array(32))

function body(over: Partial<TokenBody> = {}): TokenBody {
  return {
    v: 1,
    c: challenge,
    o: 'https://shop.example',
    t: 1_800_000_001_000,
    k: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(42) + 'A' },
    ks: 'idb',
    s: { webdriver: { v: false, d: 0 }, fingerprint: { e: 'timeout', d: 0 } },
    ...over,
  }
}
const SIG = base64urlEncode(new Uint8Array(64).fill(1))
const make = (b: unknown) => createToken(b as TokenBody, async () => new Uint8Array(64).fill(1))
/** A token whose body segment is exactly `json` (not necessarily canonical). */
const raw = (json: string) => `kt1.${base64urlEncode(utf8(json))}.${SIG}`
const found = (token: unknown) => {
  const peeked = peekTokenChallenge(token)
  if (!peeked.ok) throw new Error(`framing failed: ${peeked.code}`)
  return peeked.value?.raw
}

describe('peekTokenChallenge', () => {
  it('fails every framing fault with the code parseToken gives, before looking at the body', () => {
    const good = `kt1.${base64urlEncode(utf8(canonicalize(body())))}.${SIG}`
    const [, b] = good.split('.') as [string, string]
    const faults: [unknown, string][] = [
      [undefined, 'TOKEN_MISSING'],
      [null, 'TOKEN_MISSING'],
      ['', 'TOKEN_MISSING'],
      [42, 'TOKEN_MALFORMED'],
      [{ c: challenge }, 'TOKEN_MALFORMED'],
      ['x'.repeat(LIMITS.maxTokenBytes + 1), 'TOKEN_TOO_LARGE'],
      [`kt1.${b}`, 'TOKEN_MALFORMED'],
      [`kt1.${b}.${SIG}.${SIG}`, 'TOKEN_MALFORMED'],
      [`kx1.${b}.${SIG}`, 'TOKEN_MALFORMED'],
      [`kt2.${b}.${SIG}`, 'TOKEN_UNSUPPORTED_VERSION'],
      [`kt1.${b}=.${SIG}`, 'TOKEN_MALFORMED'],
      [`kt1.${b.slice(0, 40)}+${b.slice(41)}.${SIG}`, 'TOKEN_MALFORMED'],
      [`kt1.${b}.${SIG}=`, 'TOKEN_MALFORMED'],
      [`kt1..${SIG}`, 'TOKEN_MALFORMED'],
      [`kt1.${b}.${SIG.slice(0, 40)}`, 'TOKEN_MALFORMED'],
      [`kt1.${b}.${SIG}AA`, 'TOKEN_MALFORMED'],
    ]
    for (const [token, code] of faults) {
      const peeked = peekTokenChallenge(token)
      const parsed = parseToken(token)
      expect(peeked.ok ? 'ok' : peeked.code, String(token).slice(0, 40)).toBe(code)
      expect(parsed.ok ? 'ok' : parsed.code, String(token).slice(0, 40)).toBe(code)
      if (!peeked.ok && !parsed.ok) expect(peeked.detail).toBe(parsed.detail)
    }
    expect(found(good)).toBe(challenge)
  })

  it('finds the challenge of a valid token, which parseToken then returns unchanged', async () => {
    for (const b of [body(), body({ w: 12, b: { c: [1, 2], k: [3, 4, 5] } }), body({ b: {} })]) {
      const token = await make(b)
      const peeked = peekTokenChallenge(token)
      const parsed = parseToken(token)
      expect(parsed.ok).toBe(true)
      if (!peeked.ok || !parsed.ok || peeked.value === undefined) throw new Error('expected a challenge')
      expect(peeked.value).toEqual(parsed.value.challenge)
      expect(peeked.value.raw).toBe(parsed.value.body.c)
    }
  })

  it('answers nothing (the caller parses in full) when no challenge can be read cheaply', () => {
    const none = [
      raw('{"v":1}'), // no c
      raw('{"c":1,"v":1}'), // c is no string
      raw('{"v":1,"c":"kc1.'), // not JSON, no closing quote
      raw(`{"c":"${challenge.slice(0, -3)}","v":1}`), // a challenge cut short (MAC not 32 bytes)
      raw(`{"c":"kc1.e30.${challenge.split('.')[2]}","v":1}`), // payload {}: CHALLENGE_MALFORMED in full
      raw(`{"c":"${challenge.replace('kc1', 'kc2')}","v":1}`), // another version: parseToken decides
      raw(`{"c":"${challenge.replace('.', '\\u002e')}","v":1}`), // escaped: not canonical
      raw(`{"c":"${'A'.repeat(LIMITS.maxChallengeBytes + 1)}"}`),
      raw('{"c" : "' + challenge + '"}'), // whitespace: another spelling, not looked for
      `kt1.${base64urlEncode(new Uint8Array([0x7b, 0x22, 0x63, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22]))}.${SIG}`, // not UTF-8
      `kt1.AAAAA.${SIG}`, // impossible base64url length
      `kt1.AB.${SIG}`, // non-zero trailing bits
    ]
    for (const token of none) expect(found(token), token.slice(0, 60)).toBeUndefined()
  })

  it('finds the first "c":" of a body that is not canonical, whatever member it belongs to', () => {
    // Not canonical: `s` comes first, and one of its values holds a c member with a
    // challenge-shaped string. The lure is what is found; the token is invalid anyway.
    const token = raw(
      `{"s":{"x":{"v":{"c":"${lure}"},"d":0}},"c":"${challenge}","k":${JSON.stringify(body().k)},"ks":"idb","o":"https://shop.example","t":1,"v":1}`,
    )
    expect(found(token)).toBe(lure)
    expect(parseToken(token)).toMatchObject({ ok: false, code: 'TOKEN_MALFORMED', detail: 'not canonical' })
    // c found in a body that breaks the schema: found all the same.
    expect(found(raw(`{"c":"${challenge}","v":1,"zz":1}`))).toBe(challenge)
  })

  it('a "c":" lure in a signal value of a valid token is never what is found', async () => {
    // In canonical form every " inside a string is escaped, and `s` sorts after `c`: a
    // signal value spelling `"c":"<lure>"` can neither come first nor be read as a member.
    const signals = {
      webdriver: { v: false, d: 0 },
      a: { v: `"c":"${lure}"`, d: 0 },
      b: { v: { c: lure }, d: 0 },
      c: { v: [lure, { c: lure }], d: 0 },
    }
    for (const b of [body({ s: signals }), body({ s: signals, b: { c: [1], q: [2, 3] } })]) {
      const token = await make(b)
      const parsed = parseToken(token)
      expect(parsed.ok).toBe(true)
      expect(found(token)).toBe(challenge)
      if (parsed.ok) expect(parsed.value.body.c).toBe(challenge)
    }
  })

  it('in every valid token, the first "c":" is the top-level c member (randomised bodies)', async () => {
    // Canonical order puts only `b` (names and arrays of integers) before `c`.
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n)
    const names = ['c', 'b', 'k', 'x', 'cc', 'C', 'c_1']
    for (let i = 0; i < 200; i++) {
      const streams: Record<string, number[]> = {}
      for (let j = rand(4); j > 0; j--) streams[names[rand(names.length)]!] = Array.from({ length: rand(5) }, () => rand(1000) - 500)
      const s: TokenBody['s'] = { webdriver: { v: false, d: 0 } }
      for (let j = rand(4); j > 0; j--) {
        const values = [`"c":"${lure}"`, { c: lure }, [`","c":"`, lure], 'c', { '"c"': lure }]
        s[names[rand(names.length)]!] = { v: values[rand(values.length)] as never, d: rand(10) }
      }
      const b = body({ s, ...(rand(2) ? { b: streams } : {}), ...(rand(2) ? { w: rand(100) } : {}) })
      const token = await make(b)
      const parsed = parseToken(token)
      expect(parsed.ok, JSON.stringify(b)).toBe(true)
      expect(found(token)).toBe(challenge)
    }
  })

  it('never throws on hostile bodies', () => {
    const hostile = ['"c":"', '{"c":"', '{"c":""}', '{"c":"kc1..","v":1}', '"c":"kc1.' + '.'.repeat(600), '\u0000"c":"\u0000"']
    for (const text of hostile) expect(() => peekTokenChallenge(raw(text))).not.toThrow()
  })
})

describe('parseChallenge, canonical payload read by one pattern', () => {
  const mac = new Uint8Array(32)
  const general = (text: string) => decodeJsonSegment(base64urlEncode(utf8(text)))
  it('gives what the general decoder gives, for canonical and non-canonical payloads alike', () => {
    const cases = [
      canonicalize(payload),
      canonicalize({ ...payload, pow: 8 }),
      canonicalize({ ...payload, pow: 0 }),
      canonicalize({ ...payload, iat: 0, exp: 1 }),
      canonicalize({ ...payload, exp: 2 ** 53 - 1 }),
      canonicalize({ ...payload, v: 2 }),
      '{"act":"login","exp":1800000600,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1}',
      '{"act":"login","exp":01800000600,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1}',
      '{"act":"login","exp":18000006000000000,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1}',
      '{"act":"login","exp":-0,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1}',
      '{"act":"login","exp":1e9,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1}',
      '{"act":"log\\u0069n","exp":1800000600,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1}',
      '{"act":"login","exp":1800000600,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1 }',
      '{"act":"login","exp":1800000600,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","pow":3,"v":1,"x":1}',
      '{"act":"lögin","exp":1800000600,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1}',
      '{"act":"login","exp":1800000600,"iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1.0}',
      '{"exp":1800000600,"act":"login","iat":1800000000,"kid":"k1","n":"AAAAAAAAAAAAAAAAAAAAAA","org":"https://shop.example","v":1}',
    ]
    for (const text of cases) {
      const c = `kc1.${base64urlEncode(utf8(text))}.${base64urlEncode(mac)}`
      const parsed = parseChallenge(c)
      const g = general(text)
      if (parsed.ok) {
        // Accepted: exactly the object JSON.parse gives, members in the same order.
        expect(g.ok, text).toBe(true)
        if (g.ok) {
          expect(parsed.value.payload, text).toEqual(g.value)
          expect(Object.keys(parsed.value.payload), text).toEqual(Object.keys(g.value as object))
        }
      } else if (g.ok) {
        expect(['CHALLENGE_MALFORMED', 'TOKEN_UNSUPPORTED_VERSION'], text).toContain(parsed.code)
      } else {
        expect(parsed, text).toMatchObject({ code: 'CHALLENGE_MALFORMED', detail: g.detail })
      }
    }
    expect(parseChallenge(`kc1.${base64urlEncode(utf8(canonicalize({ ...payload, v: 2 })))}.${base64urlEncode(mac)}`)).toMatchObject({
      code: 'TOKEN_UNSUPPORTED_VERSION',
    })
  })
})
