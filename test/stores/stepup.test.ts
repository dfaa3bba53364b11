// Step-up and confirmations keep their state on the Store primitives only (flags and
// counters), so they work on every store: the main paths here on memory, SQLite and Redis.
import { mkdtempSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, memoryStore, redisStore, sqliteStore, type Store } from '@kenchi/server'
import { historyRule } from '@kenchi/server/rules'
import { createConfirmations, createStepUp, type CodeMessage, type CodeSender } from '@kenchi/server/stepup'
import { startRedis, type TestRedis } from '../support/redis.js'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../support/tokens.js'

const ORIGIN = 'https://shop.example'
let redis: TestRedis
const cleanups: Array<() => Promise<void>> = []
beforeAll(async () => {
  redis = await startRedis()
})
afterAll(async () => {
  for (const c of cleanups) await c()
  await redis?.stop()
})

const STORES: Array<[string, () => Promise<Store>]> = [
  ['memory', async () => memoryStore()],
  [
    'sqlite',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kenchi-stepup-'))
      const store = await sqliteStore({ path: join(dir, 'kenchi.db') })
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }))
      return store
    },
  ],
  ['redis', async () => redisStore({ url: redis.url, prefix: `stepup${randomBytes(4).toString('hex')}:` })],
]

function memorySender(): CodeSender & { sent: CodeMessage[] } {
  const sent: CodeMessage[] = []
  return { channel: 'email', sent, send: async (m) => void sent.push(m) }
}

describe.each(STORES)('step-up on the %s store', (_name, makeStore) => {
  it('challenge, code, pass, allow; replay USED; wrong codes then TOO_MANY_ATTEMPTS; confirmations single use', async () => {
    const store = await makeStore()
    const verifier = await createVerifier({
      keys: [{ id: 'k', secret: randomBytes(32) }],
      hashSecret: randomBytes(32),
      origins: [ORIGIN],
      rules: [historyRule()],
      store,
    })
    const login = async (device: TestDevice, userId: string) => {
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      const token = await tokenFor(challenge, { device, origin: ORIGIN, signals: withOwnFingerprint(humanSignals(), device) })
      return verifier.verify(token, { action: 'login', userId, ip: '198.51.100.8' })
    }
    const sender = memorySender()
    const stepUp = createStepUp({ verifier, secret: randomBytes(32), sender, maxAttempts: 2 })
    const home = await login(await newDevice(), 'u1')
    await verifier.reportOutcome(home.eventId, 'login_succeeded')
    const device = await newDevice()
    const challenged = await login(device, 'u1')
    expect(challenged.decision).toBe('challenge')
    expect((await stepUp.start({ eventId: challenged.eventId, userId: 'u1', to: 'u1@example.jp' })).ok).toBe(true)
    const code = sender.sent[0]!.code
    const wrong = code === '000000' ? '111111' : '000000'
    expect(await stepUp.check({ eventId: challenged.eventId, userId: 'u1', code: wrong })).toEqual({
      ok: false,
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 1,
    })
    expect(await stepUp.check({ eventId: challenged.eventId, userId: 'u1', code })).toEqual({ ok: true })
    expect(await stepUp.check({ eventId: challenged.eventId, userId: 'u1', code })).toEqual({ ok: false, code: 'STEP_UP_USED' })
    expect((await login(device, 'u1')).decision).toBe('allow')

    const other = await login(await newDevice(), 'u1')
    expect((await stepUp.start({ eventId: other.eventId, userId: 'u1', to: 'u1@example.jp' })).ok).toBe(true)
    expect((await stepUp.check({ eventId: other.eventId, userId: 'u1', code: wrong })).ok).toBe(false)
    expect((await stepUp.check({ eventId: other.eventId, userId: 'u1', code: wrong })).ok).toBe(false)
    expect(await stepUp.check({ eventId: other.eventId, userId: 'u1', code: sender.sent[1]!.code })).toEqual({
      ok: false,
      code: 'STEP_UP_TOO_MANY_ATTEMPTS',
    })

    const confirmations = createConfirmations({ store, secret: randomBytes(32), sender, linkUrl: 'https://shop.example/confirm' })
    expect((await confirmations.send({ purpose: 'newsletter', ref: 'n1', to: 'r@example.jp' })).ok).toBe(true)
    const token = new URL(sender.sent[2]!.link!).searchParams.get('token')
    expect(await confirmations.confirmLink(token)).toEqual({ ok: true, purpose: 'newsletter', ref: 'n1' })
    expect(await confirmations.confirmLink(token)).toEqual({ ok: false, code: 'CONFIRM_USED' })
    verifier.close()
    await store.close()
  })
})
