import type { DevicePublicKey } from '@kenchi/protocol'
import type { Decision, DeviceStatus, Reason } from '../verdict.js'

/** What the store keeps about a device, keyed by its thumbprint. */
export interface DeviceRecord {
  id: string
  publicKey: DevicePublicKey
  status: DeviceStatus
  /** Unix ms. */
  firstSeen: number
  /** Unix ms. */
  lastSeen: number
}

/** What happened after a verdict, as the app reports it. */
export type Outcome = 'login_succeeded' | 'login_failed' | 'challenge_passed' | 'challenge_failed' | 'order_accepted' | 'order_declined'

/** A shop's judgement of an event, after the fact. */
export type Label = 'fraud' | 'legit'

/** One verification, as recorded for the console, outcomes and labels. */
export interface EventRecord {
  id: string
  /** Unix ms. */
  at: number
  action: string
  /** The decision returned to the app (always `allow` in monitor mode). */
  decision: Decision
  /** The decision the rules reached; differs from `decision` only in monitor mode. */
  wouldBe?: Decision
  score: number
  reasons: Reason[]
  /** Reasons from rules in monitor mode, not counted in `score`. */
  monitored?: Reason[]
  mode: 'live' | 'monitor'
  deviceId?: string
  ip?: string
  /** Keyed hash of the user id (never the id itself). */
  userHash?: string
  /** Keyed hash of the login id tried (`context.loginId`), when one was given; the same hash as `userHash` for the same string. */
  loginHash?: string
  /** Keyed hash of the e-mail address (never the address itself). */
  emailHash?: string
  /** The device's fingerprint hashes, when the client sent them. */
  fingerprint?: { coarse: string; fine: string }
  /** Outcomes reported for this event, oldest first. */
  outcomes?: Array<{ outcome: Outcome; at: number }>
  /** The latest label, if any. */
  label?: { label: Label; at: number; comment?: string }
}

/** What the store knew about a user and a device when they were linked. */
export interface UserDeviceLink {
  /** The user had been linked to any device before this call. */
  userSeen: boolean
  /** This user and this device had been linked before this call. */
  deviceSeen: boolean
  /** This user trusts this device (a login succeeded or a challenge was passed on it). */
  trusted: boolean
  /** How many devices this user trusts. */
  trustedDevices: number
  /** How many distinct users this device has been linked to, this one included. */
  deviceUsers: number
  /** When this user first used this device (Unix ms); now on first sight. */
  firstSeen: number
}

/** One user–device pair, for history views. */
export interface UserDeviceRecord {
  userHash: string
  deviceId: string
  firstSeen: number
  lastSeen: number
  trusted: boolean
}

/** What `Store.eraseUserEvents` did. */
export interface UserEventErasure {
  /** Events deleted. */
  deleted: number
  /** Events labelled `fraud` kept without anything that points to the person (`keepFraud`). */
  minimized: number
}

/**
 * The minimized form of a `fraud`-labelled event kept by an erasure with `keepFraud`: the
 * user, login and e-mail hashes, the IP address and the label's comment are removed; the
 * device id, fingerprint hashes, decision, reasons, outcomes and the label stay.
 */
export function minimizeEvent(event: EventRecord): EventRecord {
  const { userHash: _u, loginHash: _l, emailHash: _e, ip: _i, ...rest } = event
  if (rest.label) {
    const { comment: _c, ...label } = rest.label
    rest.label = label
  }
  return rest
}

/** Whether an erasure with `keepFraud` keeps this event (minimized). */
export const keptForFraud = (event: EventRecord, keepFraud: boolean | undefined): boolean =>
  keepFraud === true && event.label?.label === 'fraud'

/** Changes `updateEvent` applies: an outcome is appended, a label replaces the previous one. */
export interface EventPatch {
  outcome?: { outcome: Outcome; at: number }
  label?: { label: Label; at: number; comment?: string }
}

/**
 * Filters of `Store.queryEvents`: every one given must match. Times are Unix ms.
 */
export interface EventQuery {
  /** Only events with `at` ≥ `from`. */
  from?: number
  /** Only events with `at` ≤ `to`. */
  to?: number
  /** Only events with `at` < `before` (exclusive): the paging cursor, as in `listEvents`. */
  before?: number
  /** The decision returned to the app. */
  decision?: Decision
  /** The decision the rules reached (`wouldBe`, else `decision`). */
  wouldBe?: Decision
  action?: string
  /** A reason code in `reasons` or in `monitored`. */
  reason?: string
  userHash?: string
  deviceId?: string
  ip?: string
  /** `fraud` or `legit`: the latest label is that; `any`: labelled; `none`: not labelled. */
  label?: Label | 'any' | 'none'
  /** Most events returned, 0 to {@link MAX_QUERY_LIMIT}. Default 100. */
  limit?: number
}

/** Most events one `queryEvents` call returns. */
export const MAX_QUERY_LIMIT = 1000

/** Time buckets of `Store.countEvents`. */
export interface EventCountQuery {
  /** The first bucket is the one holding `from`. */
  from: number
  /** The last bucket is the one holding `to` (`to` ≥ `from`). */
  to: number
  /** Bucket length in ms: a multiple of 60 000 (whole minutes), at most {@link MAX_EVENT_BUCKETS} buckets in all. */
  bucketMs: number
}

/** Most buckets one `countEvents` call returns. */
export const MAX_EVENT_BUCKETS = 10_000

/** Events per decision whose `at` is in `[at, at + bucketMs)`. */
export interface EventBucket {
  at: number
  allow: number
  challenge: number
  deny: number
}

/**
 * The primitives the verifier and its rules need from a store. Every implementation
 * (memory, SQLite, Redis, PostgreSQL, and the split store over two of them) passes one
 * conformance suite (test/stores/). Every method may
 * reject (a network store can fail); the verifier turns a rejection into a
 * `STORE_UNAVAILABLE` verdict under its `onStoreError` policy.
 *
 * Keys passed in are short ASCII strings chosen by the verifier and rules, each built by
 * one builder in `store-keys/` (e.g. `nonce:<n>`, `ng-ip:<ip>`); a store may prefix them
 * but must not otherwise change their meaning. All times are Unix ms.
 */
/** Longest value `Store.setValue` accepts, in UTF-16 code units (64 KiB of ASCII). */
export const MAX_STORE_VALUE = 65_536

/** Throws for a value longer than {@link MAX_STORE_VALUE} or not a string. Stores call it before writing. */
export function checkStoreValue(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length > MAX_STORE_VALUE) {
    throw new TypeError(`store value: a string of at most ${MAX_STORE_VALUE} characters`)
  }
}

export interface Store {
  /**
   * Atomically sets `key` if it is absent, with a time to live. Resolves `true` for the
   * one caller that set it and `false` for everyone else until it expires, across every
   * process sharing the store.
   */
  setIfAbsent(key: string, ttlMs: number): Promise<boolean>
  /**
   * Records one hit on a sliding-window counter and resolves the number of hits in
   * `(now - windowMs, now]`, this one included. Atomic.
   */
  hit(key: string, windowMs: number, now: number): Promise<number>
  /**
   * Records `member` in a sliding-window distinct set and resolves how many distinct
   * members were seen in `(now - windowMs, now]`, this one included. Atomic. A member keeps
   * its latest time (a sighting arriving out of order does not move it back), and this
   * caller's member counts even when another caller saw it after `now`.
   */
  addDistinct(key: string, member: string, windowMs: number, now: number): Promise<number>
  /**
   * Records that a device was seen: creates the record on first sight (status `waiting`),
   * otherwise updates `lastSeen`. Atomic per device. Resolves the record as it was
   * before this call (`undefined` on first sight) and the record now.
   */
  touchDevice(id: string, publicKey: DevicePublicKey, now: number): Promise<{ before: DeviceRecord | undefined; after: DeviceRecord }>
  /** Reads a device record. */
  getDevice(id: string): Promise<DeviceRecord | undefined>
  /**
   * Whether `key` is set (by `setIfAbsent` or `setFlag`) and not expired. Read-only.
   */
  has(key: string): Promise<boolean>
  /** Sets `key` (or renews it) for `ttlMs`, whether or not it existed. */
  setFlag(key: string, ttlMs: number): Promise<void>
  /** Removes `key`: its flag, counter, distinct set and value, whichever exist. */
  deleteKey(key: string): Promise<void>
  /**
   * Reads a value written by `setValue`, or `undefined` when absent or expired. Values
   * share nothing with flags and counters of the same key.
   */
  getValue(key: string): Promise<string | undefined>
  /**
   * Writes a small value (at most {@link MAX_STORE_VALUE} UTF-16 units) for `ttlMs`,
   * replacing any previous one. Last writer wins: two processes updating one value read and
   * write separately, so use values for data where a lost update is harmless (a learned
   * aggregate, a cache), never for one-time secrets (use `setIfAbsent`). A store may drop
   * values under its bounds (oldest expiry first); it never drops flags to make room.
   */
  setValue(key: string, value: string, ttlMs: number): Promise<void>
  /** The number of hits on a `hit` counter in `(now - windowMs, now]`, without adding one. Read-only. */
  countHits(key: string, windowMs: number, now: number): Promise<number>
  /**
   * Records that a user used a device at `now` (creating or touching the pair) and
   * resolves what was known before. Atomic per pair.
   */
  linkUserDevice(userHash: string, deviceId: string, now: number): Promise<UserDeviceLink>
  /** Marks a user–device pair trusted (creating it if needed). */
  trustUserDevice(userHash: string, deviceId: string, now: number): Promise<void>
  /** The devices a user has used, most recent first (at most `limit`, default 100). */
  listUserDevices(userHash: string, limit?: number): Promise<UserDeviceRecord[]>
  /** The users a device has been used by, most recent first (at most `limit`, default 100). */
  listDeviceUsers(deviceId: string, limit?: number): Promise<UserDeviceRecord[]>
  /** Sets a device's status; resolves the updated record, or `undefined` for an unknown device. */
  setDeviceStatus(id: string, status: DeviceStatus): Promise<DeviceRecord | undefined>
  /** Stores an event. Recording the same id twice keeps the first. */
  recordEvent(event: EventRecord): Promise<void>
  /** Reads one event. */
  getEvent(id: string): Promise<EventRecord | undefined>
  /** Appends an outcome and/or replaces the label; resolves the updated event, or `undefined` if unknown. Atomic. */
  updateEvent(id: string, patch: EventPatch): Promise<EventRecord | undefined>
  /**
   * Reads recent events, newest first by `at` (events with equal `at` in any order): at
   * most `limit` (default 100), optionally only those with `at` before `before` (exclusive).
   */
  listEvents(options?: { limit?: number; before?: number }): Promise<EventRecord[]>
  /**
   * Privacy requests (docs/privacy.md; not on the verification path, may scan): the events
   * whose `userHash` or `loginHash` is `userHash`, newest first by `at`, at most `limit`
   * (default 10 000).
   */
  listUserEvents(userHash: string, limit?: number): Promise<EventRecord[]>
  /**
   * Erasure (docs/privacy.md): deletes every event whose `userHash` or `loginHash` is
   * `userHash`. With `keepFraud`, an event labelled `fraud` is kept minimized instead:
   * `userHash`, `loginHash`, `emailHash`, `ip` and the label's comment removed, so it no
   * longer points to the person. Resolves how many events were deleted and minimized.
   */
  eraseUserEvents(userHash: string, options?: { keepFraud?: boolean }): Promise<UserEventErasure>
  /** Erasure: deletes every user–device pair of `userHash` (from both sides); resolves the pairs deleted, most recent first. */
  unlinkUser(userHash: string): Promise<UserDeviceRecord[]>
  /** Erasure: deletes a device record (its pairs stay; see `unlinkUser`); resolves whether one existed. */
  deleteDevice(id: string): Promise<boolean>
  /**
   * Reads the events matching every filter of `query`, newest first by `at` (equal `at` in
   * any order), at most `query.limit` (default 100). Rejects (`TypeError`) a limit above
   * {@link MAX_QUERY_LIMIT} or a malformed filter. The console's event pages use it.
   */
  queryEvents(query: EventQuery): Promise<EventRecord[]>
  /**
   * Counts events per decision in time buckets aligned to multiples of `bucketMs` (since
   * the Unix epoch): one entry for every bucket from the one holding `from` to the one
   * holding `to`, oldest first, zeros included; each counts its whole bucket. Rejects
   * (`TypeError`) a `bucketMs` that is not a positive multiple of 60 000, `to` < `from`, or
   * more than {@link MAX_EVENT_BUCKETS} buckets. The console's charts use it.
   */
  countEvents(query: EventCountQuery): Promise<EventBucket[]>
  /** Releases connections and timers. Further calls may reject. */
  close(): Promise<void>
}
