import type { Reason } from '../verdict.js'
import { ruleMode, ruleWeight, signalValue, type Rule, type RuleOptions } from './types.js'

export interface AutomationRuleOptions extends RuleOptions {
  /** Weight of each finding, 1–100. Default 100: automation decides alone. */
  weight?: number
}

const HEADLESS_UA = /HeadlessChrome|PhantomJS|SlimerJS|Nightmare/

/**
 * `AUTOMATION`: the browser says it is driven by automation. Reads the client's
 * `webdriver` (navigator.webdriver), `userAgent` and `automation` (automation globals
 * found on the page) signals, and the request's User-Agent header. One reason per finding.
 */
export function automationRule(options: AutomationRuleOptions = {}): Rule {
  const weight = ruleWeight('automationRule', options.weight ?? 100)
  return {
    name: 'automation',
    mode: ruleMode('automationRule', options),
    evaluate({ token, context }) {
      const signals = token.body.s
      const reasons: Reason[] = []
      if (signalValue(signals, 'webdriver') === true) {
        reasons.push({ code: 'AUTOMATION', weight, detail: { signal: 'webdriver' } })
      }
      const clientUa = signalValue(signals, 'userAgent')
      if (typeof clientUa === 'string' && HEADLESS_UA.test(clientUa)) {
        reasons.push({ code: 'AUTOMATION', weight, detail: { signal: 'userAgent', match: HEADLESS_UA.exec(clientUa)![0] } })
      } else if (context.userAgent !== undefined && HEADLESS_UA.test(context.userAgent)) {
        reasons.push({
          code: 'AUTOMATION',
          weight,
          detail: { signal: 'User-Agent header', match: HEADLESS_UA.exec(context.userAgent)![0] },
        })
      }
      const globals = signalValue(signals, 'automation')
      if (Array.isArray(globals) && globals.length > 0) {
        reasons.push({ code: 'AUTOMATION', weight, detail: { signal: 'automation', globals: globals.slice(0, 8) } })
      }
      return reasons
    },
  }
}
