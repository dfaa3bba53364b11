import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { codeIn, startInbox, type Inbox } from '../../../../test/support/smtp.js'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../../../../test/support/tokens.js'
import { KenchiError } from '../errors.js'
import { historyRule } from '../rules/index.js'
import { memoryStore } from '../stores/memory.js'
import { createVerifier, type Verifier } from '../verifier.js'
import type { Verdict } from '../verdict.js'
import { emailSender, type CodeMessage, type CodeSender } from './sender.js'
import { createStepUp, type StepUp, type StepUpOptions } from './stepup.js'
import { base32Decode, base32Encode, totp } from './totp.js'

const ORIGIN = 'https://shop.example'
const USER = 'member-1001'
const ADDRESS = 'hanako@example.jp'

let inbox: Inbox
let t: number
let verifier: Verifier

beforeAll(async () => {
  inbox = await startInbox()
})
afterAll(async () => {
  await inbox.close()
})
beforeEach(async () => {
  t = Date.UTC(2026, 10, 21, 6, 0, 0)
  verifier = await createVerifier({
    keys: [{ id: 'k', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins: [ORIGIN],
    rules: [historyRule()],
    store: memoryStore({ now: () => t }),
    now: () => t,
  })
})

async function login(device: TestDevice, userId = USER, extra: { email?: string; ip?: string } = {}): Promise<Verdict> {
  const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
  const token = await tokenFor(challenge, { device, origin: ORIGIN, signals: withOwnFingerprint(humanSignals(), device) })
  return verifier.verify(token, { action: 'login', userId, ip: extra.ip ?? '198.51.100.7', ...(extra.email ? { email: extra.email } : {}) })
}

/** A known user (one successful login on another device) on a new device: a `challenge`. */
async function challenged(userId = USER, extra: { email?: string; ip?: string } = {}): Promise<{ verdict: Verdict; device: TestDevice }> {
  const home = await login(await newDevice(), userId, extra)
  expect(home.decision).toBe('allow')
  await verifier.reportOutcome(home.eventId, 'login_succeeded')
  const device = await newDevice()
  const verdict = await login(device, userId, extra)
  expect(verdict.decision).toBe('challenge')
  expect(verdict.reasons.map((r) => r.code)).toContain('FIRST_USER_DEVICE')
  return { verdict, device }
}

/** A sender that keeps messages in memory (for tests that do not need SMTP). */
function memorySender(): CodeSender & { sent: CodeMessage[] } {
  const sent: CodeMessage[] = []
  return { channel: 'email', sent, send: async (m) => void sent.push(m) }
}

function stepUpWith(sender: CodeSender, options: Partial<StepUpOptions> = {}): StepUp {
  return createStepUp({ verifier, secret: randomBytes(32), sender, now: () => t, ...options })
}

describe('step-up by e-mail code through a real SMTP server', () => {
  it('mails the code to the address on file; passing trusts the device, so the next login is allow', async () => {
    const sender = emailSender({ transport: inbox.transport, from: 'no-reply@shop.example' })
    const stepUp = stepUpWith(sender)
    const { verdict, device } = await challenged()
    const before = inbox.mails.length
    const started = await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })
    expect(started).toEqual({ ok: true, channel: 'email', expiresAt: t + 600_000, resendAfter: t + 30_000 })
    await stepUp.flush()
    const mail = await inbox.waitFor(ADDRESS, inbox.mails.filter((m) => m.to.includes(ADDRESS)).length)
    expect(inbox.mails.length).toBe(before + 1)
    expect(mail.from).toBe('no-reply@shop.example')
    expect(mail.to).toEqual([ADDRESS])
    const code = codeIn(mail)
    expect(code).toMatch(/^\d{6}$/)
    expect(mail.data).toContain(`Subject: Your code: ${code}`)
    expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, code, deviceId: verdict.device!.id })).toEqual({ ok: true })
    await verifier.flush() // events are written behind their verdicts
    const event = await verifier.store.getEvent(verdict.eventId)
    expect(event?.outcomes?.map((o) => o.outcome)).toEqual(['challenge_passed'])
    const next = await login(device)
    expect(next.decision).toBe('allow')
    expect(next.reasons.map((r) => r.code)).toContain('USER_DEVICE')
    sender.close()
  })
})

describe('emailSender with an smtp:// URL', () => {
  it('delivers through the SMTP server the URL names', async () => {
    const sender = emailSender({ transport: `smtp://127.0.0.1:${inbox.port}`, from: 'no-reply@shop.example' })
    const before = inbox.mails.filter((m) => m.to.includes('url@example.jp')).length
    await sender.send({ to: 'url@example.jp', code: '123456', purpose: 'step-up', action: 'login', expiresAt: Date.now() + 60_000 })
    expect(codeIn(await inbox.waitFor('url@example.jp', before + 1))).toBe('123456')
    sender.close()
  })
})

describe('step-up failure codes', () => {
  it('STEP_UP_WRONG_CODE counts down, then STEP_UP_TOO_MANY_ATTEMPTS even for the right code; challenge_failed is reported once', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender, { maxAttempts: 3 })
    const { verdict } = await challenged()
    await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })
    await stepUp.flush()
    const code = sender.sent[0]!.code
    const wrong = code === '000000' ? '111111' : '000000'
    const ask = (c: string) => stepUp.check({ eventId: verdict.eventId, userId: USER, code: c })
    expect(await ask(wrong)).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 2 })
    expect(await ask(wrong)).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 1 })
    expect(await ask(wrong)).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 0 })
    expect(await ask(code)).toEqual({ ok: false, code: 'STEP_UP_TOO_MANY_ATTEMPTS' })
    expect(await ask(wrong)).toEqual({ ok: false, code: 'STEP_UP_TOO_MANY_ATTEMPTS' })
    // A resend does not reset the attempts.
    t += 60_000
    expect((await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })).ok).toBe(true)
    expect(await ask(sender.sent[1]!.code)).toEqual({ ok: false, code: 'STEP_UP_TOO_MANY_ATTEMPTS' })
    await verifier.flush() // events are written behind their verdicts
    const event = await verifier.store.getEvent(verdict.eventId)
    expect(event?.outcomes?.map((o) => o.outcome)).toEqual(['challenge_failed'])
  })

  it('STEP_UP_EXPIRED after the lifetime, without using an attempt; a resent code works', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender, { ttlMs: 60_000, maxAttempts: 1 })
    const { verdict } = await challenged()
    await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })
    t += 60_001
    expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, code: sender.sent[0]!.code })).toEqual({
      ok: false,
      code: 'STEP_UP_EXPIRED',
    })
    expect((await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })).ok).toBe(true)
    expect(sender.sent).toHaveLength(2)
    expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, code: sender.sent[1]!.code })).toEqual({ ok: true })
  })

  it('STEP_UP_USED for a replayed code, and for a new start once passed', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender)
    const { verdict } = await challenged()
    await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })
    const request = { eventId: verdict.eventId, userId: USER, code: sender.sent[0]!.code }
    expect(await stepUp.check(request)).toEqual({ ok: true })
    expect(await stepUp.check(request)).toEqual({ ok: false, code: 'STEP_UP_USED' })
    t += 60_000
    expect(await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })).toEqual({ ok: false, code: 'STEP_UP_USED' })
    await verifier.flush() // events are written behind their verdicts
    const event = await verifier.store.getEvent(verdict.eventId)
    expect(event?.outcomes?.map((o) => o.outcome)).toEqual(['challenge_passed'])
  })

  it('passes once under concurrent checks of the right code', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender)
    const { verdict } = await challenged()
    await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })
    const request = { eventId: verdict.eventId, userId: USER, code: sender.sent[0]!.code }
    const results = await Promise.all([stepUp.check(request), stepUp.check(request), stepUp.check(request)])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.filter((r) => !r.ok).map((r) => (r as { code: string }).code)).toEqual(['STEP_UP_USED', 'STEP_UP_USED'])
  })

  it('STEP_UP_COOLDOWN between sends, STEP_UP_RESEND_LIMIT after the last resend; only the latest code works', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender, { resend: { cooldownMs: 30_000, max: 1 } })
    const { verdict } = await challenged()
    const start = () => stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })
    expect((await start()).ok).toBe(true)
    t += 10_000
    expect(await start()).toEqual({ ok: false, code: 'STEP_UP_COOLDOWN', retryAfterMs: 30_000 })
    t += 25_000
    expect((await start()).ok).toBe(true)
    t += 31_000
    expect(await start()).toEqual({ ok: false, code: 'STEP_UP_RESEND_LIMIT' })
    expect(sender.sent).toHaveLength(2)
    const [first, second] = sender.sent
    if (first!.code !== second!.code) {
      expect((await stepUp.check({ eventId: verdict.eventId, userId: USER, code: first!.code })).ok).toBe(false)
    }
    expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, code: second!.code })).toEqual({ ok: true })
  })

  it('STEP_UP_MISMATCH: another user, another device, or an address other than the one verified', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender)
    const { verdict } = await challenged(USER, { email: ADDRESS })
    expect(await stepUp.start({ eventId: verdict.eventId, userId: 'member-2002', to: ADDRESS })).toEqual({
      ok: false,
      code: 'STEP_UP_MISMATCH',
    })
    expect(await stepUp.start({ eventId: verdict.eventId, userId: USER, to: 'attacker@evil.example' })).toEqual({
      ok: false,
      code: 'STEP_UP_MISMATCH',
    })
    expect(sender.sent).toHaveLength(0)
    expect((await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ' Hanako@Example.JP ' })).ok).toBe(true)
    const code = sender.sent[0]!.code
    expect(await stepUp.check({ eventId: verdict.eventId, userId: 'member-2002', code })).toEqual({ ok: false, code: 'STEP_UP_MISMATCH' })
    expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, code, deviceId: 'another-device' })).toEqual({
      ok: false,
      code: 'STEP_UP_MISMATCH',
    })
    expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, code })).toEqual({ ok: true })
  })

  it('a code is bound to its event: it does not pass another event of the same user', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender)
    const one = await challenged()
    const two = await login(one.device)
    expect(two.decision).toBe('challenge')
    await stepUp.start({ eventId: one.verdict.eventId, userId: USER, to: ADDRESS })
    await stepUp.start({ eventId: two.eventId, userId: USER, to: ADDRESS })
    const [a, b] = sender.sent
    if (a!.code !== b!.code) expect((await stepUp.check({ eventId: two.eventId, userId: USER, code: a!.code })).ok).toBe(false)
    expect(await stepUp.check({ eventId: two.eventId, userId: USER, code: b!.code })).toEqual({ ok: true })
  })

  it('STEP_UP_EVENT_UNKNOWN, STEP_UP_NOT_ALLOWED (deny), STEP_UP_NOT_STARTED, STEP_UP_INPUT_INVALID, STEP_UP_EXPIRED for an old verdict', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender)
    expect(await stepUp.start({ eventId: 'no-such-event', userId: USER, to: ADDRESS })).toEqual({
      ok: false,
      code: 'STEP_UP_EVENT_UNKNOWN',
    })
    const denied = await verifier.verify('not-a-token', { action: 'login', userId: USER })
    expect(denied.decision).toBe('deny')
    expect(await stepUp.start({ eventId: denied.eventId, userId: USER, to: ADDRESS })).toEqual({ ok: false, code: 'STEP_UP_NOT_ALLOWED' })
    const { verdict } = await challenged()
    expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, code: '123456' })).toEqual({
      ok: false,
      code: 'STEP_UP_NOT_STARTED',
    })
    for (const bad of [{ code: '12345' }, { code: 'abcdef' }, { code: '1234567' }, { code: 123456 as unknown as string }]) {
      expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, ...bad })).toEqual({ ok: false, code: 'STEP_UP_INPUT_INVALID' })
    }
    expect(await stepUp.start({ eventId: '../../etc', userId: USER, to: ADDRESS })).toEqual({ ok: false, code: 'STEP_UP_INPUT_INVALID' })
    expect(await stepUp.start({ eventId: verdict.eventId, userId: '', to: ADDRESS })).toEqual({ ok: false, code: 'STEP_UP_INPUT_INVALID' })
    t += 31 * 60_000
    expect(await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })).toEqual({ ok: false, code: 'STEP_UP_EXPIRED' })
    expect(sender.sent).toHaveLength(0)
  })

  it('accepts a code typed with spaces or a dash', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender)
    const { verdict } = await challenged()
    await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })
    const c = sender.sent[0]!.code
    expect(await stepUp.check({ eventId: verdict.eventId, userId: USER, code: ` ${c.slice(0, 3)}-${c.slice(3)} ` })).toEqual({ ok: true })
  })
})

describe('step-up by authenticator app (TOTP)', () => {
  it('passes with the current code, trusting the device; the same code again reads STEP_UP_USED; wrong codes count', async () => {
    const stepUp = stepUpWith(memorySender(), { maxAttempts: 2 })
    const secret = base32Encode(randomBytes(20))
    const { verdict, device } = await challenged()
    const code = totp(base32Decode(secret), t)
    const wrong = code === '000000' ? '111111' : '000000'
    expect(await stepUp.checkTotp({ eventId: verdict.eventId, userId: USER, code: wrong, secret })).toEqual({
      ok: false,
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 1,
    })
    expect(await stepUp.checkTotp({ eventId: verdict.eventId, userId: 'someone-else', code, secret })).toEqual({
      ok: false,
      code: 'STEP_UP_MISMATCH',
    })
    expect(await stepUp.checkTotp({ eventId: verdict.eventId, userId: USER, code, secret: 'not base32!' })).toEqual({
      ok: false,
      code: 'STEP_UP_INPUT_INVALID',
    })
    expect(await stepUp.checkTotp({ eventId: verdict.eventId, userId: USER, code, secret })).toEqual({ ok: true })
    expect((await login(device)).decision).toBe('allow')
    // The same code for another challenged event of this user is a replay.
    const other = await login(await newDevice())
    expect(other.decision).toBe('challenge')
    expect(await stepUp.checkTotp({ eventId: other.eventId, userId: USER, code, secret })).toEqual({ ok: false, code: 'STEP_UP_USED' })
    t += 30_000
    expect(await stepUp.checkTotp({ eventId: other.eventId, userId: USER, code: totp(base32Decode(secret), t), secret })).toEqual({
      ok: true,
    })
  })

  it('STEP_UP_TOO_MANY_ATTEMPTS after maxAttempts wrong codes; challenge_failed is reported', async () => {
    const stepUp = stepUpWith(memorySender(), { maxAttempts: 1 })
    const secret = randomBytes(20)
    const { verdict } = await challenged()
    const code = totp(secret, t)
    const wrong = code === '000000' ? '111111' : '000000'
    expect(await stepUp.checkTotp({ eventId: verdict.eventId, userId: USER, code: wrong, secret })).toMatchObject({
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 0,
    })
    expect(await stepUp.checkTotp({ eventId: verdict.eventId, userId: USER, code, secret })).toEqual({
      ok: false,
      code: 'STEP_UP_TOO_MANY_ATTEMPTS',
    })
    await verifier.flush() // events are written behind their verdicts
    expect((await verifier.store.getEvent(verdict.eventId))?.outcomes?.map((o) => o.outcome)).toEqual(['challenge_failed'])
  })
})

describe('step-up abuse limits', () => {
  it('STEP_UP_RATE_LIMITED per user, across events and devices', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender, { limits: { user: 3, windowMs: 3600_000 } })
    const { verdict, device } = await challenged()
    expect((await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })).ok).toBe(true)
    const other = await login(device)
    expect((await stepUp.start({ eventId: other.eventId, userId: USER, to: ADDRESS })).ok).toBe(true)
    expect((await stepUp.check({ eventId: other.eventId, userId: USER, code: '000000' })).ok).toBe(false)
    expect(await stepUp.check({ eventId: other.eventId, userId: USER, code: sender.sent[1]!.code })).toEqual({
      ok: false,
      code: 'STEP_UP_RATE_LIMITED',
      retryAfterMs: 3600_000,
    })
    t += 3600_001
    expect(await stepUp.check({ eventId: other.eventId, userId: USER, code: sender.sent[1]!.code })).toEqual({
      ok: false,
      code: 'STEP_UP_EXPIRED',
    })
  })

  it('STEP_UP_RATE_LIMITED per IP across users, and per address', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender, { limits: { ip: 2, address: 100 } })
    for (const [i, user] of ['u-1', 'u-2', 'u-3'].entries()) {
      const { verdict } = await challenged(user, { ip: '203.0.113.9' })
      const result = await stepUp.start({ eventId: verdict.eventId, userId: user, to: `${user}@example.jp` })
      expect(result.ok, user).toBe(i < 2)
      if (!result.ok) expect(result.code).toBe('STEP_UP_RATE_LIMITED')
    }
    const byAddress = stepUpWith(memorySender(), { limits: { address: 1 } })
    const a = await challenged('u-4')
    const b = await challenged('u-5')
    expect((await byAddress.start({ eventId: a.verdict.eventId, userId: 'u-4', to: 'shared@example.jp' })).ok).toBe(true)
    expect(await byAddress.start({ eventId: b.verdict.eventId, userId: 'u-5', to: 'SHARED@example.jp' })).toMatchObject({
      ok: false,
      code: 'STEP_UP_RATE_LIMITED',
    })
  })

  it('answers the same for an account that does not exist, and sends nothing', async () => {
    const sender = memorySender()
    const stepUp = stepUpWith(sender)
    const real = await challenged('exists')
    const ghost = await challenged('ghost')
    const one = await stepUp.start({ eventId: real.verdict.eventId, userId: 'exists', to: ADDRESS })
    const two = await stepUp.start({ eventId: ghost.verdict.eventId, userId: 'ghost', to: undefined })
    expect(Object.keys(two).sort()).toEqual(Object.keys(one).sort())
    expect(two).toEqual(one)
    expect(sender.sent).toHaveLength(1)
    expect(await stepUp.check({ eventId: ghost.verdict.eventId, userId: 'ghost', code: '123456' })).toEqual({
      ok: false,
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 4,
    })
  })

  it('makes the same store calls for a known and an unknown account (same timing class)', async () => {
    const calls: string[] = []
    const store = new Proxy(verifier.store, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown
        return typeof value === 'function'
          ? (...args: unknown[]) => (calls.push(String(name)), (value as (...a: unknown[]) => unknown).apply(target, args))
          : value
      },
    })
    const stepUp = stepUpWith(memorySender(), {
      verifier: { ...verifier, store, reportOutcome: verifier.reportOutcome, hashIdentity: verifier.hashIdentity },
    })
    const real = await challenged('exists')
    const ghost = await challenged('ghost')
    calls.length = 0
    await stepUp.start({ eventId: real.verdict.eventId, userId: 'exists', to: ADDRESS })
    const known = [...calls]
    calls.length = 0
    await stepUp.start({ eventId: ghost.verdict.eventId, userId: 'ghost', to: undefined })
    expect(calls).toEqual(known)
    expect(known.length).toBeGreaterThan(5)
  })

  it('reports a failed delivery to onDeliveryError without changing the answer', async () => {
    const errors: unknown[] = []
    const broken: CodeSender = { channel: 'email', send: async () => Promise.reject(new Error('smtp down')) }
    const stepUp = stepUpWith(broken, { onDeliveryError: (e) => errors.push(e) })
    const { verdict } = await challenged()
    expect((await stepUp.start({ eventId: verdict.eventId, userId: USER, to: ADDRESS })).ok).toBe(true)
    await stepUp.flush()
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toContain('smtp down')
  })

  it('refuses bad options with CONFIG_STEP_UP', () => {
    const sender = memorySender()
    const bad: Array<Partial<StepUpOptions>> = [
      { secret: 'short' },
      { sender: undefined as never },
      { verifier: undefined as never },
      { codeLength: 3 },
      { maxAttempts: 0 },
      { ttlMs: 10 },
      { resend: { cooldownMs: -1 } },
      { limits: { user: 0 } },
      { totp: { digits: 5 } },
      { totp: { window: -1 } },
    ]
    for (const options of bad) {
      try {
        createStepUp({ verifier, secret: randomBytes(32), sender, ...options })
        expect.unreachable(JSON.stringify(Object.keys(options)))
      } catch (error) {
        expect(error).toBeInstanceOf(KenchiError)
        expect((error as KenchiError).code).toBe('CONFIG_STEP_UP')
      }
    }
    expect(() => emailSender({ transport: null as never, from: 'a@b.example' })).toThrow(/CONFIG_STEP_UP|transport/)
    expect(() => emailSender({ transport: 'http://smtp.example' as never, from: 'a@b.example' })).toThrow(/smtp:\/\/ URL/)
    expect(() => emailSender({ transport: 'smtp://user:pass@smtp.example:587', from: 'a@b.example' })).not.toThrow()
    for (const passkey of [
      { rpId: 'https://x', origins: ['https://x.example'] },
      { rpId: 'x.example', origins: [] },
      { rpId: 'x.example', origins: ['x.example'] },
    ]) {
      expect(() => createStepUp({ verifier, secret: randomBytes(32), sender, passkey })).toThrow(/passkey/)
    }
  })

  it('passkey methods without passkey options reject with CONFIG_STEP_UP', async () => {
    const stepUp = createStepUp({ verifier, secret: randomBytes(32), sender: memorySender() })
    await expect(stepUp.passkeyOptions({ eventId: 'e', userId: USER, credentials: [{ id: 'c' }] })).rejects.toMatchObject({
      code: 'CONFIG_STEP_UP',
    })
  })
})
