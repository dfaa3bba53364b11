import { extractTiming, type Approach, type CompositionTiming, type TimingFeatures, type TypingTiming } from '../behaviour/timing.js'
import type { Reason } from '../verdict.js'
import { optionChecks } from '../validate.js'
import { ruleMode, type Rule, type RuleOptions } from './types.js'

/**
 * Weights of the scripted-input findings. A finding's weight is how much it alone counts;
 * the reason for a code carries the heaviest of its findings (docs/behaviour.md).
 * - typing `constant-hold`, `instant-next-key`, `metronome`: timing no person produces in
 *   the human data (0 of the benchmark's sequences): `keyboard.type` with or without delay.
 * - typing `flat-timing`: no rollover and hold/latency distributions without the long right
 *   tail of human typing (uniform or normal random delays). Statistical: challenges alone.
 * - typing `no-long-tail`: at least 15 latencies, no rollover, none longer than 1.9 × the
 *   median and a narrow log spread: people hesitate now and then, smooth random delays do
 *   not. Statistical: challenges alone.
 * - pointer `instant-click`: every press released within 4 ms (`mouse.click` with no delay).
 *   Touchpad taps and remote desktops can do this too: a doubt that challenges at most.
 * - pointer `ruler-path`: a long approach that is a straight line with equal steps.
 * - pointer `smooth-path`: a long approach whose speed changes too smoothly for a hand
 *   (Bezier generators, `ghost-cursor`). Statistical: challenges alone.
 * - typing `flat-intervals` (on-screen keyboards): at least 20 latencies without skew, tail
 *   or spread (random delays between `insertText` calls). Statistical: challenges alone.
 * - typing `metronome-composition` (IME): composition steps at metronome intervals;
 *   `flat-composition`: steps without skew, tail or spread (random delays). Statistical: challenges alone.
 * - pointer `instant-tap`: two or more touch or pen contacts, all released within 15 ms (`page.tap()`,
 *   `Input.dispatchTouchEvent` with no wait). A doubt, as `instant-click`.
 * - pointer `constant-tap`: at least 6 contacts whose durations vary by under 2 ms
 *   (a script's fixed wait between touch start and end).
 *
 * Physical-keyboard tests (`constant-hold`, `flat-timing`, `no-long-tail`) apply to
 * physical-keyboard keys only; on-screen keyboards deliver key-down and key-up together.
 */
export const SCRIPTED_WEIGHTS: Readonly<Record<string, number>> = {
  'constant-hold': 90,
  'instant-next-key': 90,
  metronome: 90,
  'flat-timing': 60,
  'no-long-tail': 60,
  'instant-click': 40,
  'ruler-path': 70,
  'smooth-path': 60,
  'no-interaction': 20,
  'flat-intervals': 60,
  'metronome-composition': 90,
  'flat-composition': 60,
  'instant-tap': 40,
  'constant-tap': 40,
}

/** Thresholds, calibrated on the human data (bench/behaviour.mjs; docs/behaviour.md). */
export const SCRIPTED_THRESHOLDS = {
  /** Least typing-key holds / latencies before typing is judged. */
  minKeys: 8,
  /** Hold-time standard deviation under this (ms) is robotic. */
  constantHoldSd: 6,
  /** Share of up→down gaps of 0–6 ms at or over this is `keyboard.type`. */
  tinyGapRate: 0.5,
  /** Down→down coefficient of variation under this is a metronome. */
  metronomeCv: 0.1,
  /** Robust metronome: at least this many latencies with IQR ÷ median under `robustMetronomeIqr`. */
  robustMetronomeMin: 16,
  robustMetronomeIqr: 0.08,
  /** flat-timing: no rollover, and hold and latency skewness both under this. */
  flatSkew: 0.45,
  /** flat-timing also needs the latency kurtosis under this. */
  flatKurtosis: 2.8,
  /** no-long-tail: at least this many latencies, none over `tailRatio` × the median, log spread under `tailLogSd`. */
  tailMinLatencies: 15,
  tailRatio: 1.9,
  tailLogSd: 0.3,
  /** Least moves in an approach before its path is judged. */
  minMoves: 5,
  /** Press-to-release at most this (ms) is an instant click (`page.click` gives 0–2 ms). */
  instantClickMs: 4,
  /** ruler-path: straightness and step-length regularity. */
  rulerStraightness: 0.995,
  rulerStepCv: 0.1,
  /** smooth-path: jerk (normalised second difference of speed) under this, or acceleration roughness under `smoothAccel`, on a path of at least `smoothMinLength` px. */
  smoothJerk: 0.3,
  smoothAccel: 0.25,
  smoothMinLength: 100,
  /**
   * flat-intervals (on-screen keyboards): at least `flatIntervalMin` latencies with skewness
   * under `flatIntervalSkew`, kurtosis under `flatIntervalKurtosis`, longest ÷ median under
   * `flatIntervalTail` and log spread under `flatIntervalLogSd` (1 of 1 353 20-latency Aalto
   * windows); from `flatIntervalLooseMin` latencies the looser `flatIntervalLoose`
   * [skew, kurtosis, tail, log spread] (1 of 852 28-latency windows).
   */
  flatIntervalMin: 20,
  flatIntervalSkew: 0.2,
  flatIntervalKurtosis: 2.5,
  flatIntervalTail: 1.7,
  flatIntervalLogSd: 0.25,
  flatIntervalLooseMin: 28,
  flatIntervalLoose: [0.3, 2.8, 1.7, 0.3] as readonly number[],
  /** On-screen keys: `constant-hold` only when the median hold is at least this (ms); on-screen keyboards give 0–20 ms. */
  onScreenHoldMs: 40,
  /** Least composition steps before IME timing is judged. */
  minCompositionSteps: 8,
  /**
   * instant-tap: at least `minInstantTaps` contacts, every one at most `instantTapMs` long. A
   * finger rests 50–200 ms; `page.tap()` / back-to-back `Input.dispatchTouchEvent` measured
   * 0–11 ms in Chromium on a loaded 2-core machine.
   */
  instantTapMs: 15,
  minInstantTaps: 2,
  /** Least touch/pen contacts before `constant-tap` is judged, and the duration spread (ms) under which it fires. */
  minTaps: 6,
  constantTapSd: 2,
}

export interface ScriptedInputRuleOptions extends RuleOptions {
  /** Weight per finding (0–100, 0 ignores it); merged over `SCRIPTED_WEIGHTS`. */
  weights?: Record<string, number>
}

export interface Finding {
  finding: string
  detail: Record<string, number>
}

/**
 * Latencies at a metronome pace: a coefficient of variation under `metronomeCv` (at least
 * `minKeys`), or, from `robustMetronomeMin` latencies, an interquartile range under
 * `robustMetronomeIqr` × the median (a steady pace with a few event-loop stalls, as a script
 * on a loaded machine produces; the least in 16-latency Aalto windows is 0.091).
 */
function metronome(t: TypingTiming, th: typeof SCRIPTED_THRESHOLDS): boolean {
  if (t.downDown.n >= th.minKeys && t.downDown.cv < th.metronomeCv) return true
  return t.downDown.n >= th.robustMetronomeMin && t.downDown.median > 0 && t.downDown.iqr / t.downDown.median < th.robustMetronomeIqr
}

/** Typing findings (pure). No opinion under `minKeys` timed keys. */
export function scriptedTypingFindings(t: TypingTiming, th = SCRIPTED_THRESHOLDS): Finding[] {
  const out: Finding[] = []
  if (t.hold.n >= th.minKeys && t.hold.sd < th.constantHoldSd)
    out.push({ finding: 'constant-hold', detail: { holdSd: t.hold.sd, n: t.hold.n } })
  if (t.upDown.n >= th.minKeys && t.tinyGapRate >= th.tinyGapRate)
    out.push({ finding: 'instant-next-key', detail: { tinyGapRate: t.tinyGapRate, n: t.upDown.n } })
  if (metronome(t, th)) out.push({ finding: 'metronome', detail: { cv: t.downDown.cv, n: t.downDown.n } })
  if (
    t.hold.n >= th.minKeys &&
    t.downDown.n >= th.minKeys &&
    t.rolloverRate === 0 &&
    t.hold.skew < th.flatSkew &&
    t.downDown.skew < th.flatSkew &&
    t.downDown.kurtosis < th.flatKurtosis
  ) {
    out.push({
      finding: 'flat-timing',
      detail: { holdSkew: t.hold.skew, latencySkew: t.downDown.skew, latencyKurtosis: t.downDown.kurtosis },
    })
  }
  if (t.downDown.n >= th.tailMinLatencies && t.rolloverRate === 0 && t.tailRatio < th.tailRatio && t.latencyLogSd < th.tailLogSd) {
    out.push({ finding: 'no-long-tail', detail: { tailRatio: t.tailRatio, latencyLogSd: t.latencyLogSd } })
  }
  return out
}

/**
 * On-screen keyboard findings (pure): judged on what an on-screen keyboard carries, the
 * intervals between keys, never on hold times or rollover (docs/behaviour.md "Modalities").
 */
export function onScreenTypingFindings(t: TypingTiming, th = SCRIPTED_THRESHOLDS): Finding[] {
  const out: Finding[] = []
  // On-screen keyboards deliver key-up 0–20 ms after key-down: constant holds of a finger's
  // length are a script's fixed delay, whatever the keys claim.
  if (t.hold.n >= th.minKeys && t.hold.median >= th.onScreenHoldMs && t.hold.sd < th.constantHoldSd) {
    out.push({ finding: 'constant-hold', detail: { holdSd: t.hold.sd, n: t.hold.n, median: t.hold.median } })
  }
  if (t.upDown.n >= th.minKeys && t.tinyGapRate >= th.tinyGapRate)
    out.push({ finding: 'instant-next-key', detail: { tinyGapRate: t.tinyGapRate, n: t.upDown.n } })
  if (metronome(t, th)) out.push({ finding: 'metronome', detail: { cv: t.downDown.cv, n: t.downDown.n } })
  else if (t.downDown.n >= th.flatIntervalMin) {
    const [skew, kurtosis, tail, logSd] =
      t.downDown.n >= th.flatIntervalLooseMin
        ? th.flatIntervalLoose
        : [th.flatIntervalSkew, th.flatIntervalKurtosis, th.flatIntervalTail, th.flatIntervalLogSd]
    if (!(t.downDown.skew < skew! && t.downDown.kurtosis < kurtosis! && t.tailRatio < tail! && t.latencyLogSd < logSd!)) return out
    out.push({
      finding: 'flat-intervals',
      detail: { latencySkew: t.downDown.skew, latencyKurtosis: t.downDown.kurtosis, tailRatio: t.tailRatio, latencyLogSd: t.latencyLogSd },
    })
  }
  return out
}

/**
 * IME findings (pure): composition steps at metronome intervals, or (`flat-composition`)
 * without the skew, tail and spread of people, on the on-screen `flat-intervals` thresholds.
 */
export function compositionFindings(c: CompositionTiming, th = SCRIPTED_THRESHOLDS): Finding[] {
  const i = c.interval
  if (
    i.n >= th.minCompositionSteps &&
    (i.cv < th.metronomeCv || (i.n >= th.robustMetronomeMin && i.median > 0 && i.iqr / i.median < th.robustMetronomeIqr))
  ) {
    return [{ finding: 'metronome-composition', detail: { cv: i.cv, n: i.n } }]
  }
  if (i.n >= th.flatIntervalMin && i.median > 0) {
    const tail = Math.max(...c.intervals) / i.median
    const logs = c.intervals.map((v) => Math.log(Math.max(v, 1)))
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length
    const logSd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length)
    const [skew, kurtosis, tailMax, logSdMax] =
      i.n >= th.flatIntervalLooseMin
        ? th.flatIntervalLoose
        : [th.flatIntervalSkew, th.flatIntervalKurtosis, th.flatIntervalTail, th.flatIntervalLogSd]
    if (i.skew < skew! && i.kurtosis < kurtosis! && tail < tailMax! && logSd < logSdMax!) {
      return [
        {
          finding: 'flat-composition',
          detail: { skew: i.skew, kurtosis: i.kurtosis, tailRatio: Math.round(tail * 1000) / 1000, logSd: Math.round(logSd * 1000) / 1000 },
        },
      ]
    }
  }
  return []
}

/** Pointer findings for one approach (pure). */
export function scriptedApproachFindings(a: Approach, th = SCRIPTED_THRESHOLDS): Finding[] {
  const out: Finding[] = []
  if (a.moves >= th.minMoves && a.length >= th.smoothMinLength) {
    if (a.straightness >= th.rulerStraightness && a.stepLengthCv < th.rulerStepCv) {
      out.push({ finding: 'ruler-path', detail: { straightness: a.straightness, stepLengthCv: a.stepLengthCv } })
    } else if (a.jerk < th.smoothJerk || a.accelRoughness < th.smoothAccel) {
      out.push({ finding: 'smooth-path', detail: { jerk: a.jerk, accelRoughness: a.accelRoughness, moves: a.moves } })
    }
  }
  return out
}

/** Every finding of a token's behaviour, by code. */
export function scriptedFindings(f: TimingFeatures, th = SCRIPTED_THRESHOLDS): { typing: Finding[]; pointer: Finding[] } {
  const pointer: Finding[] = []
  const mouse = f.approaches.filter((a) => a.kind === 0) // touch and pen: no path model (docs/behaviour.md, blind spots)
  // Every press released within a few milliseconds: `mouse.click()` with no delay.
  // Only when all are: remote-desktop and touchpad-tap clicks can be instant now and then.
  if (mouse.length > 0 && mouse.every((a) => a.hold >= 0 && a.hold <= th.instantClickMs)) {
    pointer.push({ finding: 'instant-click', detail: { presses: mouse.length, hold: Math.max(...mouse.map((a) => a.hold)) } })
  }
  for (const a of mouse) {
    for (const finding of scriptedApproachFindings(a, th)) if (!pointer.some((p) => p.finding === finding.finding)) pointer.push(finding)
  }
  // Touch and pen: contact durations (stream `c`, or the presses of stream `p` in older tokens).
  const contacts = f.modality.contacts.n
    ? f.modality.contacts.durations
    : f.approaches.filter((a) => a.kind !== 0 && a.hold >= 0).map((a) => a.hold)
  if (contacts.length >= th.minInstantTaps && contacts.every((d) => d >= 0 && d <= th.instantTapMs)) {
    pointer.push({ finding: 'instant-tap', detail: { contacts: contacts.length, hold: Math.max(...contacts) } })
  } else if (contacts.length >= th.minTaps) {
    const mean = contacts.reduce((a, b) => a + b, 0) / contacts.length
    const sd = Math.sqrt(contacts.reduce((a, b) => a + (b - mean) ** 2, 0) / contacts.length)
    if (sd < th.constantTapSd)
      pointer.push({ finding: 'constant-tap', detail: { contacts: contacts.length, sd: Math.round(sd * 100) / 100 } })
  }
  // Typing, per modality: physical-keyboard tests on physical keys only.
  const typing = scriptedTypingFindings(f.modality.physical, th)
  for (const finding of [...onScreenTypingFindings(f.modality.onScreen, th), ...compositionFindings(f.modality.composition, th)]) {
    if (!typing.some((t) => t.finding === finding.finding)) typing.push(finding)
  }
  return { typing, pointer }
}

function validateWeights(weights: Record<string, number>): void {
  const check = optionChecks('CONFIG_RULE', 'scriptedInputRule')
  for (const [k, w] of Object.entries(weights)) check.weight(`weights.${k}`, w)
}

/**
 * `SCRIPTED_TYPING`, `SCRIPTED_POINTER`, `NO_INTERACTION`: input whose timing a script
 * produced. Reads only the token's behaviour section (`b`); a token without one gets no
 * opinion. One reason per code, weighted by its heaviest finding; `detail.found` lists
 * the findings. `NO_INTERACTION` (no key and no pointer press before the token) is only a
 * doubt, and never raised when the fields were autofilled or pasted into (password managers).
 */
export function scriptedInputRule(options: ScriptedInputRuleOptions = {}): Rule {
  const weights = { ...SCRIPTED_WEIGHTS, ...options.weights }
  validateWeights(weights)
  return {
    name: 'scripted-input',
    mode: ruleMode('scriptedInputRule', options),
    evaluate({ token }) {
      const b = token.body.b
      if (b === undefined || b === null || typeof b !== 'object') return []
      const f = extractTiming(b)
      const found = scriptedFindings(f)
      const reasons: Reason[] = []
      const add = (code: 'SCRIPTED_TYPING' | 'SCRIPTED_POINTER', list: Finding[]) => {
        const weighted = list.filter((x) => (weights[x.finding] ?? 0) > 0)
        if (!weighted.length) return
        weighted.sort((x, y) => weights[y.finding]! - weights[x.finding]!)
        reasons.push({
          code,
          weight: weights[weighted[0]!.finding]!,
          detail: { found: weighted.map((x) => x.finding), ...weighted[0]!.detail },
        })
      }
      add('SCRIPTED_TYPING', found.typing)
      add('SCRIPTED_POINTER', found.pointer)
      const noWeight = weights['no-interaction'] ?? 0
      // Autofill, paste and password managers are never a finding alone.
      const filled = f.form.autofills + f.form.pastes + f.modality.inputs.none + f.modality.inputs.replacement + f.modality.inputs.paste
      if (
        noWeight > 0 &&
        filled === 0 &&
        f.typing.downs === 0 &&
        f.approaches.length === 0 &&
        (Array.isArray(b.k) || Array.isArray(b.f) || Array.isArray(b.x))
      ) {
        reasons.push({
          code: 'NO_INTERACTION',
          weight: noWeight,
          detail: { autofills: f.form.autofills, pastes: f.form.pastes, untypedInputs: f.form.untypedInputs },
        })
      }
      return reasons
    },
  }
}
