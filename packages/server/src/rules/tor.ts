import { KenchiError } from '../errors.js'
import type { KenchiList } from '../lists/list.js'
import { listOption } from '../lists/list.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions } from './types.js'

export interface TorRuleOptions extends RuleOptions, ScopeOptions {
  /** Tor exit addresses: `await torExitList({ source })`, any `ip` list, or entries. */
  list: KenchiList | readonly string[]
  /** Weight of `TOR_IP_MATCH`, 1–100. Default 60: challenges alone (O-MOTION: REVIEW), denies with more evidence. */
  weight?: number
}

/**
 * `TOR_IP_MATCH`: the request comes from a Tor exit node (O-MOTION's TOR_IP_MATCH). Honest
 * privacy-minded customers use Tor too, so by default it asks for a second factor rather
 * than denying. An IP on `allow` is exempt.
 */
export function torRule(options: TorRuleOptions): Rule {
  const name = 'torRule'
  if (options?.list === undefined) throw new KenchiError('CONFIG_RULE', `${name}: list is required (await torExitList({ source }))`)
  const list = listOption(name, 'list', 'ip', options.list)!
  const weight = ruleWeight(name, options.weight ?? 60)
  const scope = ruleScope(name, options)
  return {
    name: 'tor',
    mode: ruleMode(name, options),
    evaluate({ context }) {
      if (!scope.applies(context) || !list.has(context.ip)) return []
      return [{ code: 'TOR_IP_MATCH', weight }]
    },
  }
}
