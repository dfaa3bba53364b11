import { KenchiError } from '../errors.js'
import type { KenchiList } from '../lists/list.js'
import { listOption } from '../lists/list.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions } from './types.js'

export interface DeviceListRuleOptions extends RuleOptions, ScopeOptions {
  /** Denied device ids (the key thumbprints verdicts report as `device.id`), or an `exact` list. */
  deny: KenchiList | readonly string[]
  /** Weight of `NG_DEVICE`, 1–100. Default 100 (hard). */
  weight?: number
}

/**
 * `NG_DEVICE`: the token was signed by a device on the deny list (O-MOTION's NG device,
 * e.g. a device seen in confirmed fraud). An IP on `allow` is exempt.
 */
export function deviceListRule(options: DeviceListRuleOptions): Rule {
  const name = 'deviceListRule'
  if (options?.deny === undefined) throw new KenchiError('CONFIG_RULE', `${name}: deny is required`)
  const deny = listOption(name, 'deny', 'exact', options.deny)!
  const weight = ruleWeight(name, options.weight ?? 100)
  const scope = ruleScope(name, options)
  return {
    name: 'device-list',
    mode: ruleMode(name, options),
    evaluate({ context, device }) {
      if (!scope.applies(context) || !deny.has(device.id)) return []
      return [{ code: 'NG_DEVICE', weight, detail: { device: device.id } }]
    },
  }
}
