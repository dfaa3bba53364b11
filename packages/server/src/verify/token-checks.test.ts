import { describe, expect, it } from 'vitest'
import { createDeviceVerifier } from '../device.js'
import { createKeyRing } from '../keys.js'
import { LIMITS, parseToken } from '@kenchi/protocol'
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
