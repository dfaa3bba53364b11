import { describe, expect, it } from 'vitest'
import type { SignalResult } from '@kenchi/protocol'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { humanSignals } from '../../../../test/support/tokens.js'
import { KenchiError } from '../errors.js'
import { headlessRule } from './headless.js'
import type { Rule, VerifyContext } from './types.js'

const UA = (humanSignals().userAgent as { v: string }).v
const run = (rule: Rule, signals: Record<string, SignalResult>, context: Partial<VerifyContext> = {}) =>
  rule.evaluate(ruleInput({ userAgent: UA, ...context }, { signals }))
const withCodes = (name: string, codes: unknown) => ({ ...humanSignals(), [name]: { v: codes, d: 0 } }) as Record<string, SignalResult>

describe('headlessRule', () => {
  it('finds nothing when the client reports no traits, or the signal failed', () => {
    expect(run(headlessRule(), withCodes('headless', []))).toEqual([])
    expect(run(headlessRule(), { ...humanSignals(), headless: { e: 'failed', d: 0 } })).toEqual([])
    expect(run(headlessRule(), humanSignals())).toEqual([])
  })

  it('combines traits into one HEADLESS reason, heaviest first, capped so it never denies alone', () => {
    expect(run(headlessRule(), withCodes('headless', ['no-plugins', 'no-chrome-object']))).toEqual([
      { code: 'HEADLESS', weight: 36, detail: { found: ['no-chrome-object', 'no-plugins'] } },
    ])
    const all = run(headlessRule(), withCodes('headless', ['zero-outer', 'zero-screen', 'no-languages', 'permissions', 'no-plugins'])) as {
      weight: number
    }[]
    expect(all[0]!.weight).toBe(60)
  })

  it('leaves the headless user agent to automationRule, weighs unknown codes lightly, ignores junk', () => {
    expect(run(headlessRule(), withCodes('headless', ['ua']))).toEqual([])
    expect(run(headlessRule(), withCodes('headless', ['something-new', 42, null]))).toEqual([
      { code: 'HEADLESS', weight: 10, detail: { found: ['something-new'] } },
    ])
    expect(run(headlessRule(), withCodes('headless', 'zero-outer'))).toEqual([])
  })

  it('takes custom weights, caps and mode, and validates them', () => {
    expect(run(headlessRule({ weights: { 'no-plugins': 0 } }), withCodes('headless', ['no-plugins']))).toEqual([])
    expect(run(headlessRule({ maxWeight: 20 }), withCodes('headless', ['zero-outer']))).toMatchObject([{ weight: 20 }])
    expect(headlessRule({ mode: 'monitor' }).mode).toBe('monitor')
    expect(() => headlessRule({ weights: { x: 101 } })).toThrow(KenchiError)
    expect(() => headlessRule({ unknownWeight: -1 })).toThrow(KenchiError)
    expect(() => headlessRule({ maxWeight: 0 })).toThrow(KenchiError)
  })
})
