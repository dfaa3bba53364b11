import type { Json, ParsedToken, SignalResult } from '@kenchi/protocol'
import type { Reason, VerdictDevice } from '../verdict.js'

/** What the app tells `verify()` about the request. */
export interface VerifyContext {
  /** The action this request performs (`login`, `register`, `checkout`...); must match the challenge. */
  action: string
  /** Client IP as the app sees it (after its own proxy handling). */
  ip?: string
  /** The request's User-Agent header. */
  userAgent?: string
  /** The request's Origin header, when the app has it; must match the challenge if given. */
  origin?: string
}

/** What a rule sees: a token whose every security check passed. */
export interface RuleInput {
  context: VerifyContext
  token: ParsedToken
  device: VerdictDevice
}

/** A rule: plain data with a name and a pure-ish evaluation returning weighted reasons. */
export interface Rule {
  readonly name: string
  evaluate(input: RuleInput): Reason[] | Promise<Reason[]>
}

/** The value of a signal, or `undefined` if it is absent or reported an error. */
export function signalValue(signals: Record<string, SignalResult>, name: string): Json | undefined {
  const result = Object.hasOwn(signals, name) ? signals[name] : undefined
  return result !== undefined && 'v' in result ? result.v : undefined
}
