import { signalValue, type RuleInput } from './types.js'
import { codeListRule, type CodeRuleOptions } from './codes.js'
import type { Rule } from './types.js'

/** Default weight of each contradiction (signal `consistency`, plus `ua-header` found on the server). */
export const CONSISTENCY_WEIGHTS: Readonly<Record<string, number>> = {
  'ua-header': 40, // the page's user agent differs from the request's: the token travelled
  'ua-platform': 35,
  'ua-hints-platform': 35,
  'ua-hints-mobile': 25,
  'ua-hints-version': 25,
  'ua-vendor': 25,
  'webgl-os': 25,
  timezone: 20,
  touch: 10,
  language: 5,
  'webgl-software': 5, // virtual desktops have no GPU either
}

/** The server's own check: the user agent the page saw against the request header. */
function headerMismatch({ token, context }: RuleInput): string[] {
  const page = signalValue(token.body.s, 'userAgent')
  if (typeof page !== 'string' || context.userAgent === undefined) return []
  // The client truncates at 512 characters.
  return context.userAgent.slice(0, 512) === page ? [] : ['ua-header']
}

/**
 * `ENVIRONMENT_INCONSISTENT`: values a real browser keeps consistent disagree (user agent
 * vs platform, client hints, vendor, WebGL; time zone vs `Intl`; touch vs device class), or
 * the page's user agent is not the request's. Spoofing tools leave these; an honest browser
 * rarely shows more than one weak one. One reason, at most 60 by default.
 */
export function consistencyRule(options: CodeRuleOptions = {}): Rule {
  return codeListRule(
    {
      name: 'consistency',
      factory: 'consistencyRule',
      signal: 'consistency',
      code: 'ENVIRONMENT_INCONSISTENT',
      weights: CONSISTENCY_WEIGHTS,
      unknownWeight: 10,
      maxWeight: 60,
      extra: headerMismatch,
    },
    options,
  )
}
