import { describe, expect, it } from 'vitest'
import type { ParsedToken } from '@kenchi/protocol'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import { missingSignalsRule } from './missing-signals.js'

const core = { webdriver: { v: false, d: 0 }, automation: { v: [], d: 0 }, userAgent: { v: 'Mozilla/5.0', d: 0 } }
const run = (s: Record<string, unknown>, b?: Record<string, number[]>) => {
  const input = ruleInput()
  return missingSignalsRule().evaluate({ ...input, token: { body: { s, ...(b ? { b } : {}) } } as unknown as ParsedToken })
}

describe('missingSignalsRule', () => {
  it('weighs an empty token 56: no core signal (45) and no device signal nor behaviour (20)', () => {
    expect(run({})).toEqual([{ code: 'SIGNALS_MISSING', weight: 56, detail: { missing: ['core', 'device', 'behaviour'] } }])
  })

  it('counts only signals with a value: errors are no evidence', () => {
    const errors = { webdriver: { e: 'timeout', d: 0 }, automation: { e: 'failed', d: 0 }, userAgent: { e: 'unsupported', d: 0 } }
    expect(run(errors, { k: [1, 2] })).toEqual([{ code: 'SIGNALS_MISSING', weight: 45, detail: { missing: ['core', 'device'] } }])
  })

  it('says nothing for the early script alone (core signals and behaviour): a slow lazy part costs nothing', () => {
    expect(run(core, { k: [1, 2], x: [900, 0] })).toEqual([])
    expect(run({ ...core, screen: { v: [1, 2], d: 0 } })).toEqual([])
  })

  it('is a doubt of 20 for core signals without device signals or behaviour', () => {
    expect(run(core)).toEqual([{ code: 'SIGNALS_MISSING', weight: 20, detail: { missing: ['device', 'behaviour'] } }])
    expect(run(core, {})).toEqual([{ code: 'SIGNALS_MISSING', weight: 20, detail: { missing: ['device', 'behaviour'] } }])
  })

  it('takes weights and validates them', () => {
    const input = ruleInput()
    expect(missingSignalsRule({ weights: { core: 0, deviceAndBehaviour: 0 } }).evaluate(input)).toEqual([])
    expect(() => missingSignalsRule({ weights: { core: -1 } })).toThrow(KenchiError)
  })
})
