import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import { negativeIpKey, negativeRule } from './negative.js'

describe('negativeRule', () => {
  it('says nothing for a clean device and IP', async () => {
    expect(await negativeRule().evaluate(ruleInput({ ip: '203.0.113.1' }))).toEqual([])
  })

  it('denies a device whose status is fraud (NG_DEVICE)', async () => {
    const input = ruleInput({ ip: '203.0.113.1' })
    input.device.status = 'fraud'
    expect(await negativeRule().evaluate(input)).toEqual([{ code: 'NG_DEVICE', weight: 100, detail: { source: 'label' } }])
  })

  it('denies an IP flagged by a fraud label until the flag expires (NEGATIVE_IP)', async () => {
    const store = memoryStore()
    await store.setFlag(negativeIpKey('198.51.100.9'), 50)
    const input = ruleInput({ ip: '198.51.100.9' }, { store })
    expect(await negativeRule().evaluate(input)).toEqual([{ code: 'NEGATIVE_IP', weight: 100, detail: { source: 'label' } }])
    expect(await negativeRule().evaluate(ruleInput({ ip: '198.51.100.10' }, { store }))).toEqual([])
    expect(await negativeRule().evaluate(ruleInput({}, { store }))).toEqual([])
    await new Promise((r) => setTimeout(r, 80))
    expect(await negativeRule().evaluate(input)).toEqual([])
  })

  it('takes a mode and validates it', () => {
    expect(negativeRule({ mode: 'monitor' }).mode).toBe('monitor')
    expect(() => negativeRule({ mode: 'off' as never })).toThrow(KenchiError)
  })
})
