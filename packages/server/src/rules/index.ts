import { automationRule } from './automation.js'
import { scriptedInputRule } from './behaviour.js'
import { consistencyRule } from './consistency.js'
import { deviceClaimsRule } from './claims.js'
import { missingSignalsRule } from './missing-signals.js'
import { headlessRule } from './headless.js'
import { injectedInputRule } from './injected-input.js'
import { historyRule } from './history.js'
import { negativeRule } from './negative.js'
import { velocityRule } from './velocity.js'
import { tamperingRule } from './tampering.js'
import type { Rule } from './types.js'

// @kenchi/server/rules: the rule factories, their default weights and option types, and the
// helpers a custom rule uses (docs/server.md, "Rules"; docs/rules.md). The helpers the rules
// use only among themselves (distances, store keys, finding tests) stay internal.

/** The rules a verifier runs when none are given, in run order. */
export function defaultRules(): Rule[] {
  return [
    negativeRule(),
    automationRule(),
    headlessRule(),
    tamperingRule(),
    consistencyRule(),
    scriptedInputRule(),
    injectedInputRule(),
    historyRule(),
    velocityRule(),
    deviceClaimsRule(),
    missingSignalsRule(),
  ]
}

// The rule contract and helpers for custom rules
export type { Rule, RuleInput, RuleMode, RuleOptions, VerifyContext, ReadInput, ReadOps } from './types.js'
export { signalValue, ruleMode, ruleWeight } from './types.js'
export { withReads, answered, readOps } from './reads.js'
export type { ReadAnswer, ReadAnswers, RuleWithReads } from './reads.js'
export type { StoreOp, OpAnswer } from '../stores/batch.js'
export type { CodeRuleOptions } from './codes.js'
export { ruleScope, ipAllowed } from './scope.js'
export type { Scope, ScopeOptions } from './scope.js'
export { combine, decide } from '../scoring.js'
export { countUrls, gibberish, normaliseText } from '../content/text.js'
export type { GibberishFinding } from '../content/text.js'

// The default rules (defaultRules())
export { negativeRule } from './negative.js'
export { automationRule } from './automation.js'
export type { AutomationRuleOptions } from './automation.js'
export { headlessRule, HEADLESS_WEIGHTS } from './headless.js'
export { tamperingRule, TAMPERING_WEIGHTS } from './tampering.js'
export { consistencyRule, CONSISTENCY_WEIGHTS } from './consistency.js'
export { scriptedInputRule, SCRIPTED_WEIGHTS, SCRIPTED_THRESHOLDS } from './behaviour.js'
export type { ScriptedInputRuleOptions, Finding } from './behaviour.js'
export { injectedInputRule, INJECTED_INPUT_THRESHOLDS, INJECTED_INPUT_WEIGHT } from './injected-input.js'
export type { InjectedInputRuleOptions } from './injected-input.js'
export { historyRule, HISTORY_WEIGHTS } from './history.js'
export type { HistoryRuleOptions } from './history.js'
export { velocityRule, DEFAULT_VELOCITY_LIMITS } from './velocity.js'
export type { VelocityLimit, VelocityRuleOptions, Dimension } from './velocity.js'
export { deviceClaimsRule, CLAIMS_WEIGHTS } from './claims.js'
export type { DeviceClaimsRuleOptions } from './claims.js'
export { missingSignalsRule, MISSING_SIGNALS_WEIGHTS } from './missing-signals.js'
export type { MissingSignalsRuleOptions } from './missing-signals.js'

// Behaviour rules not in the defaults
export { behaviourReplayRule } from './replay.js'
export type { BehaviourReplayRuleOptions } from './replay.js'
export {
  typingProfileRule,
  TYPING_PROFILE_THRESHOLD,
  loginTypingVector,
  learnTypingProfile,
  memoryTypingProfiles,
  storeTypingProfiles,
} from './typing-profile.js'
export type { TypingProfileRuleOptions, TypingProfileStore, TypingProfile, TypingAggregate, TypingVector } from './typing-profile.js'

// Configured rules (lists, geography, content; docs/rules.md)
export { ipListRule } from './ip-list.js'
export type { IpListRuleOptions } from './ip-list.js'
export { userAgentListRule, NULL_USER_AGENT } from './user-agent-list.js'
export type { UserAgentListRuleOptions } from './user-agent-list.js'
export { emailDomainRule, emailDomain, EMAIL_ACTIONS } from './email-domain.js'
export type { EmailDomainRuleOptions } from './email-domain.js'
export { deviceListRule } from './device-list.js'
export type { DeviceListRuleOptions } from './device-list.js'
export { foreignIpRule, REGISTRATION_ACTIONS } from './foreign-ip.js'
export type { ForeignIpPolicy, ForeignIpRuleOptions } from './foreign-ip.js'
export { foreignLanguageRule } from './foreign-language.js'
export type { ForeignLanguageRuleOptions } from './foreign-language.js'
export { torRule } from './tor.js'
export type { TorRuleOptions } from './tor.js'
export { contentRule, CONTENT_ACTIONS } from './content.js'
export type { ContentRuleOptions, ContentRepeatOptions } from './content.js'
export { datacenterRule } from './datacenter.js'
export type { DatacenterRuleOptions } from './datacenter.js'
