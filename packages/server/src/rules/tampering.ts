import { codeListRule, type CodeRuleOptions } from './codes.js'
import type { Rule } from './types.js'

/** Default weight of each patched function or getter the client reports (signal `tampering`). */
export const TAMPERING_WEIGHTS: Readonly<Record<string, number>> = {
  webdriver: 45, // hiding navigator.webdriver is what stealth plugins do first
  permissionsQuery: 30,
  functionToString: 30,
  plugins: 25,
  languages: 25,
  platform: 25,
  userAgent: 20,
  hardwareConcurrency: 20,
  deviceMemory: 20,
  getTimezoneOffset: 15, // time-zone spoofers are also privacy tools
  resolvedOptions: 15,
  getParameter: 10, // canvas and WebGL blockers are common privacy extensions
  toDataURL: 10,
}

/**
 * `ENVIRONMENT_TAMPERED`: browser functions or getters whose source is no longer native
 * code, or navigator properties shadowed on the instance (`navigator.webdriver` redefined):
 * what stealth plugins leave. Privacy extensions patch some of the same functions (canvas,
 * WebGL, time zone), so those weigh little. One reason, at most 60 by default.
 * Instance properties (`navigator.<name>`) weigh 30 unless listed.
 */
export function tamperingRule(options: CodeRuleOptions = {}): Rule {
  return codeListRule(
    {
      name: 'tampering',
      factory: 'tamperingRule',
      signal: 'tampering',
      code: 'ENVIRONMENT_TAMPERED',
      weights: TAMPERING_WEIGHTS,
      unknownWeight: 30,
      maxWeight: 60,
    },
    options,
  )
}
