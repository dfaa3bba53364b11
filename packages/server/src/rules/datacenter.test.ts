import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import type { HostingNetworks } from '../geo/asn.js'
import { datacenterRule } from './datacenter.js'

const networks: HostingNetworks = { size: 1, lookup: (ip) => (ip === '3.5.141.7' ? { asn: 16509, org: 'Amazon.com, Inc.' } : undefined) }

describe('datacenterRule', () => {
  it('reports a hosting network with a small weight', async () => {
    const rule = datacenterRule({ networks })
    expect(await rule.evaluate(ruleInput({ ip: '3.5.141.7' }))).toEqual([
      { code: 'DATACENTER_IP', weight: 20, detail: { asn: 16509, org: 'Amazon.com, Inc.' } },
    ])
    expect(await rule.evaluate(ruleInput({ ip: '60.33.1.1' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({}))).toEqual([])
  })

  it('honours allow, actions and weight, and validates', async () => {
    expect(await datacenterRule({ networks, allow: ['3.5.140.0/22'] }).evaluate(ruleInput({ ip: '3.5.141.7' }))).toEqual([])
    expect(await datacenterRule({ networks, actions: ['register'] }).evaluate(ruleInput({ ip: '3.5.141.7' }))).toEqual([])
    expect(await datacenterRule({ networks, weight: 35 }).evaluate(ruleInput({ ip: '3.5.141.7' }))).toMatchObject([{ weight: 35 }])
    expect(() => datacenterRule({} as never)).toThrow(KenchiError)
    expect(() => datacenterRule({ networks, weight: 0 })).toThrow(KenchiError)
  })
})
