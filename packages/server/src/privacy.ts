// Privacy requests: export everything a store holds about one person, or erase it
// (GDPR Art. 15, 17, 20; APPI Art. 33, 35). The person is found through the keyed hash the
// verifier stores (never the id itself), so the site's hashSecret is needed. docs/privacy.md
// says what is held where, for how long, and what an erasure keeps and why.
import { createHmac } from 'node:crypto'
import { KenchiError } from './errors.js'
import { FAILURE_RETENTION_MS, outcomeCounterKey, type OutcomeCounter } from './effects.js'
import { userFingerprintKey } from './identity.js'
import { secretBytes } from './keys.js'
import { DEFAULT_VELOCITY_LIMITS, type VelocityLimit } from './rules/velocity.js'
import { stepUpKeys } from './store-keys/stepup.js'
import { typingProfileKey } from './store-keys/typing.js'
import { velocityDistinctKey, velocityRequestKey } from './store-keys/velocity.js'
import type { DeviceRecord, EventRecord, Store, UserDeviceRecord } from './stores/types.js'

/** Whom a request is about: the user id, the login id (e-mail address, phone…) or the keyed hash itself. One or more. */
export interface PrivacySubject {
  userId?: string
  loginId?: string
  /** The keyed hash, as shown in the console and stored in events (`userHash` / `loginHash`). */
  userHash?: string
}

/** Options of {@link exportUser} and {@link eraseUser}. */
export interface PrivacyOptions {
  /** The site's `hashSecret` (the verifier's), from which the keyed hashes are computed. Not needed with `verifier`, or when the subject gives `userHash` only. */
  hashSecret?: string | Uint8Array
  /**
   * The site's verifier, instead of `hashSecret`: its `hashIdentity` computes the hashes, and
   * its write-behind queue is flushed first (`flush()`), so no queued event of the person is
   * written after the answer.
   */
  verifier?: { hashIdentity(kind: 'user', value: string): string; flush?(): Promise<number> }
  /** The velocity limits in use (`velocityRule({ limits })`), whose counters keyed by the user are read and deleted. Default `DEFAULT_VELOCITY_LIMITS`. */
  limits?: readonly VelocityLimit[]
  /** Clock in Unix ms, for tests. Default `Date.now`. */
  now?: () => number
}

/** Everything a store holds about one person: the answer to an access request (JSON, machine-readable for portability). */
export interface UserExport {
  format: 'kenchi-user-export/1'
  /** Unix ms. */
  exportedAt: number
  /** The keyed hashes looked up (one per distinct identifier). */
  userHashes: string[]
  /** Every verification of this person (as user or as login id tried), newest first, with outcomes and labels. */
  events: EventRecord[]
  /** The devices this person used: the pair (first and last use, trusted) and the device record (status, public key). */
  devices: Array<{ link: UserDeviceRecord; device?: DeviceRecord }>
  /** Fingerprint hashes of the devices this person proved (console hints). */
  fingerprints: string[]
  /** Typing profile (aggregates of typing timing), when `storeTypingProfiles` keeps one. */
  typingProfile?: unknown
  /** Counters keyed by this person that hold hits now (velocity, outcomes, step-up rate limit): key → hits in the last 7 days. */
  counters: Record<string, number>
}

/** Options of {@link eraseUser}. */
export interface EraseOptions extends PrivacyOptions {
  /**
   * Keep events labelled `fraud`, minimized (user, login and e-mail hashes, IP and label
   * comment removed), and `fraud` device records: fraud prevention as a legitimate interest
   * (GDPR recital 47, Art. 17(3)(e) and 21(1); docs/privacy.md). Default true; `false`
   * erases those too.
   */
  keepFraud?: boolean
}

/** What {@link eraseUser} removed. */
export interface UserErasure {
  userHashes: string[]
  /** Events deleted. */
  events: number
  /** Events labelled `fraud` kept minimized (`keepFraud`). */
  minimizedEvents: number
  /** User–device pairs deleted (fingerprint pairs included). */
  links: number
  /** Device records deleted: those used by this person only. */
  devices: number
  /** Device records kept because they are labelled `fraud` (`keepFraud`). */
  keptFraudDevices: number
  /** Keys deleted: counters, distinct sets, the typing profile and step-up state keyed by this person. */
  keys: number
}

const MAX_WINDOW_MS = 7 * 86_400_000
const OUTCOME_COUNTERS: readonly OutcomeCounter[] = ['login-failed', 'login-succeeded', 'order-declined', 'order-accepted']
/** Step-up keys per event (`su:<kind>:<event id>`): flags and counters of a step-up in progress. */
const STEP_UP_EVENT_KEYS = [
  stepUpKeys.started,
  stepUpKeys.done,
  stepUpKeys.cooldown,
  stepUpKeys.generations,
  stepUpKeys.attempts,
  stepUpKeys.failed,
]

/** The keyed hash the verifier stores for a user or login id (`verifier.hashIdentity('user', id)`). */
export function userHashOf(hashSecret: string | Uint8Array, id: string): string {
  const key = secretBytes(hashSecret, 'CONFIG_HASH_SECRET', 'hashSecret')
  return createHmac('sha256', key).update(`user:${id}`, 'utf8').digest('base64url')
}

function hashesOf(subject: PrivacySubject, options: PrivacyOptions): string[] {
  const hashes = new Set<string>()
  if (typeof subject !== 'object' || subject === null)
    throw new KenchiError('PRIVACY_SUBJECT', 'give { userId }, { loginId } or { userHash }')
  for (const id of [subject.userId, subject.loginId]) {
    if (id === undefined) continue
    if (typeof id !== 'string' || id === '') throw new KenchiError('PRIVACY_SUBJECT', 'userId and loginId must be non-empty strings')
    if (options.verifier) hashes.add(options.verifier.hashIdentity('user', id))
    else if (options.hashSecret !== undefined) hashes.add(userHashOf(options.hashSecret, id))
    else throw new KenchiError('PRIVACY_SUBJECT', 'hashSecret (or verifier) is needed to find a user by userId or loginId')
  }
  if (subject.userHash !== undefined) {
    if (typeof subject.userHash !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(subject.userHash))
      throw new KenchiError('PRIVACY_SUBJECT', 'userHash must be a keyed hash (43 base64url characters)')
    hashes.add(subject.userHash)
  }
  if (hashes.size === 0) throw new KenchiError('PRIVACY_SUBJECT', 'give { userId }, { loginId } or { userHash }')
  return [...hashes]
}

/** The store keys (counters, distinct sets, values) keyed by one user hash. */
function userKeys(hash: string, limits: readonly VelocityLimit[]): { hits: string[]; others: string[] } {
  const hits = new Set<string>([stepUpKeys.rateUser(hash), ...OUTCOME_COUNTERS.map((kind) => outcomeCounterKey(kind, 'user', hash))])
  const others = new Set<string>([typingProfileKey(hash)])
  for (const limit of limits) {
    if (limit.by !== 'user') continue
    if (limit.kind === 'count') hits.add(velocityRequestKey(limit.actions!, 'user', hash))
    if (limit.kind === 'distinct') others.add(velocityDistinctKey(limit.of!, 'user', limit.windowMs, hash))
  }
  return { hits: [...hits], others: [...others] }
}

/**
 * Everything `store` holds about a person, found by the keyed hash of `subject`'s user id
 * and/or login id: events (as user and as login id tried), the devices used and their
 * records, fingerprint pairs, the typing profile and counters keyed by the person. Read-only.
 * Throws `KenchiError` `PRIVACY_SUBJECT` for a subject without an identifier; rejects when
 * the store does.
 */
export async function exportUser(store: Store, subject: PrivacySubject, options: PrivacyOptions = {}): Promise<UserExport> {
  const hashes = hashesOf(subject, options)
  await options.verifier?.flush?.()
  const now = (options.now ?? Date.now)()
  const limits = options.limits ?? DEFAULT_VELOCITY_LIMITS
  const events = new Map<string, EventRecord>()
  const devices: UserExport['devices'] = []
  const fingerprints = new Set<string>()
  const counters: Record<string, number> = {}
  let typingProfile: unknown
  for (const hash of hashes) {
    for (const event of await store.listUserEvents(hash, Number.MAX_SAFE_INTEGER)) events.set(event.id, event)
    for (const link of await store.listUserDevices(hash, Number.MAX_SAFE_INTEGER)) {
      const device = await store.getDevice(link.deviceId)
      devices.push(device ? { link, device } : { link })
    }
    for (const link of await store.listUserDevices(userFingerprintKey(hash), Number.MAX_SAFE_INTEGER)) fingerprints.add(link.deviceId)
    const typing = await store.getValue(typingProfileKey(hash))
    if (typing !== undefined) {
      try {
        typingProfile = JSON.parse(typing)
      } catch {
        typingProfile = typing
      }
    }
    for (const key of userKeys(hash, limits).hits) {
      const hits = await store.countHits(key, key.startsWith('vel:') || key.startsWith('su:') ? MAX_WINDOW_MS : FAILURE_RETENTION_MS, now)
      if (hits > 0) counters[key] = hits
    }
  }
  return {
    format: 'kenchi-user-export/1',
    exportedAt: now,
    userHashes: hashes,
    events: [...events.values()].sort((a, b) => b.at - a.at),
    devices,
    fingerprints: [...fingerprints],
    ...(typingProfile !== undefined ? { typingProfile } : {}),
    counters,
  }
}

/**
 * Erases a person from `store`: their events (fraud-labelled ones kept minimized with
 * `keepFraud`, the default), every user–device pair and fingerprint pair, the device
 * records no other user is linked to (`fraud` ones kept with `keepFraud`), the typing
 * profile, and the counters, distinct sets and step-up state keyed by them. Idempotent: a
 * second call finds nothing. Run it on every store that holds this site's data (each split
 * part, each backup you restore). Throws `KenchiError` `PRIVACY_SUBJECT` for a subject without
 * an identifier; rejects when the store does (then run it again).
 */
export async function eraseUser(store: Store, subject: PrivacySubject, options: EraseOptions = {}): Promise<UserErasure> {
  const hashes = hashesOf(subject, options)
  await options.verifier?.flush?.()
  const keepFraud = options.keepFraud ?? true
  const now = (options.now ?? Date.now)()
  const limits = options.limits ?? DEFAULT_VELOCITY_LIMITS
  const result: UserErasure = { userHashes: hashes, events: 0, minimizedEvents: 0, links: 0, devices: 0, keptFraudDevices: 0, keys: 0 }
  for (const hash of hashes) {
    // Step-up state of recent events (it lives at most a few hours), read before the events go.
    const recent = (await store.listUserEvents(hash, 1000)).filter((e) => e.at > now - 86_400_000)
    const erased = await store.eraseUserEvents(hash, { keepFraud })
    result.events += erased.deleted
    result.minimizedEvents += erased.minimized
    const { hits, others } = userKeys(hash, limits)
    const keys = [...hits, ...others, ...recent.flatMap((e) => STEP_UP_EVENT_KEYS.map((key) => key(e.id)))]
    // Independent keys: a few dozen deletions in flight at a time (one round trip each on Redis).
    for (let i = 0; i < keys.length; i += 64) await Promise.all(keys.slice(i, i + 64).map((key) => store.deleteKey(key)))
    result.keys += keys.length
    result.links += (await store.unlinkUser(userFingerprintKey(hash))).length
    const pairs = await store.unlinkUser(hash)
    result.links += pairs.length
    for (const { deviceId } of pairs) {
      if ((await store.listDeviceUsers(deviceId, 1)).length > 0) continue
      const device = await store.getDevice(deviceId)
      if (device?.status === 'fraud' && keepFraud) {
        result.keptFraudDevices++
        continue
      }
      // The device's stored-id pairs are filed under the device id.
      await store.unlinkUser(deviceId)
      if (await store.deleteDevice(deviceId)) result.devices++
    }
  }
  return result
}
