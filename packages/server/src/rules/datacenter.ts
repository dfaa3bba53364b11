import { KenchiError } from '../errors.js'
import type { HostingNetworks } from '../geo/asn.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions } from './types.js'

export interface DatacenterRuleOptions extends RuleOptions, ScopeOptions {
  /** From `await createHostingNetworks()`. */
  networks: HostingNetworks
  /** Weight of `DATACENTER_IP`, 1–100. Default 20: a hint that adds to other evidence, never decides alone. */
  weight?: number
}

/**
 * `DATACENTER_IP`: the request comes from a hosting or cloud network (servers, VPNs,
 * proxies), where bots for credential stuffing and mass registration run. Shoppers behind
 * a corporate VPN may also match, so the weight is small. `detail`: `{ asn, org }`.
 */
export function datacenterRule(options: DatacenterRuleOptions): Rule {
  const name = 'datacenterRule'
  const networks = options?.networks
  if (typeof networks !== 'object' || networks === null || typeof networks.lookup !== 'function') {
    throw new KenchiError('CONFIG_RULE', `${name}: networks is required (await createHostingNetworks())`)
  }
  const weight = ruleWeight(name, options.weight ?? 20)
  const scope = ruleScope(name, options)
  return {
    name: 'datacenter',
    mode: ruleMode(name, options),
    evaluate({ context }) {
      if (!scope.applies(context)) return []
      const hit = networks.lookup(context.ip)
      return hit === undefined ? [] : [{ code: 'DATACENTER_IP', weight, detail: { asn: hit.asn, org: hit.org } }]
    },
  }
}
