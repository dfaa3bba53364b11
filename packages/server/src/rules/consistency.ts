import { signalValue, type RuleInput } from './types.js'
import { codeListRule, type CodeRuleOptions } from './codes.js'
import { environmentFindings } from './environment.js'
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
  // Re-checked on the server from the raw signals (environment.ts): a phone user agent on
  // a desktop browser.
  'ua-hints-webkit': 35,
  'touch-points': 35,
  'webgl-mobile': 35,
  'fonts-os': 35,
  'screen-mobile': 30,
  'platform-arch': 20,
  'webgl-software': 5, // virtual desktops have no GPU either
  // The client's `worker` signal: values a dedicated worker reports that differ from the
  // page's. Stealth tools patch the page and forget workers.
  'worker-userAgent': 40,
  'worker-platform': 35,
  'worker-webgl': 30,
  'worker-cores': 25,
  'worker-timezone': 25,
  'worker-languages': 20,
}

/**
 * Findings the server adds: the user agent the page saw against the request header, each
 * value the page's worker reported differently (`worker-<name>`), and the device-class
 * contradictions it recomputes from the raw signals (`environmentFindings`).
 */
function serverFindings({ token, context }: RuleInput): string[] {
  const found: string[] = []
  const page = signalValue(token.body.s, 'userAgent')
  // The client truncates at 512 characters.
  if (typeof page === 'string' && context.userAgent !== undefined && context.userAgent.slice(0, 512) !== page) found.push('ua-header')
  const worker = signalValue(token.body.s, 'worker')
  if (typeof worker === 'object' && worker !== null && !Array.isArray(worker)) {
    for (const name of Object.keys(worker).slice(0, 8)) found.push(`worker-${name.slice(0, 24)}`)
  }
  found.push(...environmentFindings(token.body.s))
  return found
}

/**
 * `ENVIRONMENT_INCONSISTENT`: values a real browser keeps consistent disagree (user agent
 * vs platform, client hints, vendor, WebGL; time zone vs `Intl`; touch vs device class; the
 * page vs its own worker; a phone user agent on a desktop's platform, touch points, GPU,
 * screen or fonts, re-checked on the server), or the page's user agent is not the request's. Spoofing tools leave these; an honest browser
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
      extra: serverFindings,
    },
    options,
  )
}
