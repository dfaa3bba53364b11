import { statusAfterLabel, statusAfterOutcome } from './device-status.js'
import { FRAUD_FINGERPRINT_TTL_MS } from './rules/claims.js'
import { NEGATIVE_IP_TTL_MS } from './rules/negative.js'
import { coarseFingerprintId, fineFingerprintId, userFingerprintKey } from './store-keys/fingerprints.js'
import { fraudFingerprintKey, negativeIpKey } from './store-keys/negative.js'
import { failureKeys, OUTCOME_COUNTERS } from './store-keys/outcomes.js'
import type { EventRecord, Label, Outcome, Store } from './stores/types.js'

/** How long outcome counters are kept; velocity rules read windows up to this long. */
export const FAILURE_RETENTION_MS = 24 * 3600 * 1000

export { outcomeCounterKey, failureKeys, type OutcomeCounter, type CounterScope } from './store-keys/outcomes.js'

/**
 * What a reported outcome changes besides the event: a success on an allowed event (or a
 * passed challenge) makes the device trusted for that user and `valid`; a failed challenge
 * makes it `unknown`; logins and orders, failed or not, are counted for velocity rules and
 * failure rates.
 */
export async function applyOutcome(store: Store, event: EventRecord, outcome: Outcome, now: number): Promise<void> {
  const { deviceId, userHash } = event
  const succeeded = outcome === 'challenge_passed' || (outcome === 'login_succeeded' && (event.decision === 'allow' || event.mode === 'monitor'))
  if (succeeded && deviceId !== undefined && userHash !== undefined) await trust(store, event, userHash, deviceId, now)
  if (deviceId !== undefined) {
    const device = await store.getDevice(deviceId)
    if (device) {
      const next = statusAfterOutcome(device.status, outcome)
      if (next !== device.status) await store.setDeviceStatus(deviceId, next)
    }
  }
  const counter = OUTCOME_COUNTERS[outcome]
  if (counter !== undefined) for (const key of failureKeys(counter, event)) await store.hit(key, FAILURE_RETENTION_MS, now)
}

/**
 * What a label changes: `fraud` puts the device and the IP on the negative lists and marks
 * its fine fingerprint suspect for 30 days (`FRAUD_FINGERPRINT`, a doubt); `legit` clears
 * the device and trusts it for the user.
 */
export async function applyLabel(store: Store, event: EventRecord, label: Label, now: number): Promise<void> {
  if (event.deviceId !== undefined && (await store.getDevice(event.deviceId))) {
    await store.setDeviceStatus(event.deviceId, statusAfterLabel(label))
  }
  if (label === 'fraud' && event.ip !== undefined) await store.setFlag(negativeIpKey(event.ip), NEGATIVE_IP_TTL_MS)
  if (label === 'fraud' && event.fingerprint) await store.setFlag(fraudFingerprintKey(event.fingerprint.fine), FRAUD_FINGERPRINT_TTL_MS)
  if (label === 'legit' && event.deviceId !== undefined && event.userHash !== undefined) {
    await trust(store, event, event.userHash, event.deviceId, now)
  }
}

/**
 * Trusts the device key for the user. Its fingerprints are recorded too, for the console's
 * `fingerprintMatch` detail only: a fingerprint never makes another key trusted.
 */
async function trust(store: Store, event: EventRecord, userHash: string, deviceId: string, now: number): Promise<void> {
  await store.trustUserDevice(userHash, deviceId, now)
  if (event.fingerprint) {
    await store.trustUserDevice(userFingerprintKey(userHash), fineFingerprintId(event.fingerprint.fine), now)
    await store.trustUserDevice(userFingerprintKey(userHash), coarseFingerprintId(event.fingerprint.coarse), now)
  }
}
