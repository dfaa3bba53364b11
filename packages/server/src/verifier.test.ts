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
const HASH_SECRET = 'hash-secret-hash-secret-hash-secret-0001'
// The user agent the test tokens' pages report, so the header matches as in a real browser.
const UA = (humanSignals().userAgent as { v: string }).v
const login = { action: 'login', ip: '203.0.113.7', userAgent: UA }

async function setup(options: Partial<VerifierOptions> = {}) {
  let clock = 1_800_000_000_000
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: SECRET }],
    origins: [ORIGIN],
    hashSecret: HASH_SECRET,
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
      { hashSecret: 'short' },
      { hashSecret: undefined as never },
      { policy: { pow: 40 } },
      { policy: { missingToken: 'maybe' as never } },
      { policy: { thresholds: { challenge: 90, deny: 50 } } },
      { policy: { actions: { checkout: { deny: 10 } } } },
      { policy: { mode: 'dry' as never } },
      { challengeTtl: 0 },
      { rules: [{ name: 'x', evaluate: () => [] } as never] },
    ]
    for (const options of bad) {
      await expect(
        createVerifier({ keys: [{ id: 'k1', secret: SECRET }], origins: [ORIGIN], hashSecret: HASH_SECRET, ...options }),
        JSON.stringify(options),
      ).rejects.toBeInstanceOf(KenchiError)
    }
  })

  it('issues challenges only for configured origins and valid actions', async () => {
    const { verifier } = await setup()
    await expect(verifier.challenge({ action: 'login', origin: 'https://evil.example' })).rejects.toMatchObject({
      code: 'CHALLENGE_ORIGIN',
    })
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
    expect(codes(await verifier.verify(await tokenFor(await issue(), { origin: 'https://evil.example' }), login))).toEqual([
      'ORIGIN_MISMATCH',
    ])
    expect(codes(await verifier.verify(await tokenFor(await issue()), { ...login, origin: 'https://evil.example' }))).toEqual([
      'ORIGIN_MISMATCH',
    ])
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
    const { verifier, issue } = await setup({ policy: { pow: 8 } })
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
    const strict = await setup({ policy: { missingToken: 'deny' } })
    expect((await strict.verifier.verify(undefined, login)).decision).toBe('deny')
    const lenient = await setup({ policy: { missingToken: 'allow' } })
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
    const closed = await setup({ store: broken, policy: { onStoreError: 'deny' } })
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
    expect(verdict.reasons[0]!.detail).toMatchObject({ while: 'recording the event', queued: true })
    expect(await verifier.flush()).toBe(1) // the event waits in the queue, not lost
    verifier.close()
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
    const rule = { name: 'fixed', mode: 'live' as const, evaluate: () => [{ code: 'AUTOMATION' as const, weight: 50 }] }
    const { verifier, issue } = await setup({ rules: [rule], policy: { actions: { checkout: { challenge: 60, deny: 90 } } } })
    expect((await verifier.verify(await tokenFor(await issue()), login)).decision).toBe('challenge')
    expect((await verifier.verify(await tokenFor(await issue('checkout')), { action: 'checkout' })).decision).toBe('allow')
  })

  it('skips a rule that throws and says which', async () => {
    const rule = {
      name: 'broken',
      mode: 'live' as const,
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
      42,
      {},
      [],
      true,
      Symbol.iterator,
      () => 1,
      new Uint8Array(10),
      { toString: () => good },
      'kt1',
      '...',
      'kt1.' + body,
      `${prefix}.${body}.${sig}.x`,
      `${prefix}.${sig}.${body}`,
      'x'.repeat(LIMITS.maxTokenBytes + 1),
      'kt1.' + 'A'.repeat(LIMITS.maxTokenBytes),
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

describe('monitor mode', () => {
  const fixed = (mode: 'live' | 'monitor', weight = 60) => ({
    name: `fixed-${mode}`,
    mode,
    evaluate: () => [{ code: 'AUTOMATION' as const, weight }],
  })

  it('globally: always allows, and records what would have happened, bad tokens included', async () => {
    const { verifier, issue } = await setup({ policy: { mode: 'monitor' } })
    const signals = { ...humanSignals(), webdriver: { v: true, d: 0 } }
    const bot = await verifier.verify(await tokenFor(await issue(), { signals }), login)
    expect(bot).toMatchObject({ decision: 'allow', wouldBe: 'deny', mode: 'monitor', score: 100 })
    expect(codes(bot)).toEqual(['AUTOMATION'])
    const forged = await verifier.verify('kt1.AAAA.AAAA', login)
    expect(forged).toMatchObject({ decision: 'allow', wouldBe: 'deny', mode: 'monitor' })
    expect(codes(forged)).toEqual(['TOKEN_MALFORMED'])
    const recorded = await verifier.store.getEvent(bot.eventId)
    expect(recorded).toMatchObject({ decision: 'allow', wouldBe: 'deny', mode: 'monitor', score: 100 })
  })

  it('per rule: a monitor rule is recorded but does not count', async () => {
    const { verifier, issue } = await setup({ rules: [fixed('live', 30), fixed('monitor', 60)] })
    const verdict = await verifier.verify(await tokenFor(await issue()), login)
    expect(verdict).toMatchObject({ decision: 'allow', score: 30, mode: 'live', wouldBe: 'challenge' })
    expect(verdict.monitored).toEqual([{ code: 'AUTOMATION', weight: 60 }])
    expect((await verifier.store.getEvent(verdict.eventId))?.monitored).toEqual([{ code: 'AUTOMATION', weight: 60 }])
    const quiet = await setup({ rules: [fixed('live', 30)] })
    const plain = await quiet.verifier.verify(await tokenFor(await quiet.issue()), login)
    expect(plain.wouldBe).toBeUndefined()
    expect(plain.monitored).toBeUndefined()
  })

  it('switches at run time through updatePolicy, validated', async () => {
    const { verifier, issue } = await setup()
    const signals = { ...humanSignals(), webdriver: { v: true, d: 0 } }
    expect((await verifier.verify(await tokenFor(await issue(), { signals }), login)).decision).toBe('deny')
    verifier.updatePolicy({ mode: 'monitor' })
    expect((await verifier.verify(await tokenFor(await issue(), { signals }), login)).decision).toBe('allow')
    expect(() => verifier.updatePolicy({ mode: 'off' as never })).toThrow(KenchiError)
    expect(verifier.policy.mode).toBe('monitor')
    const copy = verifier.policy
    copy.mode = 'live'
    expect(verifier.policy.mode).toBe('monitor')
  })

  it('raises proof of work at run time, per action', async () => {
    const { verifier, issue } = await setup()
    expect(readChallenge(await issue())!.pow).toBeUndefined()
    verifier.updatePolicy({ pow: 4, actions: { register: { pow: 10 } } })
    expect(readChallenge(await issue())!.pow).toBe(4)
    expect(readChallenge(await issue('register'))!.pow).toBe(10)
    expect((await verifier.verify(await tokenFor(await issue()), login)).decision).toBe('allow')
  })

  it('removes per-action overrides with null, and refuses unknown members', async () => {
    const { verifier, issue } = await setup()
    verifier.updatePolicy({ actions: { register: { pow: 10, challenge: 20 }, checkout: { deny: 60 } } })
    expect(verifier.updatePolicy({ actions: { register: { pow: null } } }).actions).toEqual({
      register: { challenge: 20 },
      checkout: { deny: 60 },
    })
    expect(readChallenge(await issue('register'))!.pow).toBeUndefined() // the global pow (0) again
    expect(verifier.updatePolicy({ actions: { register: { challenge: null } } }).actions).toEqual({ checkout: { deny: 60 } })
    expect(verifier.updatePolicy({ actions: { checkout: null, unknown: null } }).actions).toEqual({})
    expect(() => verifier.updatePolicy({ actions: { checkout: { block: 1 } as never } })).toThrow(/actions\.checkout\.block/)
    expect(() => verifier.updatePolicy({ actions: { checkout: 5 as never } })).toThrow(KenchiError)
    expect(verifier.policy.actions).toEqual({})
  })
})

describe('identities', () => {
  it('stores user ids and e-mails only as keyed hashes, e-mails normalised', async () => {
    const { verifier, issue } = await setup()
    const verdict = await verifier.verify(await tokenFor(await issue()), { ...login, userId: 'taro.yamada', email: ' Taro@Example.JP ' })
    const event = await verifier.store.getEvent(verdict.eventId)
    expect(event?.userHash).toBe(verifier.hashIdentity('user', 'taro.yamada'))
    expect(event?.emailHash).toBe(verifier.hashIdentity('email', 'taro@example.jp'))
    expect(event?.userHash).toMatch(/^[\w-]{43}$/)
    expect(JSON.stringify(event)).not.toMatch(/taro|example/i)
    const other = await setup({ hashSecret: 'another-hash-secret-another-hash-secret' })
    expect(other.verifier.hashIdentity('user', 'taro.yamada')).not.toBe(event?.userHash)
  })

  it('counts the login id tried (loginId) for velocity and attack mode, and keeps account history to real accounts', async () => {
    const { verifier, issue, advance } = await setup({ policy: { attack: { failedLogins: 1000, distinctUsers: 6, windowMs: 60_000 } } })
    const bot = await newDevice()
    const attempt = (loginId: string, extra: Record<string, string> = {}, device = bot) =>
      issue().then(async (c) => verifier.verify(await tokenFor(c, { device }), { ...login, ip: '198.51.100.9', loginId, ...extra }))
    // Guesses at addresses no account has: only loginId is passed.
    const guesses = []
    for (let i = 0; i < 5; i++) guesses.push(await attempt(`guess${i}@example.net`))
    expect(codes(guesses[3]!)).not.toContain('VELOCITY_DEVICE_USERS')
    expect(guesses[4]!.reasons).toContainEqual(
      expect.objectContaining({ code: 'VELOCITY_DEVICE_USERS', detail: expect.objectContaining({ count: 5 }) }),
    )
    for (const v of guesses) expect(codes(v)).not.toContain('FIRST_USER')
    const event = await verifier.store.getEvent(guesses[0]!.eventId)
    expect(event?.userHash).toBeUndefined()
    expect(event?.loginHash).toBe(verifier.hashIdentity('user', 'guess0@example.net'))
    expect(await verifier.store.listUserDevices(verifier.hashIdentity('user', 'guess0@example.net'), 10)).toEqual([])

    // Failed logins are counted per login id tried, as velocity reads them.
    for (let i = 0; i < 5; i++) {
      const v = await attempt('ghost@example.net', {}, await newDevice())
      await verifier.reportOutcome(v.eventId, 'login_failed')
    }
    const sixth = await attempt('ghost@example.net', {}, await newDevice())
    expect(sixth.reasons).toContainEqual(
      expect.objectContaining({ code: 'LOGIN_FAILURES', detail: expect.objectContaining({ counted: 'login-failed per user', count: 5 }) }),
    )

    // An existing account passes both: the same hash, and its history builds as before.
    const real = await attempt('taro@example.jp', { userId: 'taro@example.jp' }, await newDevice())
    expect(codes(real)).toContain('FIRST_USER')
    const realEvent = await verifier.store.getEvent(real.eventId)
    expect(realEvent?.loginHash).toBe(realEvent?.userHash)

    // Attack mode's distinctUsers counts the login ids tried, unknown ones included.
    advance(3_000)
    await attempt('after@example.net')
    expect(verifier.attack).toMatchObject({ active: true, distinctUsers: 8 })
  })

  it('reads the user agent and origin from headers when not given', async () => {
    const { verifier, issue } = await setup()
    const headers = { 'user-agent': 'Mozilla/5.0 HeadlessChrome/156', origin: ORIGIN }
    const verdict = await verifier.verify(await tokenFor(await issue(), { signals: { webdriver: { v: false, d: 0 } } }), {
      action: 'login',
      headers,
    })
    // A token with one core signal, no device signal and no behaviour is also a doubt (SIGNALS_MISSING).
    expect(verdict.reasons).toMatchObject([
      { code: 'AUTOMATION', detail: { signal: 'User-Agent header' } },
      { code: 'SIGNALS_MISSING', weight: 20 },
    ])
    const wrongOrigin = await verifier.verify(await tokenFor(await issue()), {
      action: 'login',
      headers: { origin: 'https://evil.example' },
    })
    expect(codes(wrongOrigin)).toEqual(['ORIGIN_MISMATCH'])
  })
})

describe('outcomes and labels', () => {
  it('records outcomes in order and the latest label', async () => {
    const { verifier, issue, advance } = await setup()
    const { eventId } = await verifier.verify(await tokenFor(await issue()), login)
    expect(await verifier.reportOutcome(eventId, 'login_failed')).toBe('recorded')
    advance(1000)
    expect(await verifier.reportOutcome(eventId, 'login_succeeded')).toBe('recorded')
    expect(await verifier.label(eventId, 'fraud', { comment: 'chargeback 2026-12' })).toBe('recorded')
    expect(await verifier.label(eventId, 'legit')).toBe('recorded')
    const event = await verifier.store.getEvent(eventId)
    expect(event?.outcomes).toEqual([
      { outcome: 'login_failed', at: 1_800_000_000_000 },
      { outcome: 'login_succeeded', at: 1_800_000_001_000 },
    ])
    expect(event?.label).toEqual({ label: 'legit', at: 1_800_000_001_000 })
  })

  it('rejects unknown events and bad input with codes', async () => {
    const { verifier, issue } = await setup()
    const { eventId } = await verifier.verify(await tokenFor(await issue()), login)
    await expect(verifier.reportOutcome('no-such-event', 'login_failed')).rejects.toMatchObject({ code: 'EVENT_UNKNOWN' })
    await expect(verifier.reportOutcome(eventId, 'logged_in' as never)).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(verifier.reportOutcome(42 as never, 'login_failed')).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(verifier.label(eventId, 'spam' as never)).rejects.toMatchObject({ code: 'INPUT_INVALID' })
    await expect(verifier.label(eventId, 'fraud', { comment: 'x'.repeat(501) })).rejects.toMatchObject({ code: 'INPUT_INVALID' })
  })

  it('loses nothing while the store is down: events and reports wait, in order, and land when it returns', async () => {
    const backing = memoryStore()
    let down = false
    const flaky: Store = {
      ...backing,
      recordEvent: (e) => (down ? Promise.reject(new Error('down')) : backing.recordEvent(e)),
      updateEvent: (id, p) => (down ? Promise.reject(new Error('down')) : backing.updateEvent(id, p)),
    }
    const { verifier, issue } = await setup({ store: flaky })
    down = true
    // The first verdict of the outage says its event waits (the event's write was tried and failed).
    const before = await verifier.verify(await tokenFor(await issue()), login)
    expect(before.reasons).toMatchObject([{ code: 'STORE_UNAVAILABLE', weight: 0, detail: { queued: true } }])
    expect(await verifier.flush()).toBe(1) // its event waits
    const verdict = await verifier.verify(await tokenFor(await issue()), login)
    expect(verdict.decision).toBe('allow')
    expect(verdict.reasons).toMatchObject([{ code: 'STORE_UNAVAILABLE', weight: 0, detail: { queued: true } }])
    expect(await verifier.reportOutcome(verdict.eventId, 'login_succeeded')).toBe('queued')
    expect(await verifier.label(verdict.eventId, 'legit')).toBe('queued')
    expect(await verifier.flush()).toBe(6) // the two events, then each report's update and its effects
    expect(await backing.getEvent(verdict.eventId)).toBeUndefined()
    down = false
    expect(await verifier.flush()).toBe(0)
    expect(await backing.getEvent(before.eventId)).toBeDefined()
    const event = await backing.getEvent(verdict.eventId)
    expect(event?.outcomes?.map((o) => o.outcome)).toEqual(['login_succeeded'])
    expect(event?.label?.label).toBe('legit')
    verifier.close()
  })
})

describe('store timeouts', () => {
  it('never hangs on a store that does not answer', async () => {
    const hanging: Store = { ...memoryStore(), setIfAbsent: () => new Promise(() => {}) }
    const { verifier, issue } = await setup({ store: hanging, storeTimeout: 50 })
    const started = Date.now()
    const verdict = await verifier.verify(await tokenFor(await issue()), login)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(verdict.decision).toBe('challenge')
    expect(verdict.reasons).toMatchObject([
      { code: 'STORE_UNAVAILABLE', detail: { message: 'StoreTimeout: store did not answer within 50 ms' } },
    ])
  })
})
