import { describe, expect, it } from 'vitest'
import type { ParsedToken } from '@kenchi/protocol'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import type { Store } from '../stores/types.js'
import { historyRule, type HistoryRuleOptions } from './history.js'

function evaluator(options: HistoryRuleOptions = {}, store: Store = memoryStore()) {
  const rule = historyRule(options)
  let now = 1000
  return {
    store,
    run: async (userHash: string | undefined, deviceId: string, action = 'login') =>
      rule.evaluate({
        token: {} as ParsedToken,
        context: { action },
        device: { id: deviceId, status: 'waiting', known: false },
        clues: { storedIds: [] },
        store,
        now: now++,
        ...(userHash !== undefined ? { userHash } : {}),
      }),
  }
}
const codes = (reasons: { code: string }[]) => reasons.map((r) => r.code)

describe('historyRule', () => {
  it('reports a trusted fingerprint on a new key but never trusts the key for it (identical phones, copied fingerprints)', async () => {
    const store = memoryStore()
    const rule = historyRule()
    const run = (deviceId: string, now: number) =>
      rule.evaluate({
        token: {} as ParsedToken,
        context: { action: 'login' },
        device: { id: deviceId, status: 'waiting', known: false },
        clues: { storedIds: [], hashes: { coarse: 'c1', fine: 'f1' } },
        store,
        now,
        userHash: 'u1',
      })
    await run('d1', 1)
    await store.trustUserDevice('u1', 'd1', 2)
    await store.trustUserDevice('fp:u1', 'f:f1', 2)
    expect(await run('d2', 3)).toEqual([{ code: 'FIRST_USER_DEVICE', weight: 45, detail: { seenBefore: false, fingerprintMatch: 'fine' } }])
  })

  it('says nothing without a user id', async () => {
    const { run } = evaluator()
    expect(await run(undefined, 'd1')).toEqual([])
  })

  it('FIRST_USER, then FIRST_USER_DEVICE until the device is trusted, then USER_DEVICE', async () => {
    const { run, store } = evaluator()
    expect(await run('u1', 'd1')).toEqual([{ code: 'FIRST_USER', weight: 10 }])
    // The first login did not succeed: the device is not proven yet.
    expect(await run('u1', 'd1')).toEqual([{ code: 'FIRST_USER_DEVICE', weight: 45, detail: { seenBefore: true } }])
    await store.trustUserDevice('u1', 'd1', 5000)
    expect(codes(await run('u1', 'd1'))).toEqual(['USER_DEVICE'])
    expect(await run('u1', 'd2')).toEqual([{ code: 'FIRST_USER_DEVICE', weight: 45, detail: { seenBefore: false } }])
  })

  it('FIRST_USER_DEVICE_COUNT_OVER for a user who already trusts many devices', async () => {
    const { run, store } = evaluator({ maxTrustedDevices: 3 })
    for (const d of ['a', 'b', 'c']) await store.trustUserDevice('u1', d, 1)
    expect(codes(await run('u1', 'd'))).toEqual(['FIRST_USER_DEVICE', 'FIRST_USER_DEVICE_COUNT_OVER'])
  })

  it('SAME_DEVICE when other user ids used the device', async () => {
    const { run } = evaluator()
    await run('mother', 'family-pc')
    expect(await run('child', 'family-pc')).toEqual([
      { code: 'FIRST_USER', weight: 10 },
      { code: 'SAME_DEVICE', weight: 15, detail: { users: 2 } },
    ])
  })

  it('limits itself to the configured actions, takes weights, validates options', async () => {
    const { run } = evaluator({ actions: ['login'], weights: { FIRST_USER: 0 } })
    expect(await run('u1', 'd1', 'checkout')).toEqual([])
    expect(await run('u1', 'd1', 'login')).toEqual([])
    expect(() => historyRule({ weights: { SAME_DEVICE: 200 } })).toThrow(KenchiError)
    expect(() => historyRule({ maxTrustedDevices: 0 })).toThrow(KenchiError)
    expect(() => historyRule({ sameDeviceUsers: 1 })).toThrow(KenchiError)
  })
})
