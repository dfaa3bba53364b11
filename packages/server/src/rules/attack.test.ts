import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { humanSignals, newDevice, tokenFor } from '../../../../test/support/tokens.js'
import { AttackMonitor, DEFAULT_ATTACK_POLICY, type AttackPolicy } from '../attack.js'
import { outcomeCounterKey } from '../effects.js'
import { memoryStore } from '../stores/memory.js'
import { createVerifier } from '../verifier.js'
import { storeGuard } from '../verify/store-call.js'
import { attackRule } from './attack.js'

const NOW = 1_800_000_000_000
const ORIGIN = 'https://shop.example'

/** A store whose site-wide failed-login count is over the threshold, and a monitor on it. */
async function underAttack(policy: Partial<AttackPolicy> = {}) {
  const store = memoryStore({ now: () => NOW })
  for (let i = 0; i < 3; i++) await store.hit(outcomeCounterKey('login-failed', 'site'), 60_000, NOW - i)
  const p: AttackPolicy = { ...DEFAULT_ATTACK_POLICY, failedLogins: 3, ...policy }
  return {
    store,
    monitor: new AttackMonitor(
      store,
      () => p,
      () => undefined,
    ),
  }
}

describe('attackRule', () => {
  it('adds ATTACK_MODE as the response says once the site-wide counts cross the threshold', async () => {
    const { store, monitor } = await underAttack()
    const rule = attackRule(monitor, storeGuard(1000))
    expect(rule).toMatchObject({ name: 'attackRule', mode: 'live' })
    const reasons = await rule.evaluate(ruleInput({ action: 'login' }, { store, now: NOW }))
    expect(reasons).toEqual([{ code: 'ATTACK_MODE', weight: 50, detail: { response: 'challenge', since: NOW } }])
    expect(await rule.evaluate(ruleInput({ action: 'checkout' }, { store, now: NOW }))).toEqual([])
  })

  it('keeps the last state and does not fail when the store does not answer in time', async () => {
    const { store, monitor } = await underAttack()
    store.countHits = () => new Promise(() => undefined) // hangs
    const rule = attackRule(monitor, storeGuard(20))
    expect(await rule.evaluate(ruleInput({ action: 'login' }, { store, now: NOW }))).toEqual([])
    expect(monitor.state.active).toBe(false)
  })

  it('runs in every pipeline: attack mode applies with a custom (even empty) rule list', async () => {
    let clock = NOW
    const store = memoryStore({ now: () => clock })
    const verifier = await createVerifier({
      keys: [{ id: 'k1', secret: 'attack-secret-attack-secret-attack-sec' }],
      hashSecret: 'attack-hash-attack-hash-attack-hash-att',
      origins: [ORIGIN],
      store,
      rules: [],
      now: () => clock,
      policy: { attack: { failedLogins: 3, response: 'stop-logins' } },
    })
    const login = async () => {
      const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
      return verifier.verify(await tokenFor(challenge, { device: await newDevice(), signals: humanSignals() }), {
        action: 'login',
        userId: 'u',
      })
    }
    for (let i = 0; i < 3; i++) await verifier.reportOutcome((await login()).eventId, 'login_failed')
    clock += 3_000
    const verdict = await login()
    expect(verdict.decision).toBe('deny')
    expect(verdict.reasons.map((r) => r.code)).toEqual(['ATTACK_MODE'])
    verifier.close()
  })
})

describe('AttackMonitor declared reads', () => {
  it('declares the site-wide count only when a check is due, and applies it once', async () => {
    const alerts: unknown[] = []
    const p: AttackPolicy = { ...DEFAULT_ATTACK_POLICY, failedLogins: 3 }
    const monitor = new AttackMonitor(
      memoryStore(),
      () => p,
      (a) => void alerts.push(a),
    )
    const [, due] = monitor.reads('login', undefined, NOW)
    expect(due).toEqual({ op: 'countHits', key: outcomeCounterKey('login-failed', 'site'), windowMs: p.windowMs, now: NOW })
    // Two verifications in flight both read the count; the first answer applies, the second is not due any more.
    const [, alsoDue] = monitor.reads('checkout', undefined, NOW + 1)
    expect(alsoDue).toBeDefined()
    monitor.applyAnswers(NOW, [undefined, { ok: true, value: 3 }])
    monitor.applyAnswers(NOW + 1, [undefined, { ok: true, value: 0 }])
    expect(monitor.state).toMatchObject({ active: true, failedLogins: 3 })
    expect(alerts).toHaveLength(1)
    expect(monitor.reads('login', undefined, NOW + 1_000)[1]).toBeUndefined()
    // A failed count keeps the last state.
    monitor.applyAnswers(NOW + 2_000, [undefined, { ok: false, error: new Error('down') }])
    expect(monitor.state.active).toBe(true)
  })
})
