import { combine } from '../scoring.js'
import { optionChecks } from '../validate.js'
import type { ReasonCode } from '../reasons.js'
import type { Reason } from '../verdict.js'
import { ruleMode, ruleWeight, signalValue, type Rule, type RuleInput, type RuleOptions } from './types.js'

export interface CodeRuleOptions extends RuleOptions {
  /** Weight per finding code (0–100); merged over the defaults, so `{ 'no-plugins': 0 }` ignores one. */
  weights?: Record<string, number>
  /** Weight of a code not in the table. */
  unknownWeight?: number
  /** Highest weight the one reason may reach, so these signals alone never deny. */
  maxWeight?: number
}

interface CodeRuleSpec {
  name: string
  factory: string
  signal: string
  code: ReasonCode
  weights: Record<string, number>
  unknownWeight: number
  maxWeight: number
  /** Findings the server adds from the request itself. */
  extra?: (input: RuleInput) => string[]
}

/**
 * A rule over a client signal whose value is a list of finding codes (headless traits,
 * tampered functions, inconsistencies). All findings make one reason whose weight is their
 * noisy-OR, capped at `maxWeight`; `detail.found` lists them, heaviest first.
 */
export function codeListRule(spec: CodeRuleSpec, options: CodeRuleOptions): Rule {
  const check = optionChecks('CONFIG_RULE', spec.factory)
  const weights = { ...spec.weights, ...options.weights }
  for (const [code, w] of Object.entries(weights)) check.weight(`weights.${code}`, w)
  const unknownWeight = check.weight('unknownWeight', options.unknownWeight, spec.unknownWeight)
  const maxWeight = ruleWeight(spec.factory, options.maxWeight ?? spec.maxWeight)
  return {
    name: spec.name,
    mode: ruleMode(spec.factory, options),
    evaluate(input) {
      const value = signalValue(input.token.body.s, spec.signal)
      const codes = Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : []
      const found = [...new Set([...codes, ...(spec.extra?.(input) ?? [])])]
        .map((c) => ({ c, w: Object.hasOwn(weights, c) ? weights[c]! : unknownWeight }))
        .filter(({ w }) => w > 0)
        .sort((a, b) => b.w - a.w)
      if (found.length === 0) return []
      const weight = Math.min(maxWeight, combine(found.map(({ w }) => ({ code: spec.code, weight: w }))))
      const reason: Reason = { code: spec.code, weight, detail: { found: found.slice(0, 12).map(({ c }) => c) } }
      return [reason]
    },
  }
}
