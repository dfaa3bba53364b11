import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { createGeo, geoFrom } from '../geo/country.js'
import { foreignIpRule, REGISTRATION_ACTIONS } from './foreign-ip.js'

// Documentation ranges stand for countries here: 133.242.0.x is Japan, 8.8.8.x the US.
const geo = geoFrom((ip) =>
  ip.startsWith('133.242.0.') ? 'JP' : ip.startsWith('8.8.8.') || ip.startsWith('2001:4860:') ? 'US' : undefined,
)

describe('foreignIpRule', () => {
  it("with policy 'allow' (default) reports a foreign IP with a small weight", async () => {
    const rule = foreignIpRule({ geo })
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1', action: 'register' }))).toEqual([
      { code: 'FOREIGN_IP', weight: 10, detail: { country: 'US', policy: 'allow', blocked: false } },
    ])
    expect(await rule.evaluate(ruleInput({ ip: '133.242.0.1' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '1.0.0.1' }))).toEqual([]) // country unknown
    expect(await rule.evaluate(ruleInput({}))).toEqual([])
  })

  it("with 'block-registration' blocks only registration-type actions", async () => {
    const rule = foreignIpRule({ geo, policy: 'block-registration' })
    for (const action of REGISTRATION_ACTIONS) {
      expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1', action })), action).toMatchObject([{ weight: 100, detail: { blocked: true } }])
    }
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1', action: 'login' }))).toMatchObject([{ weight: 10, detail: { blocked: false } }])
    const custom = foreignIpRule({ geo, policy: 'block-registration', registrationActions: ['login'] })
    expect(await custom.evaluate(ruleInput({ ip: '8.8.8.1', action: 'login' }))).toMatchObject([{ weight: 100 }])
    expect(await custom.evaluate(ruleInput({ ip: '8.8.8.1', action: 'register' }))).toMatchObject([{ weight: 10 }])
  })

  it("with 'block-all' blocks every action, except allow-listed IPs", async () => {
    const rule = foreignIpRule({ geo, policy: 'block-all', allow: ['8.8.8.7', '2001:4860:1::/48'] })
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1', action: 'login' }))).toMatchObject([
      { weight: 100, detail: { policy: 'block-all' } },
    ])
    expect(await rule.evaluate(ruleInput({ ip: '2001:4860:2::1', action: 'login' }))).toMatchObject([{ weight: 100 }])
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.7', action: 'login' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '2001:4860:1::5', action: 'login' }))).toEqual([])
  })

  it('never calls local or private addresses foreign, even if the lookup would', async () => {
    const everywhereUs = geoFrom(() => 'US')
    const rule = foreignIpRule({ geo: everywhereUs, policy: 'block-all' })
    for (const ip of ['127.0.0.1', '10.0.0.1', '192.168.1.1', '172.16.5.4', '::1', 'fc00::1', 'fe80::1']) {
      expect(await rule.evaluate(ruleInput({ ip })), ip).toEqual([])
    }
  })

  it('takes home countries and weights', async () => {
    const rule = foreignIpRule({ geo, homeCountries: ['us', 'JP'], policy: 'block-all' })
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1' }))).toEqual([])
    const softer = foreignIpRule({ geo, policy: 'block-all', weight: 70, infoWeight: 5 })
    expect(await softer.evaluate(ruleInput({ ip: '8.8.8.1' }))).toMatchObject([{ weight: 70 }])
  })

  it('works with the real database', async () => {
    const rule = foreignIpRule({ geo: await createGeo(), policy: 'block-registration' })
    expect(await rule.evaluate(ruleInput({ ip: '133.242.0.1', action: 'register' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.8', action: 'register' }))).toMatchObject([
      { code: 'FOREIGN_IP', weight: 100, detail: { country: 'US' } },
    ])
  })

  it('validates its options', () => {
    expect(() => foreignIpRule(undefined as never)).toThrow(KenchiError)
    expect(() => foreignIpRule({} as never)).toThrow(/geo is required/)
    expect(() => foreignIpRule({ geo, policy: 'block' as never })).toThrow(KenchiError)
    expect(() => foreignIpRule({ geo, homeCountries: [] })).toThrow(KenchiError)
    expect(() => foreignIpRule({ geo, homeCountries: ['JPN'] })).toThrow(KenchiError)
    expect(() => foreignIpRule({ geo, registrationActions: [''] })).toThrow(KenchiError)
    expect(() => foreignIpRule({ geo, infoWeight: 0 })).toThrow(KenchiError)
    expect(foreignIpRule({ geo, mode: 'monitor' }).mode).toBe('monitor')
  })
})
