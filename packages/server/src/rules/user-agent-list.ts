import { KenchiError } from '../errors.js'
import type { KenchiList } from '../lists/list.js'
import { listOption } from '../lists/list.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions } from './types.js'

/** The entry that stands for an empty or missing User-Agent, as in the platform's list format. */
export const NULL_USER_AGENT = '@null@'

export interface UserAgentListRuleOptions extends RuleOptions, ScopeOptions {
  /**
   * Denied User-Agent substrings (case-insensitive), or a `substring` list, e.g.
   * `await loadList('ua-block.txt', { kind: 'substring' })`. `@null@` matches an empty or
   * missing User-Agent.
   */
  deny: KenchiList | readonly string[]
  /** Weight of `BOT`, 1–100. Default 100 (hard), as the platform's block list blocks. */
  weight?: number
}

/**
 * `BOT`: the request's User-Agent header contains a denied substring (the platform's
 * User-Agent block list; O-MOTION's BOT). `detail.match` is the entry (`@null@` for an
 * empty User-Agent). An IP on `allow` is exempt.
 */
export function userAgentListRule(options: UserAgentListRuleOptions): Rule {
  const name = 'userAgentListRule'
  if (options?.deny === undefined) throw new KenchiError('CONFIG_RULE', `${name}: deny is required`)
  const deny = listOption(name, 'deny', 'substring', options.deny)!
  const weight = ruleWeight(name, options.weight ?? 100)
  const scope = ruleScope(name, options)
  return {
    name: 'user-agent-list',
    mode: ruleMode(name, options),
    evaluate({ context }) {
      if (!scope.applies(context)) return []
      const ua = typeof context.userAgent === 'string' ? context.userAgent.trim() : ''
      const lower = ua.toLowerCase()
      const match =
        ua.length === 0
          ? deny.entries().find((e) => e === NULL_USER_AGENT)
          : deny.entries().find((e) => e !== NULL_USER_AGENT && lower.includes(e))
      return match === undefined ? [] : [{ code: 'BOT', weight, detail: { match } }]
    },
  }
}
