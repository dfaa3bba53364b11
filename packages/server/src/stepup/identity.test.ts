// Decision 0007: `loginId` (what was typed) at verify() always, `userId` only for an account
// with the right password; step-up bound to the login id. An account that does not exist
// gets the same answers as one that does on every step-up path, with the same store calls.
import { randomBytes } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint } from '../../../../test/support/tokens.js'
import { historyRule } from '../rules/index.js'
import { memoryStore } from '../stores/memory.js'
import type { Store } from '../stores/types.js'
import { createVerifier, type Verifier } from '../verifier.js'
import type { Verdict } from '../verdict.js'
import type { CodeMessage, CodeSender } from './sender.js'
import { createStepUp, type StepUp } from './stepup.js'
import { base32Encode, totp } from './totp.js'

const ORIGIN = 'https://shop.example'
const KNOWN = 'hanako@example.jp' // typed; the account's id is ACCOUNT
const ACCOUNT = 'acct-1001'
const GHOST = 'nobody@example.jp' // typed; no account has it

let t: number
let verifier: Verifier
let calls: string[]
let sent: CodeMessage[]
let stepUp: StepUp

beforeEach(async () => {
  t = Date.UTC(2026, 11, 3, 6, 0, 0)
  calls = []
  sent = []
  const inner = memoryStore({ now: () => t })
  // Records the name of every store call, to compare known and unknown accounts' sequences.
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown
      return typeof value === 'function'
        ? (...args: unknown[]) => (calls.push(String(name)), (value as (...a: unknown[]) => unknown).apply(target, args))
        : value
    },
  }) as Store
  verifier = await createVerifier({
    keys: [{ id: 'k', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins: [ORIGIN],
    rules: [historyRule()],
    store,
    now: () => t,
  })
  const sender: CodeSender = { channel: 'email', send: async (m) => void sent.push(m) }
  stepUp = createStepUp({ verifier, secret: randomBytes(32), sender, now: () => t, passkey: { rpId: 'shop.example', origins: [ORIGIN] } })
})

/** A login as decision 0007 says: loginId always, userId only with the right password. */
async function login(typed: string, passwordOk: boolean): Promise<Verdict> {
  const device = await newDevice()
  const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
  const token = await tokenFor(challenge, { device, origin: ORIGIN, signals: withOwnFingerprint(humanSignals(), device) })
  return verifier.verify(token, {
    action: 'login',
    ip: '198.51.100.7',
    loginId: typed,
    ...(passwordOk ? { userId: ACCOUNT, email: KNOWN } : {}),
  })
}

/** Runs `call` and returns its answer and the store calls it made. */
async function traced<T>(call: () => Promise<T>): Promise<{ answer: T; calls: string[] }> {
  calls.length = 0
  const answer = await call()
  return { answer, calls: [...calls] }
}

/** A WebAuthn assertion for the given options' challenge that no key verifies. */
function fakeAssertion(options: Record<string, unknown>, id: string): unknown {
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: ORIGIN })).toString(
    'base64url',
  )
  return {
    id,
    rawId: id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON,
      authenticatorData: randomBytes(37).toString('base64url'),
      signature: randomBytes(70).toString('base64url'),
    },
  }
}

describe('one identity pattern: unknown accounts get the answers known ones get (decision 0007)', () => {
  it('a known account with the right password is challenged on a new device and passes with the mailed code, keyed by loginId', async () => {
    const home = await login(KNOWN, true)
    await verifier.reportOutcome(home.eventId, 'login_succeeded')
    const verdict = await login(KNOWN, true)
    expect(verdict.decision).toBe('challenge')
    expect(await stepUp.start({ eventId: verdict.eventId, loginId: KNOWN, to: KNOWN })).toMatchObject({ ok: true })
    await stepUp.flush()
    expect(await stepUp.check({ eventId: verdict.eventId, loginId: KNOWN, code: sent[0]!.code })).toEqual({ ok: true })
    // userId is a synonym: the account id given to verify() also matches the event.
    const again = await login(KNOWN, true)
    expect(await stepUp.start({ eventId: again.eventId, userId: ACCOUNT, to: KNOWN })).toMatchObject({ ok: true })
    expect(await stepUp.start({ eventId: again.eventId, loginId: GHOST, to: undefined })).toEqual({ ok: false, code: 'STEP_UP_MISMATCH' })
  })

  it('start, resend and check: the same answers and store calls; nothing is sent for the unknown account', async () => {
    const known = await login(KNOWN, false)
    const ghost = await login(GHOST, false)
    const a = await traced(() => stepUp.start({ eventId: known.eventId, loginId: KNOWN, to: KNOWN }))
    const b = await traced(() => stepUp.start({ eventId: ghost.eventId, loginId: GHOST, to: undefined }))
    expect(a.answer.ok).toBe(true)
    expect(b).toEqual(a)
    await stepUp.flush()
    expect(sent.map((m) => m.to)).toEqual([KNOWN])
    // A resend inside the cool-down, then after it.
    expect(await traced(() => stepUp.start({ eventId: ghost.eventId, loginId: GHOST, to: undefined }))).toEqual(
      await traced(() => stepUp.start({ eventId: known.eventId, loginId: KNOWN, to: KNOWN })),
    )
    t += 31_000
    const resentKnown = await traced(() => stepUp.start({ eventId: known.eventId, loginId: KNOWN, to: KNOWN }))
    expect(resentKnown.answer.ok).toBe(true)
    expect(await traced(() => stepUp.start({ eventId: ghost.eventId, loginId: GHOST, to: undefined }))).toEqual(resentKnown)
    const wrong = sent.at(-1)!.code === '000000' ? '111111' : '000000'
    const c = await traced(() => stepUp.check({ eventId: known.eventId, loginId: KNOWN, code: wrong }))
    const d = await traced(() => stepUp.check({ eventId: ghost.eventId, loginId: GHOST, code: wrong }))
    expect(c.answer).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 4 })
    expect(d).toEqual(c)
  })

  it('checkTotp: an unknown account (secret: undefined) answers as a wrong code does, with the same store calls', async () => {
    const secret = base32Encode(randomBytes(20))
    const known = await login(KNOWN, false)
    const ghost = await login(GHOST, false)
    const wrong = totp(Buffer.from(secret), t) === '000000' ? '111111' : '000000'
    const a = await traced(() => stepUp.checkTotp({ eventId: known.eventId, loginId: KNOWN, code: wrong, secret }))
    const b = await traced(() => stepUp.checkTotp({ eventId: ghost.eventId, loginId: GHOST, code: wrong, secret: undefined }))
    expect(a.answer).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 4 })
    expect(b).toEqual(a)
  })

  it('passkeys: options list one credential either way (a stable decoy for no account); a check answers STEP_UP_PASSKEY_INVALID either way', async () => {
    const realId = randomBytes(16).toString('base64url')
    const known = await login(KNOWN, false)
    const ghost = await login(GHOST, false)
    const a = await traced(() => stepUp.passkeyOptions({ eventId: known.eventId, loginId: KNOWN, credentials: [{ id: realId }] }))
    const b = await traced(() => stepUp.passkeyOptions({ eventId: ghost.eventId, loginId: GHOST, credentials: [] }))
    if (!a.answer.ok || !b.answer.ok) throw new Error('passkeyOptions failed')
    expect(b.calls).toEqual(a.calls)
    const shape = (o: Record<string, unknown>) => ({
      ...o,
      challenge: typeof o.challenge,
      allowCredentials: (o.allowCredentials as Array<{ id: string }>).map((c) => ({ ...c, id: /^[\w-]{22}$/.test(c.id) })),
    })
    expect(shape(b.answer.options)).toEqual(shape(a.answer.options))
    const decoy = (b.answer.options.allowCredentials as Array<{ id: string }>)[0]!.id
    // The decoy is the same on the next request, as a real account's id would be.
    const again = await stepUp.passkeyOptions({ eventId: ghost.eventId, loginId: GHOST, credentials: [] })
    expect(again.ok && (again.options.allowCredentials as Array<{ id: string }>)[0]!.id).toBe(decoy)
    const stored = { id: realId, publicKey: new Uint8Array(randomBytes(77)), counter: 0 }
    const c = await traced(() =>
      stepUp.checkPasskey({
        eventId: known.eventId,
        loginId: KNOWN,
        response: fakeAssertion(a.answer.ok ? a.answer.options : {}, realId),
        credential: stored,
      }),
    )
    const d = await traced(() =>
      stepUp.checkPasskey({
        eventId: ghost.eventId,
        loginId: GHOST,
        response: fakeAssertion(again.ok ? again.options : {}, decoy),
        credential: undefined,
      }),
    )
    expect(c.answer).toEqual({ ok: false, code: 'STEP_UP_PASSKEY_INVALID', attemptsLeft: 4 })
    expect(d).toEqual(c)
  })

  it('unknown accounts do not share one per-user counter: each typed id has its own', async () => {
    const limited = createStepUp({
      verifier,
      secret: randomBytes(32),
      sender: { channel: 'email', send: async () => {} },
      now: () => t,
      limits: { user: 1, ip: 1000 },
    })
    for (const typed of ['a@example.jp', 'b@example.jp', 'c@example.jp']) {
      const verdict = await login(typed, false)
      expect(await limited.start({ eventId: verdict.eventId, loginId: typed, to: undefined })).toMatchObject({ ok: true })
    }
  })
})
