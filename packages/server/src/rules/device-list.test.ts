import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { createList } from '../lists/list.js'
import { deviceListRule } from './device-list.js'

describe('deviceListRule', () => {
  it('denies a listed device with NG_DEVICE (hard)', async () => {
    const deny = createList('exact', ['bad-device'])
    const rule = deviceListRule({ deny })
    expect(await rule.evaluate(ruleInput({}, { deviceId: 'bad-device' }))).toEqual([
      { code: 'NG_DEVICE', weight: 100, detail: { device: 'bad-device' } },
    ])
    expect(await rule.evaluate(ruleInput({}, { deviceId: 'good-device' }))).toEqual([])
    deny.add('good-device')
    expect(await rule.evaluate(ruleInput({}, { deviceId: 'good-device' }))).toHaveLength(1)
  })

  it('honours weight, actions and the IP allow-list', async () => {
    const rule = deviceListRule({ deny: ['d'], weight: 70, actions: ['checkout'], allow: ['10.0.0.0/8'] })
    expect(await rule.evaluate(ruleInput({ action: 'checkout' }, { deviceId: 'd' }))).toMatchObject([{ weight: 70 }])
    expect(await rule.evaluate(ruleInput({ action: 'login' }, { deviceId: 'd' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ action: 'checkout', ip: '10.1.1.1' }, { deviceId: 'd' }))).toEqual([])
  })

  it('validates its options', () => {
    expect(() => deviceListRule({} as never)).toThrow(KenchiError)
    expect(() => deviceListRule({ deny: createList('ip') })).toThrow(KenchiError)
    expect(() => deviceListRule({ deny: [], weight: 101 })).toThrow(KenchiError)
  })
})
