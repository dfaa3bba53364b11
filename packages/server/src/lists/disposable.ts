import { createRequire } from 'node:module'
import { createList, type KenchiList } from './list.js'

let shared: KenchiList | undefined

/**
 * The disposable e-mail domains of the `disposable-email-domains-js` package (CC0, the
 * community-kept disposable-email-domains list) as a `domain` list, read on first call and
 * shared by every rule in the process. Entries it holds that are not valid domain names
 * are skipped. Add or remove entries at run time like any list.
 */
export function disposableDomains(): KenchiList {
  if (shared === undefined) {
    const require = createRequire(import.meta.url)
    const { disposableEmailBlocklist } = require('disposable-email-domains-js') as { disposableEmailBlocklist: () => string[] }
    const list = createList('domain')
    const valid: string[] = []
    for (const domain of disposableEmailBlocklist()) {
      try {
        createList('domain', [domain])
        valid.push(domain)
      } catch {
        // skip an entry that is not a domain name
      }
    }
    list.replace(valid)
    shared = list
  }
  return shared
}
