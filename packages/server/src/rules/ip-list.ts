import type { KenchiList } from '../lists/list.js'
import { listOption } from '../lists/list.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions } from './types.js'
import { KenchiError } from '../errors.js'

export interface IpListRuleOptions extends RuleOptions, ScopeOptions {
  /** Denied addresses and CIDR ranges (IPv4, IPv6), or an `ip` list changeable at run time. */
  deny: KenchiList | readonly string[]
  /** Weight of `NEGATIVE_IP`, 1–100. Default 100 (hard: denies alone). */
  weight?: number
}

/**
 * `NEGATIVE_IP`: the request's IP is on the deny list (the platform's IP block list,
 * O-MOTION's negative IP). An address on `allow` is exempt. `detail.match` is the entry.
 */
export function ipListRule(options: IpListRuleOptions): Rule {
  const name = 'ipListRule'
  if (options?.deny === undefined) throw new KenchiError('CONFIG_RULE', `${name}: deny is required`)
  const deny = listOption(name, 'deny', 'ip', options.deny)!
  const weight = ruleWeight(name, options.weight ?? 100)
  const scope = ruleScope(name, options)
  return {
    name: 'ip-list',
    mode: ruleMode(name, options),
    evaluate({ context }) {
      if (!scope.applies(context)) return []
      const match = deny.match(context.ip)
      return match === undefined ? [] : [{ code: 'NEGATIVE_IP', weight, detail: { match } }]
    },
  }
}
