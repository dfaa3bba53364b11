import { decodeInputClock, type InputClockRecord } from '@kenchi/protocol'
import type { Reason } from '../verdict.js'
import { ruleMode, ruleWeight, signalValue, type Rule, type RuleInput, type RuleOptions } from './types.js'

/**
 * Thresholds of `INJECTED_INPUT`, measured on headed Chromium under Xvfb (bench/injected.mjs,
 * docs/rules.md): X11 input shares one 0.1 ms phase in every event (share 0.95–1.0);
 * protocol-injected input spreads over all ten.
 */
export const INJECTED_INPUT_THRESHOLDS = {
  /** Least mouse-pointer and key records (stream `q`) before the clock is judged. */
  minEvents: 12,
  /** Largest share of records in the best pair of neighbouring phase digits below which the input is injected. */
  minPhaseShare: 0.7,
}

/** Default weight: challenges alone (with the default thresholds, 40 challenge, 80 deny). */
export const INJECTED_INPUT_WEIGHT = 60

export interface InjectedInputRuleOptions extends RuleOptions {
  /** Weight of the reason, 1–100. Default `INJECTED_INPUT_WEIGHT` (60). */
  weight?: number
}

/**
 * Share of records in the best circular pair of neighbouring phase digits, and how many
 * records were counted. Pure; `{ share: 0, n: 0 }` for none.
 */
export function inputClockPhase(records: readonly InputClockRecord[]): { share: number; n: number } {
  const counts = Array<number>(10).fill(0)
  for (const r of records) counts[r.digit]!++
  const n = records.length
  if (n === 0) return { share: 0, n: 0 }
  let best = 0
  for (let d = 0; d < 10; d++) best = Math.max(best, counts[d]! + counts[(d + 1) % 10]!)
  return { share: Math.round((best / n) * 1000) / 1000, n }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '')

/**
 * Whether the input clock can be judged for this token: a Chromium-based browser (the
 * user agent names Chrome or Chromium and not Firefox) on desktop Linux, where the window
 * system (X11) stamps input in whole milliseconds. Linux is taken from any claim of it
 * (user agent, `navigator.platform`, the same read in a worker when they differ from the
 * page's) or from a Mesa/llvmpipe WebGL renderer, which only Linux graphics stacks have; Android and ChromeOS are never judged (their input clocks are
 * finer). A client that claims another platform and shows no Linux graphics is not judged.
 */
export function inputClockApplies(input: Pick<RuleInput, 'token' | 'context'>): boolean {
  const s = input.token.body.s ?? {}
  const ua = text(signalValue(s, 'userAgent')) || text(input.context.userAgent)
  if (!/\b(?:Chrome|Chromium|HeadlessChrome)\//.test(ua) || /\bFirefox\//.test(ua)) return false
  if (/\b(?:Android|CrOS)\b/.test(ua)) return false
  const platform = signalValue(s, 'platform')
  const platformName = Array.isArray(platform) ? text(platform[0]) : ''
  const webgl = signalValue(s, 'webgl')
  const gl = Array.isArray(webgl) ? `${text(webgl[0])} ${text(webgl[1])}` : ''
  // The page's worker reports only the values that differ from the page's: a user agent
  // override that forgot workers leaves the real system there.
  const worker = signalValue(s, 'worker')
  const w = worker !== null && typeof worker === 'object' && !Array.isArray(worker) ? (worker as Record<string, unknown>) : {}
  return (
    /\bLinux\b|\bX11\b/.test(ua) ||
    /\bX11\b/.test(text(w.userAgent)) ||
    /^Linux/.test(platformName) ||
    /^Linux (?:x86_64|i686|aarch64)$/.test(text(w.platform)) ||
    /\b(?:Mesa|llvmpipe)\b/i.test(`${gl} ${text(w.webgl)}`)
  )
}

/**
 * `INJECTED_INPUT`: mouse and key events that no operating system produced. The client's
 * probe (stream `q`) sends the tenths digit of each trusted mouse-pointer and key event's
 * `timeStamp`. Under X11, Chromium stamps input with the X server's millisecond clock, so
 * every genuine event of a page falls on one 0.1 ms phase (two neighbouring digits after
 * coarsening), whatever device, remote desktop, on-screen keyboard or assistive tool made
 * it; input dispatched through the DevTools protocol (Playwright, Puppeteer, patchright,
 * rebrowser-patches) is stamped when the command arrives and falls on any digit. Judged
 * only where it applies (`inputClockApplies`) and with at least `minEvents` records; no
 * stream, no opinion. Touch and pen are never recorded.
 */
export function injectedInputRule(options: InjectedInputRuleOptions = {}): Rule {
  const weight = ruleWeight('injectedInputRule', options.weight ?? INJECTED_INPUT_WEIGHT)
  return {
    name: 'injected-input',
    mode: ruleMode('injectedInputRule', options),
    evaluate(input): Reason[] {
      const b = input.token.body.b
      if (b === undefined || b === null || typeof b !== 'object') return []
      const records = decodeInputClock(b.q)
      const th = INJECTED_INPUT_THRESHOLDS
      if (records.length < th.minEvents || !inputClockApplies(input)) return []
      const { share, n } = inputClockPhase(records)
      if (share >= th.minPhaseShare) return []
      return [{ code: 'INJECTED_INPUT', weight, detail: { phaseShare: share, events: n } }]
    },
  }
}
