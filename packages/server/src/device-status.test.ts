import { describe, expect, it } from 'vitest'
import { statusAfterLabel, statusAfterOutcome, statusAfterVerdict } from './device-status.js'

describe('device status (O-MOTION: valid, fraud, duplicate, unknown, waiting)', () => {
  it('after a verdict', () => {
    expect(statusAfterVerdict('waiting', 'allow', [])).toBe('waiting')
    expect(statusAfterVerdict('valid', 'allow', [])).toBe('valid')
    expect(statusAfterVerdict('valid', 'challenge', [])).toBe('unknown')
    expect(statusAfterVerdict('waiting', 'deny', [{ code: 'AUTOMATION', weight: 100 }])).toBe('unknown')
    expect(statusAfterVerdict('valid', 'allow', [{ code: 'SAME_DEVICE', weight: 15 }])).toBe('duplicate')
    expect(statusAfterVerdict('duplicate', 'allow', [])).toBe('duplicate')
    expect(statusAfterVerdict('fraud', 'allow', [])).toBe('fraud')
  })

  it('after an outcome', () => {
    expect(statusAfterOutcome('waiting', 'login_succeeded')).toBe('valid')
    expect(statusAfterOutcome('unknown', 'challenge_passed')).toBe('valid')
    expect(statusAfterOutcome('waiting', 'order_accepted')).toBe('valid')
    expect(statusAfterOutcome('valid', 'challenge_failed')).toBe('unknown')
    expect(statusAfterOutcome('waiting', 'login_failed')).toBe('waiting')
    expect(statusAfterOutcome('duplicate', 'login_succeeded')).toBe('duplicate')
    expect(statusAfterOutcome('fraud', 'login_succeeded')).toBe('fraud')
  })

  it('after a label', () => {
    expect(statusAfterLabel('fraud')).toBe('fraud')
    expect(statusAfterLabel('legit')).toBe('valid')
  })
})
