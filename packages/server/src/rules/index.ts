import { automationRule } from './automation.js'
import type { Rule } from './types.js'

export { automationRule } from './automation.js'
export type { AutomationRuleOptions } from './automation.js'
export type { Rule, RuleInput, RuleMode, RuleOptions, VerifyContext } from './types.js'
export { signalValue, ruleMode, ruleWeight } from './types.js'

/** The rules a verifier runs when none are given, in run order. */
export function defaultRules(): Rule[] {
  return [automationRule()]
}
