import { describe, expect, it } from 'vitest'
import type { ParsedToken, SignalResult } from '@kenchi/protocol'
import { humanSignals } from '../../../../test/support/tokens.js'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import { automationRule } from './automation.js'
import type { VerifyContext } from './types.js'

function run(signals: Record<string, SignalResult>, context: Partial<VerifyContext> = {}, weight?: number) {
  const token = { body: { s: signals } } as unknown as ParsedToken
  const rule = automationRule(weight === undefined ? {} : { weight })
  const device = { id: 'd', status: 'waiting' as const, known: false }
  return rule.evaluate({ token, context: { action: 'login', ...context }, device, clues: { storedIds: [] }, store: memoryStore(), now: 0 })
}

describe('automationRule', () => {
  it('finds nothing in an ordinary browser', () => {
    expect(run(humanSignals(), { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/156.0.0.0' })).toEqual([])
  })

  it('flags navigator.webdriver', () => {
    expect(run({ ...humanSignals(), webdriver: { v: true, d: 0 } })).toEqual([
      { code: 'AUTOMATION', weight: 100, detail: { signal: 'webdriver' } },
    ])
  })

  it('flags a headless user agent from the page or, failing that, the header', () => {
    const headless = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36'
    expect(run({ ...humanSignals(), userAgent: { v: headless, d: 0 } })).toMatchObject([
      { detail: { signal: 'userAgent', match: 'HeadlessChrome' } },
    ])
    expect(run({ ...humanSignals(), userAgent: { e: 'failed', d: 0 } }, { userAgent: headless })).toMatchObject([
      { detail: { signal: 'User-Agent header', match: 'HeadlessChrome' } },
    ])
  })

  it('flags automation globals and reports which', () => {
    expect(
      run({ ...humanSignals(), automation: { v: ['__playwright__binding__', 'cdc_adoQpoasnfa76pfcZLmcfl_Array'], d: 0 } }),
    ).toMatchObject([{ code: 'AUTOMATION', detail: { globals: ['__playwright__binding__', 'cdc_adoQpoasnfa76pfcZLmcfl_Array'] } }])
  })

  it('treats a signal that failed to collect as no evidence', () => {
    expect(run({ webdriver: { e: 'failed', d: 0 }, automation: { e: 'timeout', d: 0 } })).toEqual([])
  })

  it('uses the configured weight and validates it', () => {
    expect(run({ webdriver: { v: true, d: 0 } }, {}, 60)).toMatchObject([{ weight: 60 }])
    expect(() => automationRule({ weight: 0 })).toThrow(KenchiError)
    expect(() => automationRule({ weight: 101 })).toThrow(KenchiError)
    expect(() => automationRule({ mode: 'dry' as never })).toThrow(KenchiError)
    expect(automationRule({ mode: 'monitor' }).mode).toBe('monitor')
  })
})
