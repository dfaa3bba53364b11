import type { ParsedToken } from '@kenchi/protocol'
import type { VerifyContext } from '../context.js'
import { KenchiError } from '../errors.js'
import type { DeviceClues } from '../identity.js'
import type { OpAnswer, StoreOp } from '../stores/batch.js'
import type { Store } from '../stores/types.js'
import { optionChecks } from '../validate.js'
import type { Reason, VerdictDevice } from '../verdict.js'

// `VerifyContext` (context.ts) and `signalValue` (signals.ts) are not the rules' own: they
// are re-exported here for rule authors, who import everything a rule needs from this file.
export type { VerifyContext } from '../context.js'
export { signalValue } from '../signals.js'

/**
 * What a rule knows before the store has answered anything: the request, the token, the
 * device key's id and the identities' hashes. `Rule.reads` declares its store reads from
 * this alone (the device's stored status is not known yet).
 */
export interface ReadInput {
  context: VerifyContext
  token: ParsedToken
  /** The device key's thumbprint (`verdict.device.id`). */
  deviceId: string
  /** Keyed hash of `context.userId`, if one was given. */
  userHash?: string
  /** Keyed hash of `context.loginId`, or of `context.userId` when no login id was given. */
  loginHash?: string
  /** Keyed hash of the normalised `context.email`, if one was given. */
  emailHash?: string
  /** Stored ids and fingerprint hashes from the token. */
  clues: DeviceClues
  /** The verifier's clock, Unix ms. */
  now: number
}

/**
 * The store calls a rule declares (`Rule.reads`), as data: one `StoreOp` per call, or
 * `undefined` for a call this request does not need (its answer is `undefined` too), so
 * each call keeps its position whatever the request.
 */
export type ReadOps = readonly (StoreOp | undefined)[]

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
  /**
   * The verifier's store. A rule that declares `reads` gets their answers in `answers`;
   * a rule without `reads` calls the store itself (one round trip per call), and a rule
   * may still call it for a read that depends on an answer.
   */
  store: Store
  /** The verifier's clock, Unix ms. */
  now: number
  /**
   * The answers to the rule's own `reads(input)`, position by position (`undefined` where
   * it declared `undefined`), read with every other rule's in the verification's one store
   * batch. Absent when the rule is run outside `verify()` (a unit test, another rule): a
   * rule made with `withReads` then reads them itself.
   */
  answers?: readonly (OpAnswer | undefined)[]
}

/** `live` rules count; `monitor` rules are computed and recorded but do not change the decision. */
export type RuleMode = 'live' | 'monitor'

/** A rule: plain data with a name, a mode and an evaluation returning weighted reasons. */
export interface Rule {
  readonly name: string
  readonly mode: RuleMode
  /**
   * Optional: the store calls the rule needs, declared before any store answer so that
   * `verify()` sends them with the nonce, the device record and every other rule's in one
   * batch (one round trip on Redis, one transaction on SQLite). Their answers arrive in
   * `evaluate`'s `input.answers`, in the same positions. Must not throw, nor call the
   * store. Prefer `withReads`, which types the answers. A rule without `reads` calls
   * `input.store` itself in `evaluate`, as before.
   */
  reads?(input: ReadInput): ReadOps
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
