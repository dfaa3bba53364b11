import { describe, expect, it } from 'vitest'
import type { ParsedToken, SignalResult } from '@kenchi/protocol'
import { humanSignals } from '../../../../test/support/tokens.js'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import { consistencyRule } from './consistency.js'
import { headlessRule } from './headless.js'
import { tamperingRule } from './tampering.js'
import type { Rule, VerifyContext } from './types.js'

const UA = humanSignals().userAgent && (humanSignals().userAgent as { v: string }).v

function run(rule: Rule, signals: Record<string, SignalResult>, context: Partial<VerifyContext> = {}) {
  const token = { body: { s: signals } } as unknown as ParsedToken
  const device = { id: 'd', status: 'waiting' as const, known: false }
  return rule.evaluate({ token, context: { action: 'login', userAgent: UA, ...context }, device, clues: { storedIds: [] }, store: memoryStore(), now: 0 })
}
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
    const all = run(headlessRule(), withCodes('headless', ['zero-outer', 'zero-screen', 'no-languages', 'permissions', 'no-plugins'])) as { weight: number }[]
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
