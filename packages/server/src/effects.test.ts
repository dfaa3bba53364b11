import { describe, expect, it } from 'vitest'
import { FAILURE_RETENTION_MS, failureKeys, labelEffects, outcomeEffects } from './effects.js'
import { userFingerprintKey } from './identity.js'
import { fraudFingerprintKey } from './rules/claims.js'
import { negativeIpKey } from './rules/negative.js'
import type { DeviceRecord, EventRecord } from './stores/types.js'

const AT = 1_800_000_000_000
const event: EventRecord = {
  id: 'e1',
  at: AT - 1000,
  action: 'login',
  decision: 'allow',
  score: 0,
  reasons: [],
  mode: 'live',
  deviceId: 'dev',
  ip: '198.51.100.7',
  userHash: 'user',
  fingerprint: { coarse: 'C', fine: 'F' },
}
const device = (status: DeviceRecord['status']): DeviceRecord => ({
  id: 'dev',
  publicKey: {} as DeviceRecord['publicKey'],
  status,
  firstSeen: 1,
  lastSeen: 1,
})

describe('report effects (pure planners)', () => {
  it('a successful login on an allowed event trusts the device and its fingerprints, makes it valid and counts the login', () => {
    expect(failureKeys('login-succeeded', event)).toHaveLength(4) // site, user, IP, device
    expect(outcomeEffects(event, device('waiting'), 'login_succeeded', AT)).toEqual([
      { kind: 'trust', userHash: 'user', deviceId: 'dev', at: AT },
      { kind: 'trust', userHash: userFingerprintKey('user'), deviceId: 'f:F', at: AT },
      { kind: 'trust', userHash: userFingerprintKey('user'), deviceId: 'c:C', at: AT },
      { kind: 'device-status', deviceId: 'dev', status: 'valid' },
      ...failureKeys('login-succeeded', event).map((key) => ({ kind: 'count', key, windowMs: FAILURE_RETENTION_MS, at: AT })),
    ])
  })

  it('a login that succeeded after a challenge verdict trusts nothing; a device the store lost gets no status', () => {
    const challenged = { ...event, decision: 'challenge' as const }
    expect(outcomeEffects(challenged, device('unknown'), 'login_succeeded', AT).map((e) => e.kind)).toEqual([
      'device-status',
      'count',
      'count',
      'count',
      'count',
    ])
    expect(outcomeEffects(event, undefined, 'challenge_failed', AT)).toEqual([])
    expect(outcomeEffects(event, device('fraud'), 'challenge_passed', AT).map((e) => e.kind)).toEqual(['trust', 'trust', 'trust'])
  })

  it('a fraud label blocks the device and lists its IP and fingerprint; legit clears and trusts it', () => {
    expect(labelEffects(event, device('valid'), 'fraud', AT)).toEqual([
      { kind: 'device-status', deviceId: 'dev', status: 'fraud' },
      { kind: 'flag', key: negativeIpKey('198.51.100.7'), ttlMs: expect.any(Number) },
      { kind: 'flag', key: fraudFingerprintKey('F'), ttlMs: expect.any(Number) },
    ])
    expect(labelEffects(event, device('fraud'), 'legit', AT).map((e) => e.kind)).toEqual(['device-status', 'trust', 'trust', 'trust'])
    expect(labelEffects(event, undefined, 'fraud', AT).map((e) => e.kind)).toEqual(['flag', 'flag'])
  })
})
