import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { createList } from '../lists/list.js'
import { ipListRule } from './ip-list.js'

describe('ipListRule', () => {
  it('denies a listed address or range with NEGATIVE_IP (hard)', async () => {
    const rule = ipListRule({ deny: ['192.0.2.7', '198.51.100.0/24', '2001:db8::/32'] })
    expect(await rule.evaluate(ruleInput({ ip: '192.0.2.7' }))).toEqual([
      { code: 'NEGATIVE_IP', weight: 100, detail: { match: '192.0.2.7' } },
    ])
    expect(await rule.evaluate(ruleInput({ ip: '198.51.100.20' }))).toMatchObject([{ detail: { match: '198.51.100.0/24' } }])
    expect(await rule.evaluate(ruleInput({ ip: '2001:db8::abcd' }))).toMatchObject([{ code: 'NEGATIVE_IP' }])
    expect(await rule.evaluate(ruleInput({ ip: '203.0.113.1' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({}))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: 'garbage' }))).toEqual([])
  })

  it('reads a run-time list on every evaluation', async () => {
    const deny = createList('ip')
    const rule = ipListRule({ deny })
    expect(await rule.evaluate(ruleInput({ ip: '203.0.113.5' }))).toEqual([])
    deny.add('203.0.113.0/28')
    expect(await rule.evaluate(ruleInput({ ip: '203.0.113.5' }))).toHaveLength(1)
    deny.remove('203.0.113.0/28')
    expect(await rule.evaluate(ruleInput({ ip: '203.0.113.5' }))).toEqual([])
  })

  it('exempts allow-listed addresses and honours actions', async () => {
    const rule = ipListRule({ deny: ['198.51.100.0/24'], allow: ['198.51.100.9'], actions: ['login'] })
    expect(await rule.evaluate(ruleInput({ ip: '198.51.100.9' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '198.51.100.8' }))).toHaveLength(1)
    expect(await rule.evaluate(ruleInput({ ip: '198.51.100.8', action: 'checkout' }))).toEqual([])
  })

  it('validates its options', () => {
    expect(() => ipListRule(undefined as never)).toThrow(KenchiError)
    expect(() => ipListRule({} as never)).toThrow(KenchiError)
    expect(() => ipListRule({ deny: ['not-an-ip'] })).toThrow(KenchiError)
    expect(() => ipListRule({ deny: [], weight: 0 })).toThrow(KenchiError)
    expect(() => ipListRule({ deny: [], actions: 'login' as never })).toThrow(KenchiError)
    expect(() => ipListRule({ deny: [], actions: [] })).toThrow(KenchiError)
    expect(() => ipListRule({ deny: [], allow: ['x'] })).toThrow(KenchiError)
    expect(() => ipListRule({ deny: [], mode: 'dry' as never })).toThrow(KenchiError)
    expect(ipListRule({ deny: [], mode: 'monitor' }).mode).toBe('monitor')
    try {
      ipListRule({ deny: ['bad'] })
    } catch (error) {
      expect((error as KenchiError).code).toBe('CONFIG_RULE')
    }
  })
})
