import { TOKEN_ERRORS } from '@kenchi/protocol'

/**
 * Every reason code a verdict can carry, with what it means. Codes are stable; shops key
 * dashboards and alerts on them. Token codes come from the protocol's `TOKEN_ERRORS`.
 */
export const REASONS = {
  ...TOKEN_ERRORS,
  AUTOMATION: 'the browser reports or shows that it is driven by automation (WebDriver, headless, automation globals)',
  HEADLESS: 'the browser shows traits of a headless browser (no plugins, zero window sizes, missing browser objects...)',
  ENVIRONMENT_TAMPERED: 'browser functions or properties were replaced by script, as stealth plugins do',
  ENVIRONMENT_INCONSISTENT: 'values a real browser keeps consistent disagree (user agent, platform, client hints, time zone, WebGL)',
  NEGATIVE_IP: 'the IP address is on the IP deny list (an address or CIDR range)',
  BOT: 'the User-Agent matches the User-Agent deny list (or is empty and the list has @null@)',
  NG_DEVICE: 'the device is on the device deny list',
  EMAIL_DOMAIN_DENIED: 'the e-mail address is at a denied domain or a subdomain of one',
  DISPOSABLE_EMAIL: 'the e-mail address is at a disposable (throwaway) mail domain',
  FOREIGN_IP: 'the IP address is located outside the home countries',
  FOREIGN_IP_AND_LANGUAGE: 'the IP address is foreign and none of the browser languages is a home language',
  TOR_IP_MATCH: 'the IP address is a Tor exit node',
  DATACENTER_IP: 'the IP address belongs to a hosting or cloud network (servers, VPNs, proxies)',
  CONTENT_DENIED_STRING: 'a form field contains a denied string',
  CONTENT_URL: 'a form field contains a URL',
  CONTENT_GIBBERISH: 'a form field contains an unreadable, random-looking string',
  CONTENT_REPEATED: 'the same form content was submitted repeatedly within the window',
  STORE_UNAVAILABLE: 'the store failed; the decision follows the onStoreError policy',
  INTERNAL_ERROR: 'the verifier hit an unexpected error; the decision follows the onStoreError policy',
  RULE_FAILED: 'a rule threw and was skipped; it contributes nothing',
} as const

export type ReasonCode = keyof typeof REASONS
