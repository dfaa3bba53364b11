import type { Signal } from './types.js'

// Globals that automation frameworks and their drivers leave on the page.
const GLOBALS = [
  '__playwright__binding__',
  '__pwInitScripts',
  '__playwright_evaluation_script__',
  '__puppeteer_evaluation_script__',
  '__puppeteer_utility_world__',
  '_phantom',
  'callPhantom',
  'phantom',
  '__nightmare',
  'domAutomation',
  'domAutomationController',
  '_selenium',
  '__selenium_unwrapped',
  '__selenium_evaluate',
  '__webdriver_evaluate',
  '__webdriver_unwrapped',
  '__driver_evaluate',
  '__driver_unwrapped',
  '__webdriver_script_fn',
  '__webdriver_script_func',
  '__fxdriver_evaluate',
  '__fxdriver_unwrapped',
  '_Selenium_IDE_Recorder',
  'calledSelenium',
  '_WEBDRIVER_ELEM_CACHE',
  'external_webdriver',
] as const
// Properties of `document` and attributes of <html> set by WebDriver implementations.
const DOCUMENT_NAMES = /^\$?cdc_|^\$wdc_|^__(webdriver|selenium|driver|fxdriver)_/
const HTML_ATTRIBUTES = ['webdriver', 'selenium', 'driver'] as const

/**
 * Names of automation globals present on `window` and `document` (Playwright, Puppeteer,
 * Selenium/chromedriver `cdc_`, PhantomJS, Nightmare, old Firefox drivers), and WebDriver
 * attributes on `<html>`. At most 16 names of at most 32 characters.
 */
export const automation: Signal = {
  name: 'automation',
  collect: () => {
    const found: string[] = []
    for (const name of GLOBALS) if (name in window) found.push(name)
    for (const name of Object.keys(window)) if (/^\$?cdc_/.test(name)) found.push(name.slice(0, 32))
    for (const name of Object.keys(document)) if (DOCUMENT_NAMES.test(name)) found.push(name.slice(0, 32))
    for (const attribute of HTML_ATTRIBUTES) if (document.documentElement?.getAttribute(attribute) !== null) found.push(`html@${attribute}`)
    return found.slice(0, 16)
  },
}
