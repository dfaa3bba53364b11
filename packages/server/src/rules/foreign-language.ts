import { KenchiError } from '../errors.js'
import type { Geo } from '../geo/country.js'
import { countriesOption, geoOption } from './geo-options.js'
import { ruleScope, type ScopeOptions } from './scope.js'
import { ruleMode, ruleWeight, signalValue, type Rule, type RuleOptions } from './types.js'

export interface ForeignLanguageRuleOptions extends RuleOptions, ScopeOptions {
  /** The country lookup, from `await createGeo()`. */
  geo: Geo
  /** Countries that are not foreign. Default `['JP']`. */
  homeCountries?: readonly string[]
  /** Home languages (primary subtags, e.g. `ja`). Default `['ja']`. */
  homeLanguages?: readonly string[]
  /** Weight of `FOREIGN_IP_AND_LANGUAGE`, 1–100. Default 30. */
  weight?: number
}

/**
 * `FOREIGN_IP_AND_LANGUAGE`: the IP is foreign AND none of the browser's languages (the
 * client's `languages` signal: `navigator.language` then `navigator.languages`) is a home
 * language (O-MOTION's FOREIGN_IP_AND_LANGUAGE). A Japanese customer travelling abroad
 * keeps a Japanese browser and is not flagged; a foreign bot farm usually is. No
 * languages signal (failed or missing) is no evidence. `detail`: `{ country, languages }`
 * (at most 3).
 */
export function foreignLanguageRule(options: ForeignLanguageRuleOptions): Rule {
  const name = 'foreignLanguageRule'
  if (typeof options !== 'object' || options === null) throw new KenchiError('CONFIG_RULE', `${name}: options are required`)
  const geo = geoOption(name, options.geo)
  const home = countriesOption(name, options.homeCountries ?? ['JP'])
  const languages = options.homeLanguages ?? ['ja']
  if (!Array.isArray(languages) || languages.length === 0 || languages.some((l) => typeof l !== 'string' || !/^[A-Za-z]{2,8}$/.test(l))) {
    throw new KenchiError('CONFIG_RULE', `${name}: homeLanguages must be a non-empty array of language subtags like 'ja'`)
  }
  const homeLanguages = new Set(languages.map((l) => l.toLowerCase()))
  const weight = ruleWeight(name, options.weight ?? 30)
  const scope = ruleScope(name, options)
  return {
    name: 'foreign-language',
    mode: ruleMode(name, options),
    evaluate({ context, token }) {
      if (!scope.applies(context)) return []
      const value = signalValue(token.body.s, 'languages')
      if (!Array.isArray(value)) return []
      const tags = value.filter((l): l is string => typeof l === 'string' && l.length > 0 && l.length <= 35)
      if (tags.length === 0) return []
      const country = geo.country(context.ip)
      if (country === undefined || home.has(country)) return []
      if (tags.some((t) => homeLanguages.has(t.split(/[-_]/)[0]!.toLowerCase()))) return []
      return [{ code: 'FOREIGN_IP_AND_LANGUAGE', weight, detail: { country, languages: [...new Set(tags)].slice(0, 3) } }]
    },
  }
}
