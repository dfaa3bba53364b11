import type { ParsedToken } from '@kenchi/protocol'
import type { VerifyContext } from '../context.js'
import { KenchiError } from '../errors.js'
import type { DeviceClues } from '../identity.js'
import type { Store } from '../stores/types.js'
import { optionChecks } from '../validate.js'
import type { Reason, VerdictDevice } from '../verdict.js'

// `VerifyContext` (context.ts) and `signalValue` (signals.ts) are not the rules' own: they
// are re-exported here for rule authors, who import everything a rule needs from this file.
export type { VerifyContext } from '../context.js'
export { signalValue } from '../signals.js'

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
