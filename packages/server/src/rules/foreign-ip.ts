import { KenchiError } from '../errors.js'
import type { Geo } from '../geo/country.js'
import { countriesOption, geoOption } from './geo-options.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions } from './types.js'

/** The platform's three foreign-IP states. */
export type ForeignIpPolicy = 'allow' | 'block-registration' | 'block-all'

/** Actions `block-registration` blocks by default: new member, profile change, order, inquiry, campaign entry. */
export const REGISTRATION_ACTIONS = ['register', 'profile_update', 'checkout', 'inquiry', 'campaign'] as const

export interface ForeignIpRuleOptions extends RuleOptions, ScopeOptions {
  /** The country lookup, from `await createGeo()`. */
  geo: Geo
  /** `allow` (default): report only; `block-registration`: block registration-type actions; `block-all`: block every action. */
  policy?: ForeignIpPolicy
  /** Countries that are not foreign (ISO codes). Default `['JP']`. */
  homeCountries?: readonly string[]
  /** Actions `block-registration` blocks. Default `REGISTRATION_ACTIONS`. */
  registrationActions?: readonly string[]
  /** Weight when the policy blocks, 1–100. Default 100 (hard). */
  weight?: number
  /** Weight when the policy does not block (for information), 1–100. Default 10. */
  infoWeight?: number
}

/**
 * `FOREIGN_IP`: the IP's country is not a home country (the platform's foreign-IP policy;
 * O-MOTION's FOREIGN_IP). Blocks (weight 100) when the policy says so for this action;
 * otherwise reports with `infoWeight`. Local and private addresses, unknown countries and
 * IPs on `allow` give nothing. `detail`: `{ country, policy, blocked }`.
 */
export function foreignIpRule(options: ForeignIpRuleOptions): Rule {
  const name = 'foreignIpRule'
  if (typeof options !== 'object' || options === null) throw new KenchiError('CONFIG_RULE', `${name}: options are required`)
  const geo = geoOption(name, options.geo)
  const policy = options.policy ?? 'allow'
  if (!['allow', 'block-registration', 'block-all'].includes(policy)) {
    throw new KenchiError('CONFIG_RULE', `${name}: policy must be 'allow', 'block-registration' or 'block-all'`)
  }
  const home = countriesOption(name, options.homeCountries ?? ['JP'])
  const registration = ruleScope(name, { actions: options.registrationActions ?? REGISTRATION_ACTIONS }).actions!
  const weight = ruleWeight(name, options.weight ?? 100)
  const infoWeight = ruleWeight(name, options.infoWeight ?? 10)
  const scope = ruleScope(name, options)
  return {
    name: 'foreign-ip',
    mode: ruleMode(name, options),
    evaluate({ context }) {
      if (!scope.applies(context)) return []
      const country = geo.country(context.ip)
      if (country === undefined || home.has(country)) return []
      const blocked = policy === 'block-all' || (policy === 'block-registration' && registration.has(context.action))
      return [{ code: 'FOREIGN_IP', weight: blocked ? weight : infoWeight, detail: { country, policy, blocked } }]
    },
  }
}
