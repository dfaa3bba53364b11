// Outcome counters: written on every reported outcome (effects.ts), read by velocity
// `failures` limits for every `by` and by attack mode's site-wide failed-login count.
import type { EventRecord, Outcome } from '../stores/types.js'

/** Outcome counters kept for velocity rules and failure rates. */
export type OutcomeCounter = 'login-failed' | 'login-succeeded' | 'order-declined' | 'order-accepted'

/** What an outcome counter is kept per: the whole site, or one user, IP or device. */
export type CounterScope = 'site' | 'user' | 'ip' | 'device'

/** The counter each counted outcome adds to (`challenge_*` outcomes are not counted). */
export const OUTCOME_COUNTERS: Readonly<Partial<Record<Outcome, OutcomeCounter>>> = {
  login_failed: 'login-failed',
  login_succeeded: 'login-succeeded',
  order_declined: 'order-declined',
  order_accepted: 'order-accepted',
}

/**
 * The store key of an outcome counter (`<counter>:site`, `<counter>:<scope>:<value>`). The
 * one place it is built: the writer (`failureKeys`, on every reported outcome) and the
 * readers (velocity `failures` limits for every `by`, attack mode's site-wide count) all call
 * it, so they cannot disagree. A site counter has no value.
 */
export function outcomeCounterKey(kind: OutcomeCounter, scope: CounterScope, value?: string): string {
  return scope === 'site' ? `${kind}:site` : `${kind}:${scope}:${value}`
}

/**
 * The counters an outcome adds to, keyed by what the event knew: site-wide, user (the login
 * id tried if there was one, as velocity rules count it), IP, device.
 */
export function failureKeys(kind: OutcomeCounter, event: Pick<EventRecord, 'userHash' | 'loginHash' | 'ip' | 'deviceId'>): string[] {
  const keys = [outcomeCounterKey(kind, 'site')]
  const user = event.loginHash ?? event.userHash
  if (user !== undefined) keys.push(outcomeCounterKey(kind, 'user', user))
  if (event.ip !== undefined) keys.push(outcomeCounterKey(kind, 'ip', event.ip))
  if (event.deviceId !== undefined) keys.push(outcomeCounterKey(kind, 'device', event.deviceId))
  return keys
}
