import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import { deviceClaimsRule, fraudFingerprintKey } from './claims.js'

const hashes = { coarse: 'c0ffee00', fine: 'f1ne0000' }

describe('deviceClaimsRule', () => {
  it('says nothing when the token claims nothing', async () => {
    expect(await deviceClaimsRule().evaluate(ruleInput())).toEqual([])
  })

  it('raises STORED_ID_CONFLICT for a stored id another key had first, until the key proves itself', async () => {
    const store = memoryStore()
    const input = {
      ...ruleInput({ action: 'checkout' }, { store }),
      device: { id: 'new', status: 'waiting' as const, known: false, linked: ['old'] },
    }
    expect(await deviceClaimsRule().evaluate(input)).toEqual([
      { code: 'STORED_ID_CONFLICT', weight: 50, detail: { earlierDevices: ['old'] } },
    ])
    // Without a user: proven once the device is valid.
    expect(await deviceClaimsRule().evaluate({ ...input, device: { ...input.device, status: 'valid' } })).toEqual([])
    // With a user: proven once this user trusts the key (device status alone is not enough).
    const withUser = { ...input, userHash: 'u1', device: { ...input.device, status: 'valid' as const } }
    expect((await deviceClaimsRule().evaluate(withUser)).map((r) => r.code)).toEqual(['STORED_ID_CONFLICT'])
    await store.trustUserDevice('u1', 'new', 1)
    expect(await deviceClaimsRule().evaluate(withUser)).toEqual([])
  })

  it('raises FRAUD_FINGERPRINT for an unproven device with a fraud-labelled fine fingerprint, a doubt only', async () => {
    const store = memoryStore()
    await store.setFlag(fraudFingerprintKey(hashes.fine), 60_000)
    const input = { ...ruleInput({}, { store }), clues: { storedIds: [], hashes } }
    expect(await deviceClaimsRule().evaluate(input)).toEqual([{ code: 'FRAUD_FINGERPRINT', weight: 30 }])
    expect(await deviceClaimsRule().evaluate({ ...input, device: { ...input.device, status: 'valid' } })).toEqual([])
    expect(await deviceClaimsRule().evaluate({ ...input, clues: { storedIds: [], hashes: { ...hashes, fine: 'other000' } } })).toEqual([])
  })

  it('takes weights (0 turns a reason off) and validates them', async () => {
    const input = { ...ruleInput(), device: { id: 'new', status: 'waiting' as const, known: false, linked: ['old'] } }
    expect(await deviceClaimsRule({ weights: { STORED_ID_CONFLICT: 0 } }).evaluate(input)).toEqual([])
    expect(() => deviceClaimsRule({ weights: { STORED_ID_CONFLICT: 101 } })).toThrow(KenchiError)
  })
})
