import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { humanSignals, newDevice, tokenFor } from '../../../test/support/tokens.js'
import { KenchiError } from './errors.js'
import { createStepUp } from './stepup/stepup.js'
import { TEST_IDENTITIES } from './test-mode.js'
import { createVerifier, type VerifierOptions } from './verifier.js'

const ORIGIN = 'https://shop.example'
const base = (): VerifierOptions => ({ keys: [{ id: 'k', secret: randomBytes(32) }], hashSecret: randomBytes(32), origins: [ORIGIN] })

afterEach(() => vi.unstubAllEnvs())

/** A token from an automated browser: the default rules deny it (AUTOMATION). */
async function botToken(verifier: Awaited<ReturnType<typeof createVerifier>>): Promise<string> {
  const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
  return tokenFor(challenge, { device: await newDevice(), origin: ORIGIN, signals: { ...humanSignals(), webdriver: { v: true, d: 0 } } })
}

describe('test mode (createVerifier({ testMode }))', () => {
  it('is refused at creation when NODE_ENV is production, and for a bad decision', async () => {
    vi.stubEnv('NODE_ENV', 'production')
    await expect(createVerifier({ ...base(), testMode: true })).rejects.toMatchObject({ code: 'CONFIG_TEST_MODE' })
    await expect(createVerifier({ ...base(), testMode: { decision: 'deny' } })).rejects.toBeInstanceOf(KenchiError)
    await expect(createVerifier({ ...base(), testMode: false })).resolves.toBeDefined()
    vi.stubEnv('NODE_ENV', 'test')
    await expect(createVerifier({ ...base(), testMode: { decision: 'maybe' as 'allow' } })).rejects.toMatchObject({
      code: 'CONFIG_TEST_MODE',
    })
    await expect(createVerifier({ ...base(), testMode: { identities: { 'x@example.test': 'nope' as 'deny' } } })).rejects.toMatchObject({
      code: 'CONFIG_TEST_MODE',
    })
  })

  it('gives an automated browser the fixed decision instead of the rules, per test identity', async () => {
    const live = await createVerifier(base())
    expect((await live.verify(await botToken(live), { action: 'login', loginId: 'hanako@example.jp' })).decision).toBe('deny')
    const verifier = await createVerifier({ ...base(), testMode: { identities: { 'mallory@example.test': 'deny' } } })
    const run = async (context: Record<string, string>) => verifier.verify(await botToken(verifier), { action: 'login', ...context })
    const allowed = await run({ loginId: 'hanako@example.jp' })
    expect(allowed).toMatchObject({
      decision: 'allow',
      score: 0,
      reasons: [{ code: 'TEST_MODE', weight: 0, detail: { decision: 'allow' } }],
    })
    expect(allowed.device?.id).toBeTypeOf('string')
    expect((await run({ loginId: TEST_IDENTITIES.challenge })).decision).toBe('challenge')
    expect((await run({ loginId: 'x', email: ' Deny@Kenchi.test ' })).decision).toBe('deny')
    expect((await run({ userId: 'Mallory@example.test' })).decision).toBe('deny')
    expect((await run({ loginId: TEST_IDENTITIES.allow })).decision).toBe('allow')
  })

  it('still checks the token: a missing one follows missingToken, a forged one is denied with its reason', async () => {
    const verifier = await createVerifier({ ...base(), testMode: true })
    expect(await verifier.verify(undefined, { action: 'login' })).toMatchObject({
      decision: 'challenge',
      reasons: [{ code: 'TOKEN_MISSING' }],
    })
    const token = await botToken(verifier)
    expect((await verifier.verify(token.slice(0, -4) + 'AAAA', { action: 'login' })).decision).toBe('deny')
    expect((await verifier.verify(token, { action: 'checkout' })).reasons[0]?.code).toBe('ACTION_MISMATCH')
  })

  it('a test challenge can be stepped up like a real one', async () => {
    const verifier = await createVerifier({ ...base(), testMode: true })
    const sent: string[] = []
    const stepUp = createStepUp({
      verifier,
      secret: randomBytes(32),
      sender: { channel: 'email', send: async (m) => void sent.push(m.code) },
    })
    const verdict = await verifier.verify(await botToken(verifier), { action: 'login', loginId: TEST_IDENTITIES.challenge })
    expect(await stepUp.start({ eventId: verdict.eventId, loginId: TEST_IDENTITIES.challenge, to: 'qa@shop.example' })).toMatchObject({
      ok: true,
    })
    await stepUp.flush()
    expect(await stepUp.check({ eventId: verdict.eventId, loginId: TEST_IDENTITIES.challenge, code: sent[0]! })).toEqual({ ok: true })
  })
})
