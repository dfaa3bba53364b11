import { statusAfterLabel, statusAfterOutcome } from './device-status.js'
import { userFingerprintKey } from './identity.js'
import { FRAUD_FINGERPRINT_TTL_MS, fraudFingerprintKey } from './rules/claims.js'
import { NEGATIVE_IP_TTL_MS, negativeIpKey } from './rules/negative.js'
import type { EventRecord, Label, Outcome, Store } from './stores/types.js'

/** How long outcome counters are kept; velocity rules read windows up to this long. */
export const FAILURE_RETENTION_MS = 24 * 3600 * 1000

/** Outcome counters kept for velocity rules and failure rates. */
export type OutcomeCounter = 'login-failed' | 'login-succeeded' | 'order-declined' | 'order-accepted'

const COUNTED: Partial<Record<Outcome, OutcomeCounter>> = {
  login_failed: 'login-failed',
  login_succeeded: 'login-succeeded',
  order_declined: 'order-declined',
  order_accepted: 'order-accepted',
}

/** What an outcome counter is kept per: the whole site, or one user, IP or device. */
export type CounterScope = 'site' | 'user' | 'ip' | 'device'

/**
 * The store key of an outcome counter. The one place it is built: the writer
 * (`failureKeys`, on every reported outcome) and the readers (velocity `failures` limits for
 * every `by`, attack mode's site-wide count) all call it, so they cannot disagree. A site
 * counter has no value.
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
  const counter = COUNTED[outcome]
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
    await store.trustUserDevice(userFingerprintKey(userHash), `f:${event.fingerprint.fine}`, now)
    await store.trustUserDevice(userFingerprintKey(userHash), `c:${event.fingerprint.coarse}`, now)
  }
}
