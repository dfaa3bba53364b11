import { describe, expect, it } from 'vitest'
import type { ParsedToken, SignalResult } from '@kenchi/protocol'
import { ruleInput } from '../../../../test/support/rule-input.js'
import { KenchiError } from '../errors.js'
import {
  INJECTED_INPUT_THRESHOLDS,
  INJECTED_INPUT_WEIGHT,
  injectedInputRule,
  inputClockApplies,
  inputClockPhase,
} from './injected-input.js'
import { defaultRules } from './index.js'
import type { RuleInput } from './types.js'

const LINUX_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'
const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'
const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36'
const CROS = 'Mozilla/5.0 (X11; CrOS x86_64 15000.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'
const LINUX_FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0'

/** Stream q from phase digits (keys and mouse alternating), 30 ms apart. */
const q = (digits: number[]) => digits.flatMap((d, i) => [30, d * 2 + (i % 2)])
const x11 = (n: number, digit = 4) => Array.from({ length: n }, (_, i) => (i % 7 === 3 ? digit + 1 : digit) % 10)
const injected = (n: number) => Array.from({ length: n }, (_, i) => (i * 3 + (i >> 2)) % 10)

function input(b: Record<string, unknown> | undefined, signals: Record<string, SignalResult> = {}, userAgent = LINUX_CHROME): RuleInput {
  const base = ruleInput({ userAgent })
  return { ...base, token: { body: { s: { userAgent: { v: userAgent, d: 0 }, ...signals }, b } } as unknown as ParsedToken }
}
const run = (i: RuleInput) => injectedInputRule().evaluate(i)

describe('inputClockPhase', () => {
  it('is the share of records in the best pair of neighbouring digits, wrapping 9 to 0', () => {
    const rec = (digit: number) => ({ t: 0, digit, source: 0 })
    expect(inputClockPhase([])).toEqual({ share: 0, n: 0 })
    expect(inputClockPhase([9, 0, 9, 0].map(rec))).toEqual({ share: 1, n: 4 })
    expect(inputClockPhase([1, 3, 5, 7].map(rec))).toEqual({ share: 0.25, n: 4 })
  })
})

describe('injectedInputRule', () => {
  it('flags input off the X11 millisecond clock on desktop Linux Chromium, with a weight that challenges alone', () => {
    const reasons = run(input({ q: q(injected(40)) })) as Array<{
      code: string
      weight: number
      detail: { phaseShare: number; events: number }
    }>
    expect(reasons).toHaveLength(1)
    expect(reasons[0]!.code).toBe('INJECTED_INPUT')
    expect(reasons[0]!.weight).toBe(INJECTED_INPUT_WEIGHT)
    expect(INJECTED_INPUT_WEIGHT).toBeGreaterThanOrEqual(40)
    expect(reasons[0]!.detail.events).toBe(40)
    expect(reasons[0]!.detail.phaseShare).toBeLessThan(INJECTED_INPUT_THRESHOLDS.minPhaseShare)
  })

  it('passes input on one phase, a few stray events included (X11 hardware, xdotool, remote desktops)', () => {
    expect(run(input({ q: q(x11(40)) }))).toEqual([])
    expect(run(input({ q: q(x11(40, 9)) }))).toEqual([])
  })

  it('has no opinion without enough records, without a stream, or with no behaviour section', () => {
    expect(run(input({ q: q(injected(INJECTED_INPUT_THRESHOLDS.minEvents - 1)) }))).toEqual([])
    expect(run(input({ k: [1, 2] }))).toEqual([])
    expect(run(input(undefined))).toEqual([])
  })

  it('judges only desktop Linux Chromium: not Windows, macOS, Android, ChromeOS or Firefox', () => {
    for (const ua of [WINDOWS_CHROME, ANDROID_CHROME, CROS, LINUX_FIREFOX])
      expect(run(input({ q: q(injected(40)) }, {}, ua)), ua).toEqual([])
  })

  it('takes Linux from navigator.platform or a Mesa/llvmpipe WebGL renderer when the user agent claims another system', () => {
    const b = { q: q(injected(40)) }
    expect(run(input(b, { platform: { v: ['Linux x86_64', 'Google Inc.', ''], d: 0 } }, WINDOWS_CHROME))).toHaveLength(1)
    expect(
      run(
        input(
          b,
          { webgl: { v: ['Google Inc. (Mesa)', 'ANGLE (Mesa, llvmpipe (LLVM 19.1.7 256 bits), OpenGL 4.5)'], d: 0 } },
          WINDOWS_CHROME,
        ),
      ),
    ).toHaveLength(1)
    expect(run(input(b, { platform: { v: ['Win32', 'Google Inc.', ''], d: 0 } }, WINDOWS_CHROME))).toEqual([])
    // A user-agent override that forgot workers: the worker still says Linux.
    expect(
      run(
        input(
          b,
          {
            platform: { v: ['Win32', 'Google Inc.', ''], d: 0 },
            worker: { v: { userAgent: LINUX_CHROME, platform: 'Linux x86_64' }, d: 0 },
          },
          WINDOWS_CHROME,
        ),
      ),
    ).toHaveLength(1)
    expect(run(input(b, { worker: { v: { platform: 'Linux x86_64' }, d: 0 } }, WINDOWS_CHROME))).toHaveLength(1)
    expect(run(input(b, { worker: { v: ['junk'], d: 0 } }, WINDOWS_CHROME))).toEqual([])
    expect(inputClockApplies(input(b, { platform: { v: ['Linux armv8l', 'Google Inc.', ''], d: 0 } }, ANDROID_CHROME))).toBe(false)
  })

  it('never crashes on hostile streams and never lets out-of-range codes count', () => {
    const hostile = [
      { q: 'x' },
      { q: [1e15, 99, -5, 3, 1.5, 2] },
      { q: Array.from({ length: 200 }, (_, i) => (i % 2 ? 1000 + i : -1)) },
      { q: [null, {}, [], 1] },
    ]
    for (const b of hostile) expect(() => run(input(b as Record<string, unknown>))).not.toThrow()
    expect(run(input({ q: Array.from({ length: 200 }, (_, i) => (i % 2 ? 1000 + i : 1)) }))).toEqual([])
  })

  it('validates its options, and runs among the default rules right after the scripted-input rule', () => {
    expect(() => injectedInputRule({ weight: 0 })).toThrow(KenchiError)
    expect(() => injectedInputRule({ mode: 'loud' as 'live' })).toThrow(KenchiError)
    expect(injectedInputRule({ mode: 'monitor', weight: 30 }).mode).toBe('monitor')
    const names = defaultRules().map((r) => r.name)
    expect(names[names.indexOf('scripted-input') + 1]).toBe('injected-input')
  })
})
