import { automationRule } from './automation.js'
import { consistencyRule } from './consistency.js'
import { headlessRule } from './headless.js'
import { tamperingRule } from './tampering.js'
import type { Rule } from './types.js'

export { automationRule } from './automation.js'
export type { AutomationRuleOptions } from './automation.js'
export { headlessRule, HEADLESS_WEIGHTS } from './headless.js'
export { tamperingRule, TAMPERING_WEIGHTS } from './tampering.js'
export { consistencyRule, CONSISTENCY_WEIGHTS } from './consistency.js'
export type { CodeRuleOptions } from './codes.js'
export type { Rule, RuleInput, RuleMode, RuleOptions, VerifyContext } from './types.js'
export { signalValue, ruleMode, ruleWeight } from './types.js'

/** The rules a verifier runs when none are given, in run order. */
export function defaultRules(): Rule[] {
  return [automationRule(), headlessRule(), tamperingRule(), consistencyRule()]
}
export { ipListRule } from './ip-list.js'
export type { IpListRuleOptions } from './ip-list.js'
export { userAgentListRule, NULL_USER_AGENT } from './user-agent-list.js'
export type { UserAgentListRuleOptions } from './user-agent-list.js'
export { emailDomainRule, emailDomain, EMAIL_ACTIONS } from './email-domain.js'
export type { EmailDomainRuleOptions } from './email-domain.js'
export { deviceListRule } from './device-list.js'
export type { DeviceListRuleOptions } from './device-list.js'
export { ruleScope, ipAllowed } from './scope.js'
export type { Scope, ScopeOptions } from './scope.js'
export { foreignIpRule, REGISTRATION_ACTIONS } from './foreign-ip.js'
export type { ForeignIpPolicy, ForeignIpRuleOptions } from './foreign-ip.js'
export { foreignLanguageRule } from './foreign-language.js'
export type { ForeignLanguageRuleOptions } from './foreign-language.js'
