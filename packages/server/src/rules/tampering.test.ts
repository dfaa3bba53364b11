import { describe, expect, it } from 'vitest'
import type { SignalResult } from '@kenchi/protocol'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { humanSignals } from '../../../../test/support/tokens.js'
import { tamperingRule } from './tampering.js'
import type { Rule, VerifyContext } from './types.js'

const UA = (humanSignals().userAgent as { v: string }).v
const run = (rule: Rule, signals: Record<string, SignalResult>, context: Partial<VerifyContext> = {}) =>
  rule.evaluate(ruleInput({ userAgent: UA, ...context }, { signals }))
const withCodes = (name: string, codes: unknown) => ({ ...humanSignals(), [name]: { v: codes, d: 0 } }) as Record<string, SignalResult>

describe('tamperingRule', () => {
  it('weighs stealth patches more than privacy-tool patches', () => {
    const stealth = run(tamperingRule(), withCodes('tampering', ['webdriver', 'permissionsQuery'])) as { weight: number }[]
    const privacy = run(tamperingRule(), withCodes('tampering', ['toDataURL', 'getParameter'])) as { weight: number }[]
    expect(stealth).toMatchObject([{ code: 'ENVIRONMENT_TAMPERED', detail: { found: ['webdriver', 'permissionsQuery'] } }])
    expect(stealth[0]!.weight).toBe(60) // 1 − 0.55·0.7 = 61.5, capped
    expect(privacy[0]!.weight).toBe(19)
    expect(privacy[0]!.weight).toBeLessThan(40) // a canvas blocker alone never challenges
  })

  it('counts navigator properties shadowed on the instance', () => {
    expect(run(tamperingRule(), withCodes('tampering', ['navigator.webdriver']))).toMatchObject([{ weight: 30 }])
  })
})
