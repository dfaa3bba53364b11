import { automationRule } from './automation.js'
import { consistencyRule } from './consistency.js'
import { headlessRule } from './headless.js'
import { historyRule } from './history.js'
import { negativeRule } from './negative.js'
import { velocityRule } from './velocity.js'
import { tamperingRule } from './tampering.js'
import type { Rule } from './types.js'

export { automationRule } from './automation.js'
export type { AutomationRuleOptions } from './automation.js'
export { headlessRule, HEADLESS_WEIGHTS } from './headless.js'
export { tamperingRule, TAMPERING_WEIGHTS } from './tampering.js'
export { consistencyRule, CONSISTENCY_WEIGHTS } from './consistency.js'
export type { CodeRuleOptions } from './codes.js'
export { historyRule, HISTORY_WEIGHTS } from './history.js'
export type { HistoryRuleOptions } from './history.js'
export { negativeRule, negativeIpKey, NEGATIVE_IP_TTL_MS } from './negative.js'
export { velocityRule, DEFAULT_VELOCITY_LIMITS } from './velocity.js'
export type { VelocityLimit, VelocityRuleOptions, Dimension } from './velocity.js'
export type { Rule, RuleInput, RuleMode, RuleOptions, VerifyContext } from './types.js'
export { signalValue, ruleMode, ruleWeight } from './types.js'

/** The rules a verifier runs when none are given, in run order. */
export function defaultRules(): Rule[] {
  return [negativeRule(), automationRule(), headlessRule(), tamperingRule(), consistencyRule(), historyRule(), velocityRule()]
}
