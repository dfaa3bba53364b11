import { describe, expect, it } from 'vitest'
import type { SignalResult } from '@kenchi/protocol'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { geoFrom } from '../geo/country.js'
import { foreignLanguageRule } from './foreign-language.js'

const geo = geoFrom((ip) => (ip.startsWith('133.242.0.') ? 'JP' : ip.startsWith('8.8.8.') ? 'US' : undefined))
const langs = (v: string[]): Record<string, SignalResult> => ({ languages: { v, d: 0 } })

describe('foreignLanguageRule', () => {
  const rule = foreignLanguageRule({ geo })

  it('flags a foreign IP whose browser has no home language', async () => {
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1' }, { signals: langs(['en-US', 'en-US', 'en']) }))).toEqual([
      { code: 'FOREIGN_IP_AND_LANGUAGE', weight: 30, detail: { country: 'US', languages: ['en-US', 'en'] } },
    ])
  })

  it('does not flag a Japanese browser abroad, nor any browser at home', async () => {
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1' }, { signals: langs(['en-US', 'en-US', 'ja']) }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1' }, { signals: langs(['ja-JP', 'ja-JP', 'en-US']) }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1' }, { signals: langs(['JA_jp']) }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '133.242.0.1' }, { signals: langs(['en-US']) }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '10.0.0.1' }, { signals: langs(['en-US']) }))).toEqual([])
  })

  it('treats a missing or failed languages signal as no evidence', async () => {
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1' }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1' }, { signals: { languages: { e: 'failed', d: 0 } } }))).toEqual([])
    expect(await rule.evaluate(ruleInput({ ip: '8.8.8.1' }, { signals: langs(['']) }))).toEqual([])
  })

  it('takes home languages, countries and weight, and validates', async () => {
    const zh = foreignLanguageRule({ geo, homeCountries: ['TW'], homeLanguages: ['zh'], weight: 40 })
    expect(await zh.evaluate(ruleInput({ ip: '133.242.0.1' }, { signals: langs(['ja-JP']) }))).toMatchObject([
      { weight: 40, detail: { country: 'JP' } },
    ])
    expect(await zh.evaluate(ruleInput({ ip: '133.242.0.1' }, { signals: langs(['zh-TW']) }))).toEqual([])
    expect(() => foreignLanguageRule({} as never)).toThrow(KenchiError)
    expect(() => foreignLanguageRule({ geo, homeLanguages: [] })).toThrow(KenchiError)
    expect(() => foreignLanguageRule({ geo, homeLanguages: ['ja-JP'] })).toThrow(KenchiError)
    expect(() => foreignLanguageRule({ geo, weight: 200 })).toThrow(KenchiError)
  })
})
