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
  STORE_UNAVAILABLE: 'the store failed; the decision follows the onStoreError policy',
  INTERNAL_ERROR: 'the verifier hit an unexpected error; the decision follows the onStoreError policy',
  RULE_FAILED: 'a rule threw and was skipped; it contributes nothing',
} as const

export type ReasonCode = keyof typeof REASONS
