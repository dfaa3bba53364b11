import { disposableDomains } from '../lists/disposable.js'
import type { KenchiList } from '../lists/list.js'
import { listOption } from '../lists/list.js'
import type { Reason } from '../verdict.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions } from './types.js'

/** Actions the e-mail rule checks by default: where an address is handed in. */
export const EMAIL_ACTIONS = ['register', 'newsletter', 'inquiry', 'profile_update'] as const

export interface EmailDomainRuleOptions extends RuleOptions, ScopeOptions {
  /** Denied domains (a domain matches its subdomains too), or a `domain` list. */
  deny?: KenchiList | readonly string[]
  /** Weight of `EMAIL_DOMAIN_DENIED`, 1–100. Default 100 (hard). */
  weight?: number
  /** Check the disposable-domain list (`disposableDomains()`). Default true. */
  disposable?: boolean
  /** Weight of `DISPOSABLE_EMAIL`, 1–100. Default 50: alone it challenges (threshold 40), it does not deny (80). */
  disposableWeight?: number
  /** Domains never counted as disposable (a domain list or entries), for false positives in the package list. */
  disposableAllow?: KenchiList | readonly string[]
}

/** The domain of an e-mail address, lower-cased, or `undefined` if there is none. */
export function emailDomain(email: unknown): string | undefined {
  if (typeof email !== 'string' || email.length > 320) return undefined
  const at = email.lastIndexOf('@')
  if (at < 1) return undefined
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
  return /^[^\s@]+\.[^\s@.]+$/.test(domain) ? domain : undefined
}

/**
 * `EMAIL_DOMAIN_DENIED` and `DISPOSABLE_EMAIL` on the plain `context.email` (the platform's
 * e-mail domain block list for registration and inquiries; OAT-019 Account Creation).
 * Reads only the domain; the address is neither stored nor put in the reason
 * (`detail.domain` and `detail.match` are domains). Checks `register`, `newsletter`,
 * `inquiry` and `profile_update` unless `actions` says otherwise. Loads the disposable
 * list when the rule is created.
 */
export function emailDomainRule(options: EmailDomainRuleOptions = {}): Rule {
  const name = 'emailDomainRule'
  const deny = listOption(name, 'deny', 'domain', options.deny)
  const weight = ruleWeight(name, options.weight ?? 100)
  const disposableWeight = ruleWeight(name, options.disposableWeight ?? 50)
  const disposableAllow = listOption(name, 'disposableAllow', 'domain', options.disposableAllow)
  const disposable = (options.disposable ?? true) ? disposableDomains() : undefined
  const scope = ruleScope(name, options, EMAIL_ACTIONS)
  return {
    name: 'email-domain',
    mode: ruleMode(name, options),
    evaluate({ context }) {
      if (!scope.applies(context)) return []
      const domain = emailDomain(context.email)
      if (domain === undefined) return []
      const reasons: Reason[] = []
      const denied = deny?.match(domain)
      if (denied !== undefined) reasons.push({ code: 'EMAIL_DOMAIN_DENIED', weight, detail: { domain, match: denied } })
      const throwaway = disposable?.match(domain)
      if (throwaway !== undefined && !disposableAllow?.has(domain)) {
        reasons.push({ code: 'DISPOSABLE_EMAIL', weight: disposableWeight, detail: { domain, match: throwaway } })
      }
      return reasons
    },
  }
}
