import { LIMITS, ORIGIN_PATTERN, type Limits } from '@kenchi/protocol'
import { KenchiError } from '../errors.js'
import { createKeyRing, secretBytes, type KeyRing, type ServerKey } from '../keys.js'
import type { Alert } from '../notify/notifier.js'
import { DEFAULT_POLICY, mergePolicy, type Policy, type PolicyPatch } from '../policy.js'
import type { ReasonCode } from '../reasons.js'
import { defaultRules } from '../rules/index.js'
import type { Rule } from '../rules/types.js'
import { memoryStore } from '../stores/memory.js'
import type { Store } from '../stores/types.js'
import { resolveTestMode, type TestMode, type TestModeOptions } from '../test-mode.js'
import { optionChecks } from '../validate.js'
import { DEFAULT_REJECTED_EVENTS, type RejectedEventsConfig, type RejectedEventsOptions } from './rejections.js'

export interface VerifierOptions {
  /** HMAC keys for challenges; the first signs, all verify (rotate by prepending). */
  keys: readonly ServerKey[]
  /** Page origins challenges may be issued for, e.g. `['https://shop.example']`. */
  origins: readonly string[]
  /**
   * Secret (≥ 32 bytes) for the keyed hashes of user ids and e-mail addresses. Keep it
   * stable: a new secret makes every known user look new. Required.
   */
  hashSecret: string | Uint8Array
  /** Where nonces, devices and events live. Default: a bounded in-memory store. */
  store?: Store
  /** Rules to run on valid tokens, in order. Default: `defaultRules()`. */
  rules?: readonly Rule[]
  /** How verdicts are decided; see `Policy`. Changeable later with `updatePolicy()`. */
  policy?: PolicyPatch
  /**
   * Called with every alert: when attack mode switches on (`code: 'ATTACK_MODE_ON'`) or off
   * (`'ATTACK_MODE_OFF'`), with `kind: 'attack-mode'`, and when a verdict carries a reason
   * code listed in `alertOn` (`kind` and `code` are that code). Pass
   * `(alert) => notifier.notify(alert)` to send it by webhook or e-mail. Errors and
   * rejections are ignored.
   */
  onAlert?: (alert: Alert) => void | Promise<void>
  /**
   * Reason codes that also raise an alert when a verdict carries them (`kind` and `code`
   * are the reason code; `detail` has the event id, action, IP and the reason's detail), as
   * the shop platform mails its admin on mass registrations and login stops. Rate limiting
   * is the notifier's. Default: `VELOCITY_IP_USERS`, `VELOCITY_USER_IPS`,
   * `VELOCITY_DEVICE_USERS`, `VELOCITY_REGISTRATIONS`, `CARD_FAILURES`.
   */
  alertOn?: readonly ReasonCode[]
  /** Challenge lifetime in seconds. Default 600. */
  challengeTtl?: number
  /** Clock tolerance in seconds for expiry and issue time. Default 30. */
  clockTolerance?: number
  /** Longest a store call may take before it counts as failed, in ms. Default 1000. */
  storeTimeout?: number
  /** Tighter limits than the protocol's, if wanted. */
  limits?: Partial<Limits>
  /** Clock in Unix ms, for tests. */
  now?: () => number
  /**
   * Test mode for your own integration tests (see docs/testing.md): tokens are checked as
   * usual, but instead of the rules a fixed decision answers, `allow` by default or per
   * identifier (`TEST_IDENTITIES`: `allow@kenchi.test`, `challenge@kenchi.test`,
   * `deny@kenchi.test`, plus `identities`), with reason `TEST_MODE`. `createVerifier` throws
   * `CONFIG_TEST_MODE` when `NODE_ENV` is `production`.
   */
  testMode?: boolean | TestModeOptions
  /**
   * How the events of rejected tokens (`deny` verdicts with any token reason code but
   * `TOKEN_MISSING`; monitor mode records every one) are recorded: the first
   * `fullPerInterval` (default 100) of each code per `intervalMs` (default 60 000) in
   * full, as every event; the rest counted in memory and written as one
   * summary event per (code, action, IP, decision) when the interval ends, on `flush()` and
   * on `close()`, so a flood of bad tokens costs no store write per token. Verdicts are the
   * same either way. See docs/server.md, "Rejected tokens".
   */
  rejectedEvents?: RejectedEventsOptions
}

/** Reason codes that raise an alert by default (see `alertOn`). */
export const DEFAULT_ALERT_ON: readonly ReasonCode[] = [
  'VELOCITY_IP_USERS',
  'VELOCITY_USER_IPS',
  'VELOCITY_DEVICE_USERS',
  'VELOCITY_REGISTRATIONS',
  'CARD_FAILURES',
]

/** `VerifierOptions` checked and with every default filled in: what the verifier's modules run on. */
export interface VerifierConfig {
  ring: KeyRing
  hashKey: Buffer
  origins: ReadonlySet<string>
  limits: Limits
  /** Challenge lifetime, seconds. */
  ttl: number
  /** Clock tolerance, seconds. */
  tolerance: number
  /** Store call time-out, ms. */
  storeTimeout: number
  /** The policy the verifier starts with. */
  policy: Policy
  store: Store
  rules: readonly Rule[]
  now: () => number
  testMode: TestMode | undefined
  onAlert: VerifierOptions['onAlert']
  alertOn: ReadonlySet<string>
  rejectedEvents: RejectedEventsConfig
}

/**
 * Validates the options and fills in the defaults. Throws `KenchiError` with a `CONFIG_*`
 * code (`CONFIG_KEYS`, `CONFIG_HASH_SECRET`, `CONFIG_ORIGINS`, `CONFIG_TIME` (also `rejectedEvents`),
 * `CONFIG_POLICY`, `CONFIG_RULE`, `CONFIG_TEST_MODE`) for the first thing that is wrong.
 */
export function resolveConfig(options: VerifierOptions): VerifierConfig {
  const ring = createKeyRing(options.keys)
  const hashKey = secretBytes(options.hashSecret, 'CONFIG_HASH_SECRET', 'hashSecret')
  const origins = new Set(options.origins ?? [])
  if (origins.size === 0) throw new KenchiError('CONFIG_ORIGINS', 'origins: list the page origins, e.g. ["https://shop.example"]')
  for (const origin of origins) {
    if (!ORIGIN_PATTERN.test(origin)) throw new KenchiError('CONFIG_ORIGINS', `origins: ${origin} is not scheme://host[:port]`)
  }
  const limits: Limits = { ...LIMITS, ...options.limits }
  const ttl = atLeast(options.challengeTtl ?? 600, 'challengeTtl', 1)
  const tolerance = atLeast(options.clockTolerance ?? 30, 'clockTolerance', 0)
  const storeTimeout = atLeast(options.storeTimeout ?? 1000, 'storeTimeout', 1)
  const policy = mergePolicy(DEFAULT_POLICY, options.policy)
  const store = options.store ?? memoryStore()
  const rules = [...(options.rules ?? defaultRules())]
  for (const rule of rules) {
    if (typeof rule?.evaluate !== 'function' || typeof rule.name !== 'string' || (rule.mode !== 'live' && rule.mode !== 'monitor')) {
      throw new KenchiError('CONFIG_RULE', 'rules: each rule needs a name, a mode and evaluate(); build rules with their factories')
    }
  }
  return {
    ring,
    hashKey,
    origins,
    limits,
    ttl,
    tolerance,
    storeTimeout,
    policy,
    store,
    rules,
    now: options.now ?? Date.now,
    testMode: resolveTestMode(options.testMode, process.env.NODE_ENV),
    onAlert: options.onAlert,
    alertOn: new Set<string>(options.alertOn ?? DEFAULT_ALERT_ON),
    rejectedEvents: rejectedEvents(options.rejectedEvents),
  }
}

/** `rejectedEvents` checked, defaults filled in; `CONFIG_TIME` for a number out of range. */
function rejectedEvents(options: RejectedEventsOptions | undefined): RejectedEventsConfig {
  const check = optionChecks('CONFIG_TIME', 'rejectedEvents')
  const d = DEFAULT_REJECTED_EVENTS
  return {
    fullPerInterval: check.number('fullPerInterval', options?.fullPerInterval, { min: 0, integer: true }, d.fullPerInterval),
    intervalMs: check.number('intervalMs', options?.intervalMs, { min: 1000, integer: true }, d.intervalMs),
    maxSummaries: check.positiveInteger('maxSummaries', options?.maxSummaries, d.maxSummaries),
  }
}

/** A time option (seconds or milliseconds, as the option says): a finite number ≥ `min`, else `CONFIG_TIME`. */
function atLeast(value: number, name: string, min: number): number {
  return optionChecks('CONFIG_TIME', '').number(name, value, { min })
}
