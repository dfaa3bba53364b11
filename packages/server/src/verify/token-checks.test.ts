import { describe, expect, it } from 'vitest'
import { createDeviceVerifier } from '../device.js'
import { createKeyRing } from '../keys.js'
import {
  LIMITS,
  assembleChallenge,
  base64urlEncode,
  canonicalize,
  challengeSigningInput,
  parseToken,
  readChallenge,
  signToken,
  utf8,
  type ChallengePayload,
  type TokenBody,
} from '@kenchi/protocol'
import { newDevice, tokenFor } from '../../../../test/support/tokens.js'
import { issueChallenge } from './challenges.js'
import { checkToken, nonceKey, spendNonce } from './token-checks.js'

const ORIGIN = 'https://shop.example'
const ring = createKeyRing([{ id: 'k1', secret: 'checks-secret-checks-secret-checks-sec' }])
let clock = 1_800_000_000_000
const checker = { ring, origins: new Set([ORIGIN]), limits: LIMITS, tolerance: 30, now: () => clock, verifyDevice: createDeviceVerifier() }
const issue = (action = 'login') =>
  issueChallenge({ ring, origins: checker.origins, ttl: 600, now: () => clock, powFor: () => 0 }, { action, origin: ORIGIN }).challenge

describe('token checks', () => {
  it("answer protocol's Result: the token, or the first failing code with its message", async () => {
    const token = await tokenFor(issue(), { device: await newDevice() })
    const ok = await checkToken(checker, token, { action: 'login' })
    expect(ok.ok && ok.value.challenge.payload.act).toBe('login')
    expect(await checkToken(checker, undefined, { action: 'login' })).toMatchObject({
      ok: false,
      code: 'TOKEN_MISSING',
      message: expect.any(String),
    })
    expect(await checkToken(checker, token, { action: 'register' })).toMatchObject({
      ok: false,
      code: 'ACTION_MISMATCH',
      detail: 'challenge for login',
    })
    clock += 3600_000
    expect(await checkToken(checker, token, { action: 'login' })).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' })
    clock -= 3600_000
  })

  it('spend a nonce once, for as long as any server in the tolerance may accept it', async () => {
    const parsed = parseToken(await tokenFor(issue()), LIMITS)
    if (!parsed.ok) throw new Error(parsed.code)
    const spent = new Map<string, number>()
    const setIfAbsent = async (key: string, ttl: number) => !spent.has(key) && Boolean(spent.set(key, ttl))
    expect((await spendNonce(parsed.value, setIfAbsent, 30, clock)).ok).toBe(true)
    expect(await spendNonce(parsed.value, setIfAbsent, 30, clock)).toMatchObject({ ok: false, code: 'TOKEN_REPLAYED' })
    const c = parsed.value.challenge.payload
    expect(spent.get(nonceKey(c.n))).toBe((c.exp + 60) * 1000 - clock + 1000)
  })
})

describe('token checks, cheapest first', () => {
  it('a token failing the MAC or the time costs no clock read past it, and no device signature check', async () => {
    let signatures = 0
    let clockReads = 0
    const counted = {
      ...checker,
      now: () => (clockReads++, clock),
      verifyDevice: (token: Parameters<typeof checker.verifyDevice>[0]) => (signatures++, checker.verifyDevice(token)),
    }
    const [prefix, payload, mac] = issue().split('.') as [string, string, string]
    const forged = await tokenFor(`${prefix}.${payload}.${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`)
    expect(await checkToken(counted, forged, { action: 'login' })).toMatchObject({ ok: false, code: 'CHALLENGE_FORGED' })
    expect([clockReads, signatures]).toEqual([0, 0])
    const expired = await tokenFor(issue())
    clock += 3600_000
    expect(await checkToken(counted, expired, { action: 'login' })).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' })
    clock -= 3600_000
    expect([clockReads, signatures]).toEqual([1, 0])
    expect(await checkToken(counted, await tokenFor(issue()), { action: 'login' })).toMatchObject({ ok: true })
    expect(signatures).toBe(1)
  })
})

/** A challenge MAC'd with k1's secret, with some of its payload changed (kid, times...). */
function mint(change: Partial<ChallengePayload> = {}): string {
  const c = readChallenge(issue())!
  const input = challengeSigningInput({ ...c, ...change })
  return assembleChallenge(input, ring.mac('k1', input))
}
/** The same challenge with one character of its MAC changed. */
function forge(challenge: string): string {
  const [prefix, payload, mac] = challenge.split('.') as [string, string, string]
  return `${prefix}.${payload}.${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`
}
/** A token whose body segment is exactly `json` (canonical or not), signed by `device`. */
async function signedText(json: string | Uint8Array, device: Awaited<ReturnType<typeof newDevice>>): Promise<string> {
  const input = `kt1.${base64urlEncode(typeof json === 'string' ? utf8(json) : json)}`
  const sig = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, device.privateKey, utf8(input) as Uint8Array<ArrayBuffer>),
  )
  return `${input}.${base64urlEncode(sig)}`
}
const login = { action: 'login' }
const code = async (token: unknown) => {
  const r = await checkToken(checker, token, login)
  return r.ok ? 'ok' : r.code
}

describe('token checks: the challenge before the body (issue 19, cheap rejection)', () => {
  it('rejects a forged MAC, an unknown key id, an expired or a future challenge before the body is parsed', async () => {
    const device = await newDevice()
    const now = Math.floor(clock / 1000)
    // Each body also breaks the schema (an unknown member): the challenge's code comes first.
    const broken = { edit: (b: TokenBody) => void ((b as unknown as Record<string, unknown>).zz = 1), device }
    const cases: [string, string][] = [
      [forge(issue()), 'CHALLENGE_FORGED'],
      [mint({ kid: 'k9' }), 'CHALLENGE_UNKNOWN_KEY'],
      [mint({ iat: now - 700, exp: now - 31 }), 'TOKEN_EXPIRED'],
      [mint({ iat: now + 31, exp: now + 600 }), 'CHALLENGE_NOT_YET_VALID'],
    ]
    for (const [challenge, expected] of cases) {
      expect(await code(await tokenFor(challenge, { device })), expected).toBe(expected)
      const multi = await tokenFor(challenge, broken)
      expect(parseToken(multi, LIMITS)).toMatchObject({ ok: false, code: 'TOKEN_SCHEMA_INVALID' })
      expect(await code(multi), `${expected} and a schema fault`).toBe(expected)
    }
    // Within the tolerance: not rejected by the time checks.
    expect(await code(await tokenFor(mint({ iat: now - 700, exp: now - 29 }), { device }))).toBe('ok')
    expect(await code(await tokenFor(mint({ iat: now + 29, exp: now + 600 }), { device }))).toBe('ok')
    // A genuine challenge in a broken body: the body's own code, as before.
    expect(await code(await tokenFor(issue(), broken))).toBe('TOKEN_SCHEMA_INVALID')
  })

  it('multi-fault bodies: non-canonical, over a limit, bad UTF-8 after the challenge, a high version: the forged MAC comes first', async () => {
    const device = await newDevice()
    const forged = forge(issue())
    const b = { v: 1, c: forged, o: ORIGIN, t: 1, k: device.publicJwk, ks: 'idb', s: {} }
    const cases = [
      JSON.stringify({ v: 1, c: forged, o: ORIGIN, t: 1, k: device.publicJwk, ks: 'idb', s: {} }), // keys unsorted
      canonicalize(b).replace(',"o"', ', "o"'), // whitespace
      canonicalize({ ...b, s: { x: { v: [[[[[[[[1]]]]]]]], d: 0 } } }), // nesting deeper than 8
      canonicalize({ ...b, v: 2 }), // another body version
      canonicalize({ ...b, s: 'not an object' }), // schema
    ]
    const text = canonicalize({ ...b, s: { x: { v: 'é', d: 0 } } })
    const bytes = utf8(text)
    bytes.set([0xc3, 0x28], bytes.indexOf(0xc3)) // not UTF-8, after the challenge
    for (const json of [...cases, bytes]) {
      const token = await signedText(json, device)
      expect(parseToken(token, LIMITS).ok, String(json)).toBe(false)
      expect(await code(token), String(json)).toBe('CHALLENGE_FORGED')
    }
    // Framing faults still come first: a 63-byte signature, a bad prefix, padding.
    const token = await signedText(canonicalize(b), device)
    const [, body, sig] = token.split('.') as [string, string, string]
    expect(await code(`kt1.${body}.${sig.slice(0, 84)}`)).toBe('TOKEN_MALFORMED')
    expect(await code(`kt9.${body}.${sig}`)).toBe('TOKEN_UNSUPPORTED_VERSION')
    expect(await code(`kt1.${body}=.${sig}`)).toBe('TOKEN_MALFORMED')
    expect(await code('x'.repeat(LIMITS.maxTokenBytes + 1))).toBe('TOKEN_TOO_LARGE')
  })

  it('a token that passes the early check goes through every check, and its ParsedToken is the one parseToken gives', async () => {
    const device = await newDevice()
    const token = await tokenFor(issue(), { device, edit: (b) => void (b.b = { c: [1, 2], k: [3] }) })
    const checked = await checkToken(checker, token, login)
    const parsed = parseToken(token, LIMITS)
    expect(checked.ok && parsed.ok).toBe(true)
    if (checked.ok && parsed.ok) expect(checked.value).toEqual(parsed.value)
    // ... and the later checks still apply: action, origin, device signature.
    expect(await code2(token, { action: 'register' })).toBe('ACTION_MISMATCH')
    expect(await code2(token, { action: 'login', origin: 'https://evil.example' })).toBe('ORIGIN_MISMATCH')
    const [p, body, sig] = token.split('.') as [string, string, string]
    expect(await code(`${p}.${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`)).toBe('DEVICE_SIGNATURE_INVALID')
  })

  it('a "c":" lure in a non-canonical body can make it fail earlier, never pass', async () => {
    const device = await newDevice()
    const genuine = issue()
    const forged = forge(issue())
    const k = JSON.stringify(device.publicJwk)
    const bodyWith = (first: string, real: string) =>
      `{"s":{"x":{"v":{"c":"${first}"},"d":0}},"c":"${real}","k":${k},"ks":"idb","o":"${ORIGIN}","t":1,"v":1}`
    // The lure is genuine, the real challenge forged: the early check passes, the full parse refuses.
    expect(await code(await signedText(bodyWith(genuine, forged), device))).toBe('TOKEN_MALFORMED')
    // The lure is forged, the real challenge genuine: refused early; the token was invalid anyway.
    const lured = await signedText(bodyWith(forged, genuine), device)
    expect(parseToken(lured, LIMITS)).toMatchObject({ ok: false, code: 'TOKEN_MALFORMED' })
    expect(await code(lured)).toBe('CHALLENGE_FORGED')
    // In a valid (canonical) token the same lure sits in a signal value and changes nothing.
    const valid = await tokenFor(genuine, {
      device,
      edit: (b) => void (b.s = { ...b.s, x: { v: { c: forged }, d: 0 }, y: { v: `"c":"${forged}"`, d: 0 } }),
    })
    expect(await code(valid)).toBe('ok')
    const alsoValid = await signToken(
      { v: 1, c: mint(), o: ORIGIN, t: 1, k: device.publicJwk, ks: 'idb', s: { a: { v: { c: forged }, d: 0 } } },
      device.privateKey,
    )
    expect(await code(alsoValid)).toBe('ok')
  })
})

const code2 = async (token: unknown, context: { action: string; origin?: string }) => {
  const r = await checkToken(checker, token, context)
  return r.ok ? 'ok' : r.code
}
