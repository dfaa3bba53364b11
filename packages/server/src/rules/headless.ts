import { codeListRule, type CodeRuleOptions } from './codes.js'
import type { Rule } from './types.js'

/** Default weight of each headless trait the client reports (signal `headless`). */
export const HEADLESS_WEIGHTS: Readonly<Record<string, number>> = {
  ua: 0, // the headless user agent itself is automationRule's (hard) finding
  'no-chrome-object': 25,
  'no-plugins': 15,
  'no-languages': 30,
  'zero-outer': 30,
  'zero-screen': 30,
  'window-larger-than-screen': 15,
  'avail-larger-than-screen': 15,
  'default-screen': 15,
  permissions: 20,
}

/**
 * `HEADLESS`: traits of a headless browser that are not proof on their own (kiosks,
 * virtual desktops and odd window managers trip some): Chrome without `window.chrome`, no
 * plugins on desktop Chrome, zero window or screen sizes, a window larger than the screen,
 * the 800×600 default screen, contradictory notification permissions. One reason, weight
 * the noisy-OR of the traits found, at most 60 by default.
 */
export function headlessRule(options: CodeRuleOptions = {}): Rule {
  return codeListRule(
    {
      name: 'headless',
      factory: 'headlessRule',
      signal: 'headless',
      code: 'HEADLESS',
      weights: HEADLESS_WEIGHTS,
      unknownWeight: 10,
      maxWeight: 60,
    },
    options,
  )
}
