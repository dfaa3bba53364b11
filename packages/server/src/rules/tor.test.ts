import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { createList } from '../lists/list.js'
import { torExitList } from '../lists/tor.js'
import { torRule } from './tor.js'

describe('torRule', () => {
  it('flags a Tor exit address with TOR_IP_MATCH (challenges alone)', async () => {
    const list = await torExitList({
      source: fileURLToPath(new URL('../../../../test/fixtures/torbulkexitlist.txt', import.meta.url)),
      refreshMs: 0,
    })
    const rule = torRule({ list })
    expect(await rule.evaluate(ruleInput({ ip: '185.220.101.2' }))).toEqual([{ code: 'TOR_IP_MATCH', weight: 60 }])
    expect(await rule.evaluate(ruleInput({ ip: '::ffff:185.220.101.2' }))).toHaveLength(1)
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.8' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({}))).toEqual([])
    list.close()
  })

  it('honours weight, actions and allow, and validates', async () => {
    const rule = torRule({ list: ['185.220.101.1'], weight: 100, actions: ['register'], allow: ['185.220.101.1'] })
    expect(await rule.evaluate(ruleInput({ ip: '185.220.101.1', action: 'register' }))).toEqual([])
    const hard = torRule({ list: createList('ip', ['185.220.101.1']), weight: 100, actions: ['register'] })
    expect(await hard.evaluate(ruleInput({ ip: '185.220.101.1', action: 'register' }))).toEqual([{ code: 'TOR_IP_MATCH', weight: 100 }])
    expect(await hard.evaluate(ruleInput({ ip: '185.220.101.1', action: 'login' }))).toEqual([])
    expect(() => torRule({} as never)).toThrow(KenchiError)
    expect(() => torRule({ list: ['x'] })).toThrow(KenchiError)
    expect(() => torRule({ list: [], weight: -1 })).toThrow(KenchiError)
  })
})
