import { statusAfterLabel, statusAfterOutcome } from './device-status.js'
import { FRAUD_FINGERPRINT_TTL_MS } from './rules/claims.js'
import { NEGATIVE_IP_TTL_MS } from './rules/negative.js'
import { coarseFingerprintId, fineFingerprintId, userFingerprintKey } from './store-keys/fingerprints.js'
import { fraudFingerprintKey, negativeIpKey } from './store-keys/negative.js'
import { failureKeys, OUTCOME_COUNTERS } from './store-keys/outcomes.js'
import type { DeviceRecord, EventPatch, EventRecord, Label, Outcome } from './stores/types.js'
import type { DeviceStatus } from './verdict.js'

/** How long outcome counters are kept; velocity rules read windows up to this long. */
export const FAILURE_RETENTION_MS = 24 * 3600 * 1000

export { outcomeCounterKey, failureKeys, type OutcomeCounter, type CounterScope } from './store-keys/outcomes.js'

/**
 * A change to the store that a verdict or a report asks for. Evaluation (`verify/evaluate.ts`)
 * and the report planners below only *return* effects; `verify/apply-effects.ts` is the one
 * place that writes them, so what a verification or a report changes is a value that can
 * be inspected, tested and (later) batched into one store round trip.
 */
export type Effect =
  /** `store.setDeviceStatus`: a device's status after a verdict, an outcome or a label. */
  | { kind: 'device-status'; deviceId: string; status: DeviceStatus }
  /** `store.linkUserDevice`: a (user, device) pair seen at `at`; also (device, `sid:<id>`) for stored-id claims. */
  | { kind: 'link'; userHash: string; deviceId: string; at: number }
  /** `store.trustUserDevice`: the pair trusted (a device for a user, or a fingerprint for the console). */
  | { kind: 'trust'; userHash: string; deviceId: string; at: number }
  /** `store.hit`: one more on a windowed counter (outcome counters for velocity rules and attack mode). */
  | { kind: 'count'; key: string; windowMs: number; at: number }
  /** `store.setFlag`: a flag set or renewed for `ttlMs` (negative lists, fraud fingerprints). */
  | { kind: 'flag'; key: string; ttlMs: number }
  /**
   * `store.recordEvent`, through the write-behind queue: the verdict's event. `bulk` for a
   * request without a valid token, which may fill only half the queue.
   */
  | { kind: 'record-event'; event: EventRecord; bulk: boolean }
  /**
   * `store.updateEvent`, through the write-behind queue: an outcome or a label appended to
   * an event. An event the store does not hold fails for good (`EVENT_UNKNOWN`), never retried.
   */
  | { kind: 'update-event'; eventId: string; patch: EventPatch }

/**
 * What a reported outcome changes besides the event: a success on an allowed event (or a
 * passed challenge) makes the device trusted for that user and `valid`; a failed challenge
 * makes it `unknown`; logins and orders, failed or not, are counted for velocity rules and
 * failure rates. `device` is the event's device record as the store has it now. Pure: the
 * effects are applied in order by `verify/apply-effects.ts`.
 */
export function outcomeEffects(event: EventRecord, device: DeviceRecord | undefined, outcome: Outcome, now: number): Effect[] {
  const { deviceId, userHash } = event
  const effects: Effect[] = []
  const succeeded =
    outcome === 'challenge_passed' || (outcome === 'login_succeeded' && (event.decision === 'allow' || event.mode === 'monitor'))
  if (succeeded && deviceId !== undefined && userHash !== undefined) effects.push(...trust(event, userHash, deviceId, now))
  if (deviceId !== undefined && device) {
    const next = statusAfterOutcome(device.status, outcome)
    if (next !== device.status) effects.push({ kind: 'device-status', deviceId, status: next })
  }
  const counter = OUTCOME_COUNTERS[outcome]
  if (counter !== undefined)
    for (const key of failureKeys(counter, event)) effects.push({ kind: 'count', key, windowMs: FAILURE_RETENTION_MS, at: now })
  return effects
}

/**
 * What a label changes: `fraud` puts the device and the IP on the negative lists and marks
 * its fine fingerprint suspect for 30 days (`FRAUD_FINGERPRINT`, a doubt); `legit` clears
 * the device and trusts it for the user. `device` is the event's device record as the store
 * has it now (a device the store no longer holds gets no status). Pure, like `outcomeEffects`.
 */
export function labelEffects(event: EventRecord, device: DeviceRecord | undefined, label: Label, now: number): Effect[] {
  const effects: Effect[] = []
  if (event.deviceId !== undefined && device)
    effects.push({ kind: 'device-status', deviceId: event.deviceId, status: statusAfterLabel(label) })
  if (label === 'fraud' && event.ip !== undefined) effects.push({ kind: 'flag', key: negativeIpKey(event.ip), ttlMs: NEGATIVE_IP_TTL_MS })
  if (label === 'fraud' && event.fingerprint) {
    effects.push({ kind: 'flag', key: fraudFingerprintKey(event.fingerprint.fine), ttlMs: FRAUD_FINGERPRINT_TTL_MS })
  }
  if (label === 'legit' && event.deviceId !== undefined && event.userHash !== undefined) {
    effects.push(...trust(event, event.userHash, event.deviceId, now))
  }
  return effects
}

/**
 * Trusts the device key for the user. Its fingerprints are recorded too, for the console's
 * `fingerprintMatch` detail only: a fingerprint never makes another key trusted.
 */
function trust(event: EventRecord, userHash: string, deviceId: string, now: number): Effect[] {
  const effects: Effect[] = [{ kind: 'trust', userHash, deviceId, at: now }]
  if (event.fingerprint) {
    effects.push({ kind: 'trust', userHash: userFingerprintKey(userHash), deviceId: fineFingerprintId(event.fingerprint.fine), at: now })
    effects.push({
      kind: 'trust',
      userHash: userFingerprintKey(userHash),
      deviceId: coarseFingerprintId(event.fingerprint.coarse),
      at: now,
    })
  }
  return effects
}
