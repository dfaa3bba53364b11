import type { Signal } from './types.js'

/** `navigator.webdriver`: true when the browser is controlled through WebDriver or CDP automation. */
export const webdriver: Signal = {
  name: 'webdriver',
  collect: () => navigator.webdriver === true,
}
