import { describe, expect, it } from 'vitest'
import { DEFAULT_THRESHOLDS } from '../scoring.js'
import type { Rule } from '../rules/types.js'
import type { Reason, VerdictDevice } from '../verdict.js'
import { judgeDevice } from './stored-id-claims.js'
import { evaluate, type EvaluationInput } from './evaluate.js'

const rule = (name: string, mode: Rule['mode'] = 'live'): Rule => ({ name, mode, evaluate: () => [] })
const device = (status: VerdictDevice['status'], known = true): VerdictDevice => ({ id: 'dev-1', status, known, firstSeen: 1 })
const reasons = (...list: Reason[]): PromiseSettledResult<Reason[]> => ({ status: 'fulfilled', value: list })

function input(over: Partial<EvaluationInput>): EvaluationInput {
  return { device: device('waiting'), storedIds: [], now: 1000, notes: [], rules: [], results: [], thresholds: DEFAULT_THRESHOLDS, ...over }
}

describe('evaluate (pure)', () => {
  it('returns the device status change as an effect and leaves the verdict at the stored status', () => {
    const { verdict, effects } = evaluate(
      input({ rules: [rule('a')], results: [reasons({ code: 'AUTOMATION', weight: 100 })], storedIds: ['x'.repeat(22)] }),
    )
    expect(verdict.decision).toBe('deny')
    expect(verdict.device?.status).toBe('waiting') // shown as `unknown` only once the write succeeds
    expect(effects).toEqual([
      { kind: 'link', userHash: 'dev-1', deviceId: `sid:${'x'.repeat(22)}`, at: 1000 },
      { kind: 'device-status', deviceId: 'dev-1', status: 'unknown' },
    ])
  })

  it('asks for no status write when the status stays, and none for a fraud status inherited from a claim', () => {
    expect(evaluate(input({ device: device('valid') })).effects).toEqual([])
    const inherited = judgeDevice(device('waiting'), { earlier: ['dev-0'], earlierFraud: true })
    expect(inherited).toMatchObject({ status: 'fraud', linked: ['dev-0'] })
    const { verdict, effects } = evaluate(input({ device: inherited }))
    expect(verdict.device).toMatchObject({ status: 'fraud', linked: ['dev-0'] })
    expect(effects).toEqual([])
  })

  it('a proven device does not inherit fraud from a claim', () => {
    expect(judgeDevice(device('valid'), { earlier: ['dev-0'], earlierFraud: true })).toMatchObject({ status: 'valid', linked: ['dev-0'] })
    expect(judgeDevice(device('waiting'), { earlier: [], earlierFraud: false })).toEqual(device('waiting'))
  })

  it('keeps monitor rules out of the score, names a rule that threw, and sorts live reasons by weight', () => {
    const { verdict } = evaluate(
      input({
        notes: [{ code: 'STORE_UNAVAILABLE', weight: 0 }],
        rules: [rule('a'), rule('m', 'monitor'), rule('broken')],
        results: [
          reasons({ code: 'HEADLESS', weight: 30 }),
          reasons({ code: 'AUTOMATION', weight: 100 }),
          { status: 'rejected', reason: new Error('boom') },
        ],
      }),
    )
    expect(verdict.decision).toBe('allow')
    expect(verdict.score).toBe(30)
    expect(verdict.reasons.map((r) => r.code)).toEqual(['HEADLESS', 'STORE_UNAVAILABLE', 'RULE_FAILED'])
    expect(verdict.reasons[2]).toEqual({ code: 'RULE_FAILED', weight: 0, detail: { rule: 'broken', error: 'Error: boom' } })
    expect(verdict.monitored).toEqual([{ code: 'AUTOMATION', weight: 100 }])
    expect(verdict.wouldBe).toBe('deny')
  })
})
