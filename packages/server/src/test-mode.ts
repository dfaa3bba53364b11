// Test mode for integrators, like Turnstile's test site keys: the token checks run as in
// production (so a broken integration still shows its real reason), but the rules do not:
// the decision is a fixed one, chosen per identifier. Refused when NODE_ENV=production.
import { KenchiError } from './errors.js'
import type { Decision } from './verdict.js'

/**
 * Identifiers with a fixed decision in test mode, whatever else is configured: pass one as
 * `loginId` (or `userId`, or `email`) to get that verdict. Like Turnstile's test keys.
 */
export const TEST_IDENTITIES = {
  allow: 'allow@kenchi.test',
  challenge: 'challenge@kenchi.test',
  deny: 'deny@kenchi.test',
} as const

export interface TestModeOptions {
  /** The decision for every valid token whose identifiers have none of their own. Default `allow`. */
  decision?: Decision
  /** More identifiers (a `loginId`, `userId` or `email`) with a fixed decision, e.g. `{ 'mallory@example.test': 'deny' }`. */
  identities?: Readonly<Record<string, Decision>>
}

export interface TestMode {
  decisionFor(ids: ReadonlyArray<string | undefined>): Decision
}

const DECISIONS = new Set<Decision>(['allow', 'challenge', 'deny'])

/**
 * Validates `createVerifier({ testMode })`. Throws `KenchiError` `CONFIG_TEST_MODE` for a bad
 * option, and always when `NODE_ENV` is `production`: test mode must never reach customers.
 */
export function resolveTestMode(option: boolean | TestModeOptions | undefined, nodeEnv: string | undefined): TestMode | undefined {
  if (option === undefined || option === false) return undefined
  if (nodeEnv === 'production') {
    throw new KenchiError(
      'CONFIG_TEST_MODE',
      'testMode: refused because NODE_ENV is production; test mode fixes every verdict and must never protect real customers',
    )
  }
  const options: TestModeOptions = option === true ? {} : option
  if (typeof options !== 'object' || options === null)
    throw new KenchiError('CONFIG_TEST_MODE', 'testMode: true or { decision, identities }')
  const fallback = options.decision ?? 'allow'
  if (!DECISIONS.has(fallback)) throw new KenchiError('CONFIG_TEST_MODE', 'testMode.decision: allow, challenge or deny')
  const fixed = new Map<string, Decision>(Object.entries(TEST_IDENTITIES).map(([d, id]) => [id, d as Decision]))
  for (const [id, decision] of Object.entries(options.identities ?? {})) {
    if (!DECISIONS.has(decision))
      throw new KenchiError('CONFIG_TEST_MODE', `testMode.identities[${JSON.stringify(id)}]: allow, challenge or deny`)
    fixed.set(id.trim().toLowerCase(), decision)
  }
  return {
    decisionFor(ids) {
      for (const id of ids) {
        const decision = id === undefined ? undefined : fixed.get(id.trim().toLowerCase())
        if (decision) return decision
      }
      return fallback
    },
  }
}
