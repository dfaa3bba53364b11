import { describe, expect, it } from 'vitest'
import { humanSignals, newDevice, tokenFor } from '../../../test/support/tokens.js'
import type { Alert } from './notify/notifier.js'
import { KenchiError } from './errors.js'
import { memoryStore } from './stores/memory.js'
import { createVerifier } from './verifier.js'

const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v
const MINUTE = 60_000

async function site(attack: Record<string, unknown> = {}) {
  let clock = 1_800_000_000_000
  const alerts: Alert[] = []
  const store = memoryStore()
  const verifier = await createVerifier({
    keys: [{ id: 'k1', secret: 'attack-secret-attack-secret-attack-sec' }],
    hashSecret: 'attack-hash-attack-hash-attack-hash-att',
    origins: [ORIGIN],
    store,
    now: () => clock,
    policy: { attack: { failedLogins: 20, windowMs: 5 * MINUTE, calmMs: 10 * MINUTE, ...attack } },
    onAlert: (alert) => void alerts.push(alert),
  })
  const login = async (userId: string, ip = '203.0.113.1') => {
    const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
    return verifier.verify(await tokenFor(challenge, { device: await newDevice() }), { action: 'login', ip, userId, userAgent: UA })
  }
  /** Failed logins spread over many IPs and accounts, as a distributed attack looks. */
  const failures = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const v = await login(`victim${i}@example.jp`, `198.51.100.${i % 250}`)
      await verifier.reportOutcome(v.eventId, 'login_failed')
      clock += 500
    }
  }
  return { verifier, alerts, login, failures, advance: (ms: number) => (clock += ms), store }
}

describe('attack mode', () => {
  it('switches on when site-wide failures cross the threshold, challenges every login, and alerts', async () => {
    const { verifier, alerts, login, failures, advance } = await site()
    await failures(19)
    advance(3_000)
    expect(verifier.attack.active).toBe(false)
    expect((await login('calm@example.jp')).reasons.map((r) => r.code)).not.toContain('ATTACK_MODE')
    await failures(2)
    advance(3_000)
    const during = await login('customer@example.jp')
    expect(verifier.attack).toMatchObject({ active: true, failedLogins: expect.any(Number) })
    expect(during.decision).toBe('challenge')
    expect(during.reasons).toContainEqual({ code: 'ATTACK_MODE', weight: 50, detail: { response: 'challenge', since: expect.any(Number) } })
    expect(alerts.filter((a) => a.kind === 'attack-mode').map((a) => a.code)).toEqual(['ATTACK_MODE_ON'])
    // Other actions are not affected by the login response.
    const { challenge } = await verifier.challenge({ action: 'checkout', origin: ORIGIN })
    const checkout = await verifier.verify(await tokenFor(challenge), { action: 'checkout', userAgent: UA })
    expect(checkout.reasons.map((r) => r.code)).not.toContain('ATTACK_MODE')
  })

  it('steps down by itself after a calm period, not before (hysteresis)', async () => {
    const { verifier, alerts, login, failures, advance } = await site()
    await failures(25)
    advance(3_000)
    await login('x@example.jp')
    expect(verifier.attack.active).toBe(true)
    advance(6 * MINUTE) // the failures have left the window: calm starts now
    await login('y@example.jp')
    expect(verifier.attack.active).toBe(true)
    advance(5 * MINUTE)
    await login('z@example.jp')
    expect(verifier.attack.active).toBe(true)
    advance(6 * MINUTE)
    const after = await login('w@example.jp')
    expect(verifier.attack.active).toBe(false)
    expect(after.reasons.map((r) => r.code)).not.toContain('ATTACK_MODE')
    expect(alerts.filter((a) => a.kind === 'attack-mode').map((a) => a.code)).toEqual(['ATTACK_MODE_ON', 'ATTACK_MODE_OFF'])
  })

  it('steps down without traffic when checkAttack() is called on a timer, and keeps its state when the store fails', async () => {
    const { verifier, alerts, failures, advance, store } = await site({ windowMs: MINUTE, calmMs: 30_000 })
    await failures(25)
    advance(3_000)
    expect(await verifier.checkAttack()).toMatchObject({ active: true, failedLogins: 25 })
    advance(MINUTE) // no logins since: the failures have left the window, calm starts at this check
    expect((await verifier.checkAttack()).active).toBe(true)
    advance(20_000)
    expect((await verifier.checkAttack()).active).toBe(true)
    advance(10_000)
    expect(await verifier.checkAttack()).toEqual({ active: false, failedLogins: 0, distinctUsers: 0 })
    expect(verifier.attack.active).toBe(false)
    expect(alerts.filter((a) => a.kind === 'attack-mode').map((a) => a.code)).toEqual(['ATTACK_MODE_ON', 'ATTACK_MODE_OFF'])

    await failures(25)
    advance(3_000)
    expect((await verifier.checkAttack()).active).toBe(true)
    store.countHits = () => Promise.reject(new Error('store down'))
    advance(3_000)
    expect((await verifier.checkAttack()).active).toBe(true)
  })

  it('stop-logins denies logins, maintenance denies everything, pow raises login challenges', async () => {
    const stop = await site({ response: 'stop-logins' })
    await stop.failures(21)
    stop.advance(3_000)
    expect((await stop.login('a@example.jp')).decision).toBe('deny')

    const pow = await site({ response: 'pow', pow: 6 })
    await pow.failures(21)
    pow.advance(3_000)
    await pow.login('b@example.jp')
    const { challenge } = await pow.verifier.challenge({ action: 'login', origin: ORIGIN })
    expect(JSON.parse(Buffer.from(challenge.split('.')[1]!, 'base64url').toString()).pow).toBe(6)

    const maintenance = await site({ response: 'maintenance' })
    await maintenance.failures(21)
    maintenance.advance(3_000)
    await maintenance.login('c@example.jp')
    const order = await maintenance.verifier.challenge({ action: 'checkout', origin: ORIGIN })
    expect((await maintenance.verifier.verify(await tokenFor(order.challenge), { action: 'checkout', userAgent: UA })).decision).toBe(
      'deny',
    )
  })

  it('raises an alert when a verdict carries a code in alertOn, and none when alertOn is empty', async () => {
    for (const alertOn of [undefined, []]) {
      const alerts: Alert[] = []
      const verifier = await createVerifier({
        keys: [{ id: 'k1', secret: 'attack-secret-attack-secret-attack-sec' }],
        hashSecret: 'attack-hash-attack-hash-attack-hash-att',
        origins: [ORIGIN],
        onAlert: (alert) => void alerts.push(alert),
        ...(alertOn ? { alertOn } : {}),
      })
      const bot = await newDevice()
      let last
      for (let i = 0; i < 5; i++) {
        const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
        last = await verifier.verify(await tokenFor(challenge, { device: bot }), {
          action: 'login',
          ip: '198.51.100.1',
          userId: `v${i}`,
          userAgent: UA,
        })
      }
      await new Promise((r) => setTimeout(r, 10)) // alerts are delivered asynchronously
      if (alertOn) expect(alerts).toEqual([])
      else {
        expect(alerts).toEqual([
          {
            kind: 'VELOCITY_DEVICE_USERS',
            code: 'VELOCITY_DEVICE_USERS',
            at: expect.any(Number),
            detail: expect.objectContaining({ eventId: last!.eventId, action: 'login', ip: '198.51.100.1', count: 5 }),
          },
        ])
      }
    }
  })

  it('can watch distinct user ids too, be switched off, and validates its settings', async () => {
    const { verifier, login, advance } = await site({ failedLogins: 1000, distinctUsers: 10 })
    for (let i = 0; i < 11; i++) {
      await login(`spray${i}@example.jp`, `192.0.2.${i}`)
      advance(1_000)
    }
    advance(3_000)
    await login('next@example.jp')
    expect(verifier.attack.active).toBe(true)
    verifier.updatePolicy({ attack: { enabled: false } })
    advance(3_000)
    await login('later@example.jp')
    expect(verifier.attack.active).toBe(false)
    expect(() => verifier.updatePolicy({ attack: { response: 'panic' as never } })).toThrow(KenchiError)
    expect(() => verifier.updatePolicy({ attack: { exitRatio: 1.5 } })).toThrow(KenchiError)
  })
})
