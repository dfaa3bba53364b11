import { KenchiError } from '../errors.js'
import type { KenchiList } from '../lists/list.js'
import { listOption } from '../lists/list.js'

/** Options of the list, geography and content rules. */
export interface ScopeOptions {
  /** Only these actions are checked; default depends on the rule (all actions for most). */
  actions?: readonly string[]
  /**
   * IP allow-list (addresses and CIDR ranges, or an `ip` list): a request from one of
   * these addresses is exempt, the rule returns nothing.
   */
  allow?: KenchiList | readonly string[]
}

/** A validated scope: `applies(input)` says whether the rule looks at this request at all. */
export interface Scope {
  actions: ReadonlySet<string> | undefined
  allow: KenchiList | undefined
  applies(context: { action: string; ip?: string }): boolean
}

/** Validates `actions` and `allow`; throws `KenchiError` (`CONFIG_RULE`). */
export function ruleScope(name: string, options: ScopeOptions, defaultActions?: readonly string[]): Scope {
  const list = options.actions ?? defaultActions
  if (list !== undefined && (!Array.isArray(list) || list.length === 0 || list.some((a) => typeof a !== 'string' || a.length === 0))) {
    throw new KenchiError('CONFIG_RULE', `${name}: actions must be a non-empty array of action names`)
  }
  const actions = list === undefined ? undefined : new Set(list)
  const allow = listOption(name, 'allow', 'ip', options.allow)
  return {
    actions,
    allow,
    applies: (context) => (actions === undefined || actions.has(context.action)) && !ipAllowed(allow, context.ip),
  }
}

/**
 * True when `ip` is on the allow-list. Rules of your own can use it to honour the same
 * allow-list as the built-in ones: `if (ipAllowed(allow, input.context.ip)) return []`.
 */
export function ipAllowed(allow: KenchiList | undefined, ip: string | undefined): boolean {
  return allow !== undefined && ip !== undefined && allow.has(ip)
}
