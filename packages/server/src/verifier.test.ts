import { base64urlDecode, base64urlEncode, checkPow, LIMITS, readChallenge, utf8 } from '@kenchi/protocol'
import { describe, expect, it } from 'vitest'
import { humanSignals, newDevice, tokenFor } from '../../../test/support/tokens.js'
import { KenchiError } from './errors.js'
import { REASONS } from './reasons.js'
import { memoryStore } from './stores/memory.js'
import type { Store } from './stores/types.js'
import { createVerifier, type VerifierOptions } from './verifier.js'

const ORIGIN = 'https://shop.example'
const SECRET = 'test-secret-test-secret-test-secret-0001'
const login = { action: 'login', ip: '203.0.113.7', userAgent: 'Mozilla/5.0' }

async function setup(options: Partial<VerifierOptions> = {}) {
  let clock = 1_800_000_000_000
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: SECRET }],
    origins: [ORIGIN],
    now: () => clock,
    ...options,
  })
  return {
    verifier,
    advance: (ms: number) => (clock += ms),
    issue: async (action = 'login') => (await verifier.challenge({ action, origin: ORIGIN })).challenge,
  }
}

const codes = (v: { reasons: { code: string }[] }) => v.reasons.map((r) => r.code)

describe('createVerifier', () => {
  it('refuses bad configuration with a code', async () => {
    const bad: Array<Partial<VerifierOptions>> = [
      { keys: [] },
      { keys: [{ id: 'k1', secret: 'short' }] },
      { keys: [{ id: 'bad id', secret: SECRET }] },
      { origins: [] },
      { origins: ['https://shop.example/'] },
      { pow: 40 },
      { missingToken: 'maybe' as never },
      { thresholds: { challenge: 90, deny: 50 } },
      { challengeTtl: 0 },
    ]
    for (const options of bad) {
      await expect(
        createVerifier({ keys: [{ id: 'k1', secret: SECRET }], origins: [ORIGIN], ...options }),
        JSON.stringify(options),
      ).rejects.toBeInstanceOf(KenchiError)
    }
  })

  it('issues challenges only for configured origins and valid actions', async () => {
    const { verifier } = await setup()
    await expect(verifier.challenge({ action: 'login', origin: 'https://evil.example' })).rejects.toMatchObject({ code: 'CHALLENGE_ORIGIN' })
    await expect(verifier.challenge({ action: 'Log In', origin: ORIGIN })).rejects.toMatchObject({ code: 'CHALLENGE_ACTION' })
    const issued = await verifier.challenge({ action: 'login', origin: ORIGIN })
    expect(issued.challenge).toMatch(/^kc1\.[\w-]+\.[\w-]{43}$/)
    expect(issued.expiresAt).toBe(1_800_000_000_000 + 600_000)
  })
})

describe('verify', () => {
  it('allows a valid token from an ordinary browser and records the device', async () => {
    const { verifier, issue } = await setup()
    const device = await newDevice()
    const first = await verifier.verify(await tokenFor(await issue(), { device }), login)
    expect(first).toMatchObject({ decision: 'allow', score: 0, reasons: [], mode: 'live' })
    expect(first.device).toMatchObject({ known: false, status: 'waiting', firstSeen: 1_800_000_000_000 })
    const second = await verifier.verify(await tokenFor(await issue(), { device }), login)
    expect(second.device).toMatchObject({ id: first.device!.id, known: true })
    expect(second.eventId).not.toBe(first.eventId)
    const events = await verifier.store.listEvents()
    expect(events.map((e) => e.id)).toEqual([second.eventId, first.eventId])
    expect(events[0]).toMatchObject({ action: 'login', decision: 'allow', deviceId: first.device!.id, ip: '203.0.113.7' })
  })

  it('denies a forged challenge', async () => {
    const { verifier, issue } = await setup()
    const challenge = await issue()
    const [prefix, payload] = challenge.split('.')
    const json = JSON.parse(new TextDecoder().decode(base64urlDecode(payload!)))
    json.act = 'login'
    json.exp += 3600 // extend the lifetime without the key
    const forged = `${prefix}.${base64urlEncode(utf8(JSON.stringify(Object.fromEntries(Object.entries(json).sort()))))}.${challenge.split('.')[2]}`
    const verdict = await verifier.verify(await tokenFor(forged), login)
    expect(verdict).toMatchObject({ decision: 'deny', score: 100 })
    expect(codes(verdict)).toEqual(['CHALLENGE_FORGED'])
    expect(verdict.device).toBeUndefined()
  })

  it('denies a challenge made with another key, and one naming an unknown key id', async () => {
    const { verifier } = await setup()
    const other = await setup({ keys: [{ id: 'k1', secret: 'another-secret-another-secret-another-1' }] })
    expect(codes(await verifier.verify(await tokenFor(await other.issue()), login))).toEqual(['CHALLENGE_FORGED'])
    const stranger = await setup({ keys: [{ id: 'k9', secret: SECRET }] })
    expect(codes(await verifier.verify(await tokenFor(await stranger.issue()), login))).toEqual(['CHALLENGE_UNKNOWN_KEY'])
  })

  it('accepts challenges from every configured key, signing with the first (rotation)', async () => {
    const old = await setup({ keys: [{ id: 'k1', secret: SECRET }] })
    const rotated = await setup({
      keys: [
        { id: 'k2', secret: 'new-secret-new-secret-new-secret-new-02' },
        { id: 'k1', secret: SECRET },
      ],
    })
    expect((await rotated.verifier.verify(await tokenFor(await old.issue()), login)).decision).toBe('allow')
    const fresh = await rotated.issue()
    expect(JSON.parse(new TextDecoder().decode(base64urlDecode(fresh.split('.')[1]!))).kid).toBe('k2')
  })

  it('denies an expired challenge, honouring the clock tolerance', async () => {
    const { verifier, issue, advance } = await setup({ challengeTtl: 60, clockTolerance: 10 })
    const onTime = await tokenFor(await issue())
    const late = await tokenFor(await issue())
    advance(69_000)
    expect((await verifier.verify(onTime, login)).decision).toBe('allow')
    advance(2_000)
    const verdict = await verifier.verify(late, login)
    expect(verdict.decision).toBe('deny')
    expect(codes(verdict)).toEqual(['TOKEN_EXPIRED'])
  })

  it('denies a challenge issued in the future beyond the tolerance', async () => {
    const { verifier, advance, issue } = await setup({ clockTolerance: 5 })
    advance(60_000)
    const future = await issue()
    advance(-60_000)
    expect(codes(await verifier.verify(await tokenFor(future), login))).toEqual(['CHALLENGE_NOT_YET_VALID'])
  })

  it('denies a token used for another action', async () => {
    const { verifier, issue } = await setup()
    const verdict = await verifier.verify(await tokenFor(await issue('newsletter')), login)
    expect(verdict.decision).toBe('deny')
    expect(codes(verdict)).toEqual(['ACTION_MISMATCH'])
  })

  it('denies a token from another origin, whichever part disagrees', async () => {
    const { verifier, issue } = await setup()
    expect(codes(await verifier.verify(await tokenFor(await issue(), { origin: 'https://evil.example' }), login))).toEqual(['ORIGIN_MISMATCH'])
    expect(codes(await verifier.verify(await tokenFor(await issue()), { ...login, origin: 'https://evil.example' }))).toEqual(['ORIGIN_MISMATCH'])
    expect((await verifier.verify(await tokenFor(await issue()), { ...login, origin: ORIGIN })).decision).toBe('allow')
    // A verifier that no longer lists the origin refuses its old challenges.
    const narrowed = await setup({ origins: ['https://other.example'] })
    expect(codes(await narrowed.verifier.verify(await tokenFor(await issue()), login))).toEqual(['ORIGIN_MISMATCH'])
  })

  it('denies a replayed token', async () => {
    const { verifier, issue } = await setup()
    const token = await tokenFor(await issue())
    expect((await verifier.verify(token, login)).decision).toBe('allow')
    const again = await verifier.verify(token, login)
    expect(again.decision).toBe('deny')
    expect(codes(again)).toEqual(['TOKEN_REPLAYED'])
  })

  it('lets exactly one of two concurrent verifications of a token succeed, also across verifiers sharing a store', async () => {
    const store = memoryStore()
    const a = await setup({ store })
    const b = await setup({ store })
    for (let round = 0; round < 20; round++) {
      const token = await tokenFor(await a.issue())
      const results = await Promise.all([a.verifier.verify(token, login), b.verifier.verify(token, login), a.verifier.verify(token, login)])
      expect(results.filter((v) => v.decision === 'allow')).toHaveLength(1)
      expect(results.filter((v) => codes(v)[0] === 'TOKEN_REPLAYED')).toHaveLength(2)
    }
  })

  it('denies a token whose device signature does not verify', async () => {
    const { verifier, issue } = await setup()
    const token = await tokenFor(await issue())
    const [prefix, body, signature] = token.split('.')
    const sig = base64urlDecode(signature!)!
    sig[10]! ^= 1
    expect(codes(await verifier.verify(`${prefix}.${body}.${base64urlEncode(sig)}`, login))).toEqual(['DEVICE_SIGNATURE_INVALID'])
    // A body signed by one key but carrying another device's public key.
    const thief = await newDevice()
    const victim = await newDevice()
    const swapped = await tokenFor(await issue(), { device: thief, edit: (b) => void (b.k = victim.publicJwk) })
    expect(codes(await verifier.verify(swapped, login))).toEqual(['DEVICE_SIGNATURE_INVALID'])
    // A public key that is not a point on the curve.
    const offCurve = await tokenFor(await issue(), { edit: (b) => void (b.k = { ...b.k, y: b.k.x }) })
    expect(codes(await verifier.verify(offCurve, login))).toEqual(['DEVICE_SIGNATURE_INVALID'])
  })

  it('requires the proof of work the challenge asks for', async () => {
    const { verifier, issue } = await setup({ pow: 8 })
    expect((await verifier.verify(await tokenFor(await issue()), login)).decision).toBe('allow')
    const skipped = await tokenFor(await issue(), { edit: (b) => void delete b.w })
    expect(codes(await verifier.verify(skipped, login))).toEqual(['POW_INVALID'])
    // A solution that is certainly wrong for this challenge's nonce.
    const challenge = await issue()
    const nonce = readChallenge(challenge)!.n
    let w = 0
    while (await checkPow(nonce, 8, w)) w++
    expect(codes(await verifier.verify(await tokenFor(challenge, { edit: (b) => void (b.w = w) }), login))).toEqual(['POW_INVALID'])
  })

  it('follows the missing-token policy', async () => {
    const { verifier } = await setup()
    for (const missing of [undefined, null, '']) {
      const verdict = await verifier.verify(missing, login)
      expect(verdict.decision).toBe('challenge')
      expect(codes(verdict)).toEqual(['TOKEN_MISSING'])
    }
    const strict = await setup({ missingToken: 'deny' })
    expect((await strict.verifier.verify(undefined, login)).decision).toBe('deny')
    const lenient = await setup({ missingToken: 'allow' })
    expect((await lenient.verifier.verify(undefined, login)).decision).toBe('allow')
  })

  it('follows the store-failure policy and says so in the verdict', async () => {
    const broken: Store = {
      ...memoryStore(),
      setIfAbsent: async () => {
        throw new Error('connection refused')
      },
    }
    const { verifier, issue } = await setup({ store: broken })
    const verdict = await verifier.verify(await tokenFor(await issue()), login)
    expect(verdict.decision).toBe('challenge')
    expect(codes(verdict)).toEqual(['STORE_UNAVAILABLE'])
    const closed = await setup({ store: broken, onStoreError: 'deny' })
    expect((await closed.verifier.verify(await tokenFor(await closed.issue()), login)).decision).toBe('deny')
  })

  it('still answers when recording the event fails, and says so', async () => {
    const store: Store = {
      ...memoryStore(),
      recordEvent: async () => {
        throw new Error('disk full')
      },
    }
    const { verifier, issue } = await setup({ store })
    const verdict = await verifier.verify(await tokenFor(await issue()), login)
    expect(verdict.decision).toBe('allow')
    expect(codes(verdict)).toEqual(['STORE_UNAVAILABLE'])
    expect(verdict.reasons[0]!.weight).toBe(0)
  })

  it('denies automation found in the signals with AUTOMATION', async () => {
    const { verifier, issue } = await setup()
    const signals = { ...humanSignals(), webdriver: { v: true, d: 0 } }
    const verdict = await verifier.verify(await tokenFor(await issue(), { signals }), login)
    expect(verdict).toMatchObject({ decision: 'deny', score: 100 })
    expect(codes(verdict)).toEqual(['AUTOMATION'])
    expect(verdict.device).toBeDefined()
  })

  it('applies per-action thresholds', async () => {
    const rule = { name: 'fixed', evaluate: () => [{ code: 'AUTOMATION' as const, weight: 50 }] }
    const { verifier, issue } = await setup({ rules: [rule], thresholds: { actions: { checkout: { challenge: 60, deny: 90 } } } })
    expect((await verifier.verify(await tokenFor(await issue()), login)).decision).toBe('challenge')
    expect((await verifier.verify(await tokenFor(await issue('checkout')), { action: 'checkout' })).decision).toBe('allow')
  })

  it('skips a rule that throws and says which', async () => {
    const rule = {
      name: 'broken',
      evaluate: () => {
        throw new Error('bug')
      },
    }
    const { verifier, issue } = await setup({ rules: [rule] })
    const verdict = await verifier.verify(await tokenFor(await issue()), login)
    expect(verdict.decision).toBe('allow')
    expect(verdict.reasons).toEqual([{ code: 'RULE_FAILED', weight: 0, detail: { rule: 'broken', error: 'Error: bug' } }])
  })

  it('never throws and never allows on hostile input', async () => {
    const { verifier, issue } = await setup()
    const good = await tokenFor(await issue())
    const [prefix, body, sig] = good.split('.') as [string, string, string]
    const hostile: unknown[] = [
      42, {}, [], true, Symbol.iterator, () => 1, new Uint8Array(10), { toString: () => good },
      'kt1', '...', 'kt1.' + body, `${prefix}.${body}.${sig}.x`, `${prefix}.${sig}.${body}`,
      'x'.repeat(LIMITS.maxTokenBytes + 1), 'kt1.' + 'A'.repeat(LIMITS.maxTokenBytes),
      `kt1.${base64urlEncode(utf8('{"__proto__":{"admin":true}}'))}.${sig}`,
      `kt1.${base64urlEncode(utf8('['.repeat(5000) + ']'.repeat(5000)))}.${sig}`,
      `kt1.${base64urlEncode(new Uint8Array([0xff, 0xfe, 0xfd]))}.${sig}`,
      good.replace('kt1', 'kt9'),
    ]
    // Every single-character mutation of a valid token, at a sample of positions.
    for (let i = 0; i < good.length; i += 7) hostile.push(good.slice(0, i) + (good[i] === 'A' ? 'B' : 'A') + good.slice(i + 1))
    for (let i = 0; i < good.length; i += 97) hostile.push(good.slice(0, i))
    for (const input of hostile) {
      const verdict = await verifier.verify(input, login)
      expect(verdict.decision, String(input).slice(0, 60)).not.toBe('allow')
      for (const r of verdict.reasons) expect(Object.keys(REASONS)).toContain(r.code)
    }
    const badContexts: unknown[] = [undefined, null, 'login', { action: 5 }]
    for (const context of badContexts) {
      const verdict = await verifier.verify(await tokenFor(await issue()), context as never)
      expect(verdict.decision).toBe('deny')
      expect(codes(verdict)).toEqual(['ACTION_MISMATCH'])
    }
  })
})
