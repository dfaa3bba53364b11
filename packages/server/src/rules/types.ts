import type { Json, ParsedToken, SignalResult } from '@kenchi/protocol'
import { KenchiError } from '../errors.js'
import type { DeviceClues } from '../identity.js'
import type { Store } from '../stores/types.js'
import { optionChecks } from '../validate.js'
import type { Reason, VerdictDevice } from '../verdict.js'

/** What the app tells `verify()` about the request. */
export interface VerifyContext {
  /** The action this request performs (`login`, `register`, `checkout`...); must match the challenge. */
  action: string
  /** Client IP as the app sees it (after its own proxy handling). A value that is no IPv4 or IPv6 address is dropped. */
  ip?: string
  /** The request's User-Agent header. Taken from `headers` when absent. */
  userAgent?: string
  /** The request's Origin header; must match the challenge if given. Taken from `headers` when absent. */
  origin?: string
  /** Request headers (lower-case names), for rules that read them. Not stored. */
  headers?: Record<string, string | string[] | undefined>
  /**
   * The account this request is about, if it exists (login name, customer number). Builds
   * the account's history (devices, trust, step-up). Stored only as a keyed hash.
   */
  userId?: string
  /**
   * The login identifier typed into a login (or password-reset) form, whether an account
   * has it or not. Velocity limits on user ids and attack mode's `distinctUsers` count it,
   * so guesses at unknown addresses count towards credential stuffing, while the account
   * history stays about real accounts: pass `userId` only when the account exists. Hashed
   * like `userId` (the same keyed hash for the same string); defaults to `userId`.
   */
  loginId?: string
  /** The e-mail address involved, if any. Normalised (trimmed, lower-cased) and stored only as a keyed hash. */
  email?: string
  /** Free fields for custom rules (e.g. order amount). Not stored. */
  fields?: Record<string, unknown>
}

/** What a rule sees: a token whose every security check passed, and the request around it. */
export interface RuleInput {
  context: VerifyContext
  token: ParsedToken
  device: VerdictDevice
  /** Keyed hash of `context.userId`, if one was given. */
  userHash?: string
  /**
   * Keyed hash of `context.loginId`, or of `context.userId` when no login id was given:
   * the identifier velocity limits count as the user.
   */
  loginHash?: string
  /** Keyed hash of the normalised `context.email`, if one was given. */
  emailHash?: string
  /** Stored ids and fingerprint hashes from the token. */
  clues: DeviceClues
  /** The verifier's store, for rules that keep state (velocity, history). */
  store: Store
  /** The verifier's clock, Unix ms. */
  now: number
}

/** `live` rules count; `monitor` rules are computed and recorded but do not change the decision. */
export type RuleMode = 'live' | 'monitor'

/** A rule: plain data with a name, a mode and an evaluation returning weighted reasons. */
export interface Rule {
  readonly name: string
  readonly mode: RuleMode
  evaluate(input: RuleInput): Reason[] | Promise<Reason[]>
}

/** Options every rule factory accepts. */
export interface RuleOptions {
  /** `monitor` records the rule's reasons without letting them decide. Default `live`. */
  mode?: RuleMode
}

/** Validates the options common to every rule; throws `KenchiError` (`CONFIG_RULE`). */
export function ruleMode(name: string, options: RuleOptions): RuleMode {
  const mode = options.mode ?? 'live'
  if (mode !== 'live' && mode !== 'monitor') throw new KenchiError('CONFIG_RULE', `${name}: mode must be 'live' or 'monitor'`)
  return mode
}

/** Validates a weight option (1–100); throws `KenchiError` (`CONFIG_RULE`). */
export function ruleWeight(name: string, weight: number): number {
  return optionChecks('CONFIG_RULE', name).number('weight', weight, { min: 1, max: 100 })
}

/** The value of a signal, or `undefined` if it is absent or reported an error. */
export function signalValue(signals: Record<string, SignalResult>, name: string): Json | undefined {
  const result = Object.hasOwn(signals, name) ? signals[name] : undefined
  return result !== undefined && 'v' in result ? result.v : undefined
}
