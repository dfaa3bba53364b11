import { describe, expect, it } from 'vitest'
import type { ParsedToken } from '@kenchi/protocol'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import type { Store } from '../stores/types.js'
import { velocityRule, type VelocityLimit } from './velocity.js'

function harness(limits: VelocityLimit[], store: Store = memoryStore(), exemptIps?: string[]) {
  const rule = velocityRule({ limits, ...(exemptIps ? { exemptIps } : {}) })
  return (req: { action?: string; ip?: string; device?: string; user?: string; now: number }) =>
    rule.evaluate({
      token: {} as ParsedToken,
      context: { action: req.action ?? 'login', ...(req.ip ? { ip: req.ip } : {}) },
      device: { id: req.device ?? 'd1', status: 'waiting', known: true },
      clues: { storedIds: [] },
      store,
      now: req.now,
      ...(req.user ? { userHash: req.user } : {}),
    })
}

describe('velocityRule', () => {
  it('counts distinct user ids per IP in a sliding window', async () => {
    const run = harness([
      { kind: 'distinct', by: 'ip', of: 'user', code: 'VELOCITY_IP_USERS', actions: ['login'], windowMs: 60_000, max: 3, weight: 80 },
    ])
    expect(await run({ ip: '1.1.1.1', user: 'a', now: 0 })).toEqual([])
    expect(await run({ ip: '1.1.1.1', user: 'a', now: 1 })).toEqual([]) // same user again
    expect(await run({ ip: '1.1.1.1', user: 'b', now: 2 })).toEqual([])
    expect(await run({ ip: '1.1.1.1', user: 'c', now: 3 })).toEqual([
      { code: 'VELOCITY_IP_USERS', weight: 80, detail: { counted: 'distinct users per ip', count: 3, max: 3, windowMs: 60_000 } },
    ])
    expect(await run({ ip: '2.2.2.2', user: 'd', now: 4 })).toEqual([]) // another IP
    expect(await run({ ip: '1.1.1.1', user: 'e', now: 70_000 })).toEqual([]) // the window slid past a, b, c
    expect(await run({ ip: '1.1.1.1', user: 'x', now: 5, action: 'register' })).toEqual([]) // other action
  })

  it('counts requests on the listed actions per device', async () => {
    const run = harness([
      { kind: 'count', by: 'device', code: 'VELOCITY_REGISTRATIONS', actions: ['register'], windowMs: 3_600_000, max: 3, weight: 70 },
    ])
    const results = []
    for (let i = 0; i < 4; i++) results.push(await run({ action: 'register', device: 'd9', now: i * 1000 }))
    expect(results.map((r) => r.length)).toEqual([0, 0, 1, 1])
    expect(await run({ action: 'login', device: 'd9', now: 5000 })).toEqual([])
  })

  it('reads reported failures, with a failure rate when asked', async () => {
    const store = memoryStore()
    const limit: VelocityLimit = {
      kind: 'failures',
      failure: 'order-declined',
      by: 'ip',
      code: 'CARD_FAILURES',
      actions: ['checkout'],
      windowMs: 3_600_000,
      max: 3,
      minRate: 0.8,
      weight: 90,
    }
    const run = harness([limit], store)
    const ip = '203.0.113.5'
    const report = (kind: string, n: number, at: number) =>
      Promise.all(Array.from({ length: n }, () => store.hit(`${kind}:ip:${ip}`, 86_400_000, at)))
    await report('order-declined', 2, 0)
    expect(await run({ action: 'checkout', ip, now: 1 })).toEqual([]) // 2 < 3
    await report('order-declined', 1, 2)
    await report('order-accepted', 1, 2)
    expect(await run({ action: 'checkout', ip, now: 3 })).toEqual([]) // 3 of 4 = 75 % < 80 %
    await report('order-declined', 5, 4)
    expect(await run({ action: 'checkout', ip, now: 5 })).toMatchObject([
      { code: 'CARD_FAILURES', weight: 90, detail: { count: 8, rate: 0.89 } },
    ])
    expect(await run({ action: 'login', ip, now: 6 })).toEqual([]) // not checked on other actions
  })

  it('keeps one reason per code and dimension (the heaviest window), skips missing dimensions and exempt IPs', async () => {
    const limits: VelocityLimit[] = [
      { kind: 'count', by: 'ip', code: 'VELOCITY_ORDERS', actions: ['checkout'], windowMs: 60_000, max: 1, weight: 30 },
      { kind: 'count', by: 'ip', code: 'VELOCITY_ORDERS', actions: ['checkout'], windowMs: 3_600_000, max: 1, weight: 40 },
      { kind: 'count', by: 'user', code: 'VELOCITY_ORDERS', actions: ['checkout'], windowMs: 60_000, max: 1, weight: 50 },
    ]
    const run = harness(limits, memoryStore(), ['10.0.0.1'])
    expect(await run({ action: 'checkout', ip: '1.2.3.4', user: 'u', now: 0 })).toMatchObject([
      { code: 'VELOCITY_ORDERS', weight: 40, detail: { counted: 'checkout per ip', windowMs: 3_600_000 } },
      { code: 'VELOCITY_ORDERS', weight: 50, detail: { counted: 'checkout per user' } },
    ])
    expect(await run({ action: 'checkout', ip: '1.2.3.4', now: 1 })).toMatchObject([{ weight: 40 }])
    expect(await run({ action: 'checkout', ip: '10.0.0.1', user: 'u', now: 2 })).toEqual([])
  })

  it('validates its limits', () => {
    const base = { kind: 'count', by: 'ip', code: 'VELOCITY_ORDERS', actions: ['checkout'], windowMs: 1000, max: 1, weight: 50 } as const
    expect(() => velocityRule({ limits: [{ ...base, max: 0 }] })).toThrow(KenchiError)
    expect(() => velocityRule({ limits: [{ ...base, weight: 0 }] })).toThrow(KenchiError)
    expect(() => velocityRule({ limits: [{ ...base, actions: [] }] })).toThrow(KenchiError)
    expect(() => velocityRule({ limits: [{ ...base, windowMs: 30 * 86_400_000 }] })).toThrow(KenchiError)
    expect(() =>
      velocityRule({
        limits: [
          { kind: 'failures', failure: 'login-failed', by: 'ip', code: 'LOGIN_FAILURES', windowMs: 2 * 86_400_000, max: 1, weight: 50 },
        ],
      }),
    ).toThrow(KenchiError)
    expect(() =>
      velocityRule({
        limits: [
          { kind: 'failures', failure: 'login-failed', by: 'ip', code: 'LOGIN_FAILURES', windowMs: 1000, max: 1, weight: 50, minRate: 2 },
        ],
      }),
    ).toThrow(KenchiError)
  })
})

describe('velocityRule: the plan of reads() reused by evaluate()', () => {
  const limits: VelocityLimit[] = [
    { kind: 'distinct', by: 'ip', of: 'user', code: 'VELOCITY_IP_USERS', actions: ['login'], windowMs: 60_000, max: 2, weight: 80 },
    { kind: 'distinct', by: 'device', of: 'user', code: 'VELOCITY_DEVICE_USERS', actions: ['login'], windowMs: 60_000, max: 2, weight: 60 },
  ]
  it('answers what a fresh plan would, also when evaluate() gets another request on the same context object', async () => {
    const rule = velocityRule({ limits })
    const context = { action: 'login', ip: '1.1.1.1' }
    const base = { token: {} as ParsedToken, context, clues: { storedIds: [] }, store: memoryStore(), now: 10 }
    // reads() for user a on device d1 (the IP limit and the device limit: two reads) ...
    const ops = rule.reads!({ ...base, deviceId: 'd1', userHash: 'a' })
    expect(ops).toHaveLength(2)
    const answers = [
      { ok: true as const, value: 2 },
      { ok: true as const, value: 1 },
    ]
    // ... then evaluate() for another device (a plan that must not be the cached one): same answer as without any cache.
    const other = { ...base, device: { id: 'd2', status: 'waiting' as const, known: true }, userHash: 'a', answers }
    const fresh = await velocityRule({ limits }).evaluate(other)
    expect(await rule.evaluate(other)).toEqual(fresh)
    expect(fresh.map((r) => r.code)).toEqual(['VELOCITY_IP_USERS'])
    // The matching request uses the plan once, with the same answer as a fresh one.
    rule.reads!({ ...base, deviceId: 'd1', userHash: 'a' })
    const same = { ...other, device: { id: 'd1', status: 'waiting' as const, known: true } }
    expect(await rule.evaluate(same)).toEqual(await velocityRule({ limits }).evaluate(same))
  })
})
