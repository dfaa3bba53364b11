// The step-up attempt flow (stepup.ts `attempt`): one order for every credential kind
// (mailed code, TOTP, passkey). These tests pin that order: the store calls of each kind,
// the rate limit counted before the credential is looked at (and a refused request costs
// no attempt), the attempt counted before the credential is checked, one attempt counter
// across kinds, and the last allowed attempt locking with one `challenge_failed`.
import { randomBytes } from 'node:crypto'
import { beforeEach, describe, expect, it } from 'vitest'
import { recordingStore } from '../../../../test/support/recording-store.js'
import { softPasskey } from '../../../../test/support/soft-passkey.js'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint } from '../../../../test/support/tokens.js'
import { historyRule } from '../rules/index.js'
import { memoryStore } from '../stores/memory.js'
import { createVerifier, type Verifier } from '../verifier.js'
import type { Verdict } from '../verdict.js'
import type { CodeMessage } from './sender.js'
import { createStepUp, type StepUp, type StepUpOptions } from './stepup.js'
import { base32Decode, base32Encode, totp } from './totp.js'

const ORIGIN = 'https://shop.example'
const RP = 'shop.example'
const LOGIN = 'hanako@example.jp'

let t: number
let verifier: Verifier
let calls: Array<[string, unknown]>
let sent: CodeMessage[]

beforeEach(async () => {
  t = Date.UTC(2026, 11, 3, 6, 0, 0)
  calls = []
  sent = []
  // Records every store call with its first argument (the key, for the step-up's calls).
  const store = recordingStore(memoryStore({ now: () => t }), (name, args) => calls.push([name, args[0]]))
  verifier = await createVerifier({
    keys: [{ id: 'k', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins: [ORIGIN],
    rules: [historyRule()],
    store,
    now: () => t,
  })
})

function stepUpWith(options: Partial<StepUpOptions> = {}): StepUp {
  return createStepUp({
    verifier,
    secret: randomBytes(32),
    sender: { channel: 'email', send: async (m) => void sent.push(m) },
    now: () => t,
    passkey: { rpId: RP, origins: [ORIGIN] },
    ...options,
  })
}

async function login(): Promise<Verdict> {
  const device = await newDevice()
  const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
  const token = await tokenFor(challenge, { device, origin: ORIGIN, signals: withOwnFingerprint(humanSignals(), device) })
  return verifier.verify(token, { action: 'login', ip: '198.51.100.7', loginId: LOGIN })
}

/** The store calls `call` makes up to the first call that is not the step-up's own, keys with the event id as `E`, the device id as `D` and keyed hashes as `#`. */
async function traced(verdict: Verdict, call: () => Promise<unknown>): Promise<string[]> {
  calls.length = 0
  await call()
  const own: string[] = []
  for (const [name, key] of calls) {
    if (name !== 'getEvent' && !(typeof key === 'string' && key.startsWith('su:'))) break
    own.push(
      `${name} ${String(key)
        .replaceAll(verdict.eventId, 'E')
        .replaceAll(verdict.device?.id ?? '\u0000', 'D')
        .replace(/[\w-]{20,}/g, '#')}`,
    )
  }
  return own
}

async function outcomes(verdict: Verdict): Promise<string[]> {
  await verifier.flush() // events are written behind their verdicts
  return ((await verifier.store.getEvent(verdict.eventId))?.outcomes ?? []).map((o) => o.outcome)
}

const wrongOf = (code: string) => (code === '000000' ? '111111' : '000000')

describe('one attempt flow, store call by store call', () => {
  const admitted = ['getEvent E', 'has su:done:E']
  const limits = ['hit su:rl:u:#', 'hit su:rl:d:D', 'hit su:rl:i:198.51.100.7']

  it('a mailed code: admit, started, rate limits, attempts left and the code fresh (no attempt spent), count the attempt, look the code up; a pass marks done and deletes the code', async () => {
    const stepUp = stepUpWith()
    const verdict = await login()
    await stepUp.start({ eventId: verdict.eventId, loginId: LOGIN, to: LOGIN })
    await stepUp.flush()
    const ask = (code: string) => stepUp.check({ eventId: verdict.eventId, loginId: LOGIN, code })
    const checked = [
      ...admitted,
      'has su:ev:E',
      ...limits,
      'countHits su:try:E',
      'countHits su:gen:E',
      'has su:live:E:1',
      'hit su:try:E',
      'has su:c:E:1:#',
    ]
    expect(await traced(verdict, () => ask(wrongOf(sent[0]!.code)))).toEqual(checked)
    expect(await traced(verdict, () => ask(sent[0]!.code))).toEqual([
      ...checked,
      'setIfAbsent su:done:E',
      'deleteKey su:c:E:1:#',
      'deleteKey su:live:E:1',
    ])
    expect(await outcomes(verdict)).toEqual(['challenge_passed'])
  })

  it('a TOTP code: no start needed, one attempt counted; a pass claims the time step, then marks done', async () => {
    const stepUp = stepUpWith()
    const verdict = await login()
    const secret = base32Encode(randomBytes(20))
    const code = totp(base32Decode(secret), t)
    const checked = [...admitted, ...limits, 'hit su:try:E']
    expect(
      await traced(verdict, () => stepUp.checkTotp({ eventId: verdict.eventId, loginId: LOGIN, code: wrongOf(code), secret })),
    ).toEqual(checked)
    expect(await traced(verdict, () => stepUp.checkTotp({ eventId: verdict.eventId, loginId: LOGIN, code, secret }))).toEqual([
      ...checked,
      `setIfAbsent su:totp:#:${Math.floor(t / 30_000)}`,
      'setIfAbsent su:done:E',
    ])
    expect(await outcomes(verdict)).toEqual(['challenge_passed'])
  })

  it('a passkey: started, rate limits, count the attempt, then the challenge and the signature; a pass marks done and deletes the challenge', async () => {
    const stepUp = stepUpWith()
    const verdict = await login()
    const key = softPasskey(RP)
    const started = await stepUp.passkeyOptions({ eventId: verdict.eventId, loginId: LOGIN, credentials: [{ id: key.stored.id }] })
    if (!started.ok) throw new Error(started.code)
    const challenge = started.options.challenge as string
    const checked = [...admitted, 'has su:ev:E', ...limits, 'hit su:try:E', 'has su:pk:E:#']
    const ask = (response: unknown) => stepUp.checkPasskey({ eventId: verdict.eventId, loginId: LOGIN, response, credential: key.stored })
    expect(await traced(verdict, () => ask(key.assert(challenge, 'https://evil.example', 1)))).toEqual(checked)
    let answer: unknown
    expect(await traced(verdict, async () => (answer = await ask(key.assert(challenge, ORIGIN, 7))))).toEqual([
      ...checked,
      'setIfAbsent su:done:E',
      'deleteKey su:pk:E:#',
    ])
    expect(answer).toEqual({ ok: true, newCounter: 7 })
    expect(await outcomes(verdict)).toEqual(['challenge_passed'])
    // Single use: the same assertion again reads STEP_UP_USED before anything is counted.
    expect(await traced(verdict, () => ask(key.assert(challenge, ORIGIN, 8)))).toEqual(admitted)
    expect(await ask(key.assert(challenge, ORIGIN, 8))).toEqual({ ok: false, code: 'STEP_UP_USED' })
  })
})

describe('the order of the flow, as the user sees it', () => {
  it('the rate limit is counted before the credential is looked at, and a refused request costs no attempt', async () => {
    const stepUp = stepUpWith({ maxAttempts: 3, limits: { user: 3, windowMs: 60_000 } })
    const verdict = await login()
    await stepUp.start({ eventId: verdict.eventId, loginId: LOGIN, to: LOGIN }) // request 1
    await stepUp.flush()
    const ask = (code: string) => stepUp.check({ eventId: verdict.eventId, loginId: LOGIN, code })
    const code = sent[0]!.code
    expect(await ask(wrongOf(code))).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 2 }) // request 2
    expect(await ask(wrongOf(code))).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 1 }) // request 3
    // Request 4: the right code, refused by the per-user limit before it is checked.
    expect(await ask(code)).toEqual({ ok: false, code: 'STEP_UP_RATE_LIMITED', retryAfterMs: 60_000 })
    expect(await ask(code)).toEqual({ ok: false, code: 'STEP_UP_RATE_LIMITED', retryAfterMs: 60_000 })
    t += 61_000
    // The refused requests spent no attempt: the third and last one is still there.
    expect(await ask(code)).toEqual({ ok: true })
    expect(await outcomes(verdict)).toEqual(['challenge_passed'])
  })

  it('one attempt counter across credential kinds; the last allowed attempt reports challenge_failed once and locks even the right credential', async () => {
    const stepUp = stepUpWith({ maxAttempts: 3 })
    const verdict = await login()
    const key = softPasskey(RP)
    const secret = base32Encode(randomBytes(20))
    await stepUp.start({ eventId: verdict.eventId, loginId: LOGIN, to: LOGIN })
    await stepUp.flush()
    const started = await stepUp.passkeyOptions({ eventId: verdict.eventId, loginId: LOGIN, credentials: [{ id: key.stored.id }] })
    if (!started.ok) throw new Error(started.code)
    const challenge = started.options.challenge as string
    const code = sent[0]!.code
    const id = { eventId: verdict.eventId, loginId: LOGIN }
    expect(await stepUp.check({ ...id, code: wrongOf(code) })).toEqual({ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 2 })
    expect(await stepUp.checkTotp({ ...id, code: wrongOf(totp(base32Decode(secret), t)), secret })).toEqual({
      ok: false,
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 1,
    })
    expect(await outcomes(verdict)).toEqual([])
    expect(
      await stepUp.checkPasskey({ ...id, response: key.assert(challenge, 'https://evil.example', 1), credential: key.stored }),
    ).toEqual({
      ok: false,
      code: 'STEP_UP_PASSKEY_INVALID',
      attemptsLeft: 0,
    })
    expect(await outcomes(verdict)).toEqual(['challenge_failed'])
    // Locked: every kind, right credential or not, reads STEP_UP_TOO_MANY_ATTEMPTS; nothing more is reported.
    expect(await stepUp.check({ ...id, code })).toEqual({ ok: false, code: 'STEP_UP_TOO_MANY_ATTEMPTS' })
    expect(await stepUp.checkTotp({ ...id, code: totp(base32Decode(secret), t), secret })).toEqual({
      ok: false,
      code: 'STEP_UP_TOO_MANY_ATTEMPTS',
    })
    expect(await stepUp.checkPasskey({ ...id, response: key.assert(challenge, ORIGIN, 1), credential: key.stored })).toEqual({
      ok: false,
      code: 'STEP_UP_TOO_MANY_ATTEMPTS',
    })
    expect(await outcomes(verdict)).toEqual(['challenge_failed'])
  })

  it('a passkey assertion for a challenge not issued for the event is an attempt: on the last one it locks without telling attemptsLeft', async () => {
    const stepUp = stepUpWith({ maxAttempts: 2 })
    const verdict = await login()
    const key = softPasskey(RP)
    const started = await stepUp.passkeyOptions({ eventId: verdict.eventId, loginId: LOGIN, credentials: [{ id: key.stored.id }] })
    if (!started.ok) throw new Error(started.code)
    const id = { eventId: verdict.eventId, loginId: LOGIN, credential: key.stored }
    const foreign = randomBytes(32).toString('base64url')
    expect(await stepUp.checkPasskey({ ...id, response: key.assert(foreign, ORIGIN, 1) })).toEqual({ ok: false, code: 'STEP_UP_EXPIRED' })
    expect(await stepUp.checkPasskey({ ...id, response: key.assert(foreign, ORIGIN, 1) })).toEqual({ ok: false, code: 'STEP_UP_EXPIRED' })
    expect(await outcomes(verdict)).toEqual(['challenge_failed'])
    expect(await stepUp.checkPasskey({ ...id, response: key.assert(started.options.challenge as string, ORIGIN, 1) })).toEqual({
      ok: false,
      code: 'STEP_UP_TOO_MANY_ATTEMPTS',
    })
  })
})
