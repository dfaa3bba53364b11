import { combine } from '../scoring.js'
import type { Reason } from '../verdict.js'
import { optionChecks } from '../validate.js'
import { ruleMode, type Rule, type RuleOptions } from './types.js'

/** The signals the reference client's early script always sends (the automation rule's inputs). */
export const CORE_SIGNALS = ['webdriver', 'automation', 'userAgent'] as const

export const MISSING_SIGNALS_WEIGHTS = {
  /** None of the core signals has a value: the early script never sends that. */
  core: 45,
  /** No device signal and no behaviour section together. */
  deviceAndBehaviour: 20,
} as const

export interface MissingSignalsRuleOptions extends RuleOptions {
  /** Weights of the two cases (0–100, 0 turns one off); combined by noisy-OR when both apply. */
  weights?: Partial<Record<keyof typeof MISSING_SIGNALS_WEIGHTS, number>>
}

/**
 * `SIGNALS_MISSING`: a token that withholds the evidence the rules read is a doubt, not a
 * clean slate. A signal counts only with a value (an error result is no evidence).
 *
 * - No core signal (`webdriver`, `automation`, `userAgent`) has a value: 45. The early
 *   script collects them synchronously before any token, so a genuine client always has
 *   them; alone this challenges.
 * - No other signal has a value **and** the token has no behaviour section: 20. A genuine
 *   browser whose lazily loaded part had not arrived still sends the core signals and the
 *   behaviour (both in the early script), so it gets nothing; a token with core signals
 *   only is allowed alone, and challenged with another reason such as `FIRST_USER_DEVICE`.
 *
 * Both together: 56, a challenge, never a deny. `detail.missing` lists `core`, `device`,
 * `behaviour`. Any client can fake the signals; this rule only makes leaving them out cost
 * something.
 */
export function missingSignalsRule(options: MissingSignalsRuleOptions = {}): Rule {
  const weights = { ...MISSING_SIGNALS_WEIGHTS, ...options.weights }
  const check = optionChecks('CONFIG_RULE', 'missingSignalsRule')
  for (const [code, w] of Object.entries(weights)) check.weight(`weights.${code}`, w)
  const core = new Set<string>(CORE_SIGNALS)
  return {
    name: 'missing-signals',
    mode: ruleMode('missingSignalsRule', options),
    evaluate({ token }) {
      const signals = token.body.s
      let coreValues = 0
      let deviceValues = 0
      for (const [name, result] of Object.entries(signals)) {
        if (typeof result !== 'object' || result === null || !('v' in result)) continue
        if (core.has(name)) coreValues++
        else deviceValues++
      }
      const b = token.body.b
      const behaviour = typeof b === 'object' && b !== null && Object.keys(b).length > 0
      const missing: string[] = []
      const parts: Reason[] = []
      if (coreValues === 0) {
        missing.push('core')
        parts.push({ code: 'SIGNALS_MISSING', weight: weights.core })
      }
      if (deviceValues === 0) missing.push('device')
      if (!behaviour) missing.push('behaviour')
      if (deviceValues === 0 && !behaviour) parts.push({ code: 'SIGNALS_MISSING', weight: weights.deviceAndBehaviour })
      const weight = combine(parts)
      return weight > 0 ? [{ code: 'SIGNALS_MISSING', weight, detail: { missing } }] : []
    },
  }
}
