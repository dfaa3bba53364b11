import { describe, expect, it } from 'vitest'
import { base64urlEncode, utf8 } from './base64url.js'
import { assembleChallenge, challengeSigningInput, parseChallenge } from './challenge.js'
import { LIMITS, TOKEN_ERRORS } from './constants.js'
import { createToken, parseToken, tokenSigningInput } from './token.js'
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
const challenge = assembleChallenge(challengeSigningInput(payload), new Uint8Array(32))

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

const fakeSign = async () => new Uint8Array(64)
const make = (b: unknown) => createToken(b as TokenBody, fakeSign)
/** A token whose body segment is exactly `json` (not necessarily canonical). */
const raw = (json: string) => `kt1.${base64urlEncode(utf8(json))}.${base64urlEncode(new Uint8Array(64))}`

function code(result: ReturnType<typeof parseToken>): string {
  return result.ok ? 'ok' : result.code
}

describe('parseToken', () => {
  it('accepts a well-formed token and exposes the exact signing input', async () => {
    const token = await make(body())
    const parsed = parseToken(token)
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(parsed.value.signingInput).toBe(tokenSigningInput(body()))
    expect(parsed.value.challenge.payload).toEqual(payload)
    expect(parsed.value.signature).toHaveLength(64)
  })

  it('tells a missing token from a malformed one', () => {
    for (const missing of [undefined, null, '']) expect(code(parseToken(missing))).toBe('TOKEN_MISSING')
    for (const bad of [42, {}, [], true, 'kt1', 'kt1..', 'kt1.a.b.c', 'xx1.AA.AA', 'kt1.AA+.AA', 'kt1.e30.AA']) {
      expect(code(parseToken(bad)), String(bad)).toBe('TOKEN_MALFORMED')
    }
  })

  it('checks the size before anything else', () => {
    expect(code(parseToken('x'.repeat(LIMITS.maxTokenBytes + 1)))).toBe('TOKEN_TOO_LARGE')
    expect(code(parseToken('kt1.' + 'A'.repeat(200), { ...LIMITS, maxTokenBytes: 100 }))).toBe('TOKEN_TOO_LARGE')
  })

  it('names an unknown version as such', async () => {
    expect(code(parseToken('kt2.AAAA.AAAA'))).toBe('TOKEN_UNSUPPORTED_VERSION')
    expect(code(parseToken(await make({ ...body(), v: 2 })))).toBe('TOKEN_UNSUPPORTED_VERSION')
  })

  it('rejects bodies that are not canonical JSON', () => {
    const good = JSON.parse(Buffer.from(tokenSigningInput(body()).slice(4), 'base64url').toString())
    const text = JSON.stringify(good)
    expect(code(parseToken(raw(text)))).toBe('ok') // control: the same bytes are accepted
    const unsorted = JSON.stringify(Object.fromEntries(Object.entries(good).reverse()))
    expect(code(parseToken(raw(unsorted)))).toBe('TOKEN_MALFORMED')
    expect(code(parseToken(raw(' ' + text)))).toBe('TOKEN_MALFORMED')
    expect(code(parseToken(raw('{"v":1,"v":1}')))).toBe('TOKEN_MALFORMED') // duplicate key
    expect(code(parseToken(raw('{"t":1.0,"v":1}')))).toBe('TOKEN_MALFORMED')
    expect(code(parseToken(raw('{')))).toBe('TOKEN_MALFORMED')
  })

  it('checks limits before walking the body', async () => {
    expect(code(parseToken(raw('['.repeat(3000) + ']'.repeat(3000))))).toBe('TOKEN_LIMIT_EXCEEDED')
    expect(code(parseToken(await make(body({ s: { big: { v: 'x'.repeat(LIMITS.maxStringLength + 1), d: 0 } } }))))).toBe(
      'TOKEN_LIMIT_EXCEEDED',
    )
    const many = Object.fromEntries(Array.from({ length: LIMITS.maxSignals + 1 }, (_, i) => [`s${i}`, { v: i, d: 0 }]))
    expect(code(parseToken(await make(body({ s: many })), { ...LIMITS, maxObjectKeys: 1000 }))).toBe('TOKEN_LIMIT_EXCEEDED')
    const stream = new Array(LIMITS.maxArrayLength).fill(1)
    const streams = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`e${i}`, stream]))
    const roomy = { ...LIMITS, maxTokenBytes: 65_536 }
    expect(code(parseToken(await make(body({ b: { e0: stream, e1: stream } })), roomy))).toBe('ok')
    expect(code(parseToken(await make(body({ b: streams })), roomy))).toBe('TOKEN_LIMIT_EXCEEDED')
  })

  it('checks the schema member by member', async () => {
    const cases: Array<[string, unknown]> = [
      ['unknown member', { ...body(), extra: 1 }],
      ['origin type', { ...body(), o: 5 }],
      ['time', { ...body(), t: -1 }],
      ['key type', { ...body(), k: { kty: 'RSA', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } }],
      ['key coordinate', { ...body(), k: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(42), y: 'B'.repeat(43) } }],
      [
        'non-canonical key coordinate (spare bits set)',
        { ...body(), k: { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } },
      ],
      ['key storage', { ...body(), ks: 'disk' }],
      ['pow solution', { ...body(), w: 1.5 }],
      ['signal name', { ...body(), s: { 'bad name': { v: 1, d: 0 } } }],
      ['signal shape', { ...body(), s: { a: { v: 1, e: 'x', d: 0 } } }],
      ['signal duration', { ...body(), s: { a: { v: 1, d: -1 } } }],
      ['behaviour item', { ...body(), b: { keys: [1, 'x'] } }],
      ['array body', []],
    ]
    for (const [name, value] of cases) expect(code(parseToken(await make(value))), name).toBe('TOKEN_SCHEMA_INVALID')
  })

  it('validates the embedded challenge', async () => {
    expect(code(parseToken(await make(body({ c: 'nonsense' }))))).toBe('CHALLENGE_MALFORMED')
    const badAction = assembleChallenge(challengeSigningInput({ ...payload, act: 'LOGIN NOW' }), new Uint8Array(32))
    expect(code(parseToken(await make(body({ c: badAction }))))).toBe('CHALLENGE_MALFORMED')
    const shortMac = challengeSigningInput(payload) + '.AAAA'
    expect(code(parseToken(await make(body({ c: shortMac }))))).toBe('CHALLENGE_MALFORMED')
  })

  it('has a message for every code it returns', () => {
    for (const [key, message] of Object.entries(TOKEN_ERRORS)) expect(message.length, key).toBeGreaterThan(10)
  })
})

describe('parseChallenge', () => {
  it('round-trips a payload', () => {
    const parsed = parseChallenge(challenge)
    expect(parsed.ok && parsed.value.payload).toEqual(payload)
  })

  it('rejects bad payloads', () => {
    const cases: Array<Partial<ChallengePayload> & Record<string, unknown>> = [
      { exp: payload.iat },
      { kid: '' },
      { n: 'short' },
      { org: 'https://shop.example/path' },
      { org: 'javascript:alert(1)' },
      { pow: 99 },
      { extra: true },
    ]
    for (const change of cases) {
      const c = assembleChallenge(challengeSigningInput({ ...payload, ...change } as ChallengePayload), new Uint8Array(32))
      const result = parseChallenge(c)
      expect(result.ok ? 'ok' : result.code, JSON.stringify(change)).toBe('CHALLENGE_MALFORMED')
    }
    const v2 = assembleChallenge(challengeSigningInput({ ...payload, v: 2 } as unknown as ChallengePayload), new Uint8Array(32))
    expect(parseChallenge(v2).ok ? 'ok' : (parseChallenge(v2) as { code: string }).code).toBe('TOKEN_UNSUPPORTED_VERSION')
  })
})

describe('canonical check', () => {
  it('accepts canonical bodies whose keys JavaScript enumerates out of order (integer-like keys)', async () => {
    const token = await make(body({ s: { fp: { v: { '10': 1, '9': 2, a: 3 }, d: 0 } } }))
    expect(Buffer.from(token.split('.')[1]!, 'base64url').toString()).toContain('{"10":1,"9":2,"a":3}')
    expect(code(parseToken(token))).toBe('ok')
  })

  it('rejects escaped lone surrogates and alternative escapes', () => {
    const good = JSON.parse(Buffer.from(tokenSigningInput(body()).slice(4), 'base64url').toString())
    const withString = (s: string) =>
      JSON.stringify({ ...good, s: { ...good.s, x: { d: 0, v: 'PLACEHOLDER' } } }).replace('"PLACEHOLDER"', s)
    expect(code(parseToken(raw(withString('"ok"'))))).toBe('ok')
    expect(code(parseToken(raw(withString('"\\ud800"'))))).toBe('TOKEN_MALFORMED')
    expect(code(parseToken(raw(withString('"\\u0041"'))))).toBe('TOKEN_MALFORMED')
    expect(code(parseToken(raw(withString('"\\/"'))))).toBe('TOKEN_MALFORMED')
  })
})
