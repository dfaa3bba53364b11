import { describe, expect, it } from 'vitest'
import type { SignalResult } from '@kenchi/protocol'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { humanSignals } from '../../../../test/support/tokens.js'
import { consistencyRule } from './consistency.js'
import type { Rule, VerifyContext } from './types.js'

const UA = (humanSignals().userAgent as { v: string }).v
const run = (rule: Rule, signals: Record<string, SignalResult>, context: Partial<VerifyContext> = {}) =>
  rule.evaluate(ruleInput({ userAgent: UA, ...context }, { signals }))
const withCodes = (name: string, codes: unknown) => ({ ...humanSignals(), [name]: { v: codes, d: 0 } }) as Record<string, SignalResult>

describe('consistencyRule', () => {
  it('finds nothing in a consistent browser', () => {
    expect(run(consistencyRule(), withCodes('consistency', []))).toEqual([])
  })

  it('reports the client-side contradictions', () => {
    expect(run(consistencyRule(), withCodes('consistency', ['ua-platform', 'ua-hints-platform']))).toEqual([
      { code: 'ENVIRONMENT_INCONSISTENT', weight: 58, detail: { found: ['ua-platform', 'ua-hints-platform'] } },
    ])
    // A virtual desktop with software WebGL alone stays far below a challenge.
    expect(run(consistencyRule(), withCodes('consistency', ['webgl-software']))).toMatchObject([{ weight: 5 }])
  })

  it('adds its own check: the page user agent against the request header', () => {
    expect(run(consistencyRule(), humanSignals(), { userAgent: 'curl/8.5.0' })).toEqual([
      { code: 'ENVIRONMENT_INCONSISTENT', weight: 40, detail: { found: ['ua-header'] } },
    ])
    expect(run(consistencyRule(), humanSignals(), { userAgent: undefined })).toEqual([])
    expect(run(consistencyRule(), { ...humanSignals(), userAgent: { e: 'failed', d: 0 } }, { userAgent: 'curl/8.5.0' })).toEqual([])
  })
})
