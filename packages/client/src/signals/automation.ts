import type { Signal } from './types.js'

// Globals that automation frameworks and their drivers leave on the page.
const GLOBALS = [
  '__playwright__binding__',
  '__pwInitScripts',
  '__puppeteer_evaluation_script__',
  '_phantom',
  'callPhantom',
  '__nightmare',
  'domAutomation',
  'domAutomationController',
  '_selenium',
  '__selenium_unwrapped',
  '__webdriver_evaluate',
  '__driver_evaluate',
  '__webdriver_script_fn',
  '__fxdriver_unwrapped',
  '_Selenium_IDE_Recorder',
] as const

/** Names of automation globals present on `window` and `document` (chromedriver's `cdc_` and `$cdc_` included). */
export const automation: Signal = {
  name: 'automation',
  collect: () => {
    const found: string[] = []
    for (const name of GLOBALS) if (name in window) found.push(name)
    for (const name of Object.keys(window)) if (/^\$?cdc_/.test(name)) found.push(name.slice(0, 32))
    for (const name of Object.keys(document)) if (/^\$?cdc_|^\$wdc_/.test(name)) found.push(name.slice(0, 32))
    return found.slice(0, 16)
  },
}
