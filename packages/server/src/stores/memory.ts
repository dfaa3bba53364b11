import type { DevicePublicKey } from '@kenchi/protocol'
import { optionChecks } from '../validate.js'
import { evictOldest } from '../evict.js'
import type { DeviceStatus } from '../verdict.js'
import { asyncOps, withSyncOps, type SyncStoreOps } from './batch.js'
import { addToBuckets, checkCountQuery, checkEventQuery, emptyBuckets, matchesEventQuery } from './query.js'
import {
  checkStoreValue,
  keptForFraud,
  minimizeEvent,
  type DeviceRecord,
  type EventPatch,
  type EventRecord,
  type Store,
  type UserDeviceRecord,
} from './types.js'

/**
 * Options of {@link memoryStore}. The bounds have the same names and meanings in every store
 * that has them (`maxFlags`, `maxCounters`, `maxEntriesPerKey`, `maxDevices`, `maxEvents`,
 * `maxLinks`, `maxValues`); each must be a number ≥ 1 (`KenchiError` `CONFIG_STORE`).
 */
export interface MemoryStoreOptions {
  /** Most counters and distinct sets kept (velocity); the oldest go first. Default 100 000. */
  maxCounters?: number
  /** @deprecated The old name of `maxCounters` (in this store only; in `sqliteStore` it meant `maxFlags`). Still read when `maxCounters` is not given. */
  maxKeys?: number
  /**
   * Most live flags (single-use nonces and `setFlag` keys) kept. A live flag is never
   * evicted (that would let a nonce be used twice): when this many are live, a new one is
   * refused with an error, which `verify()` turns into `STORE_UNAVAILABLE`. Default 200 000.
   */
  maxFlags?: number
  /** Most entries kept in one counter or distinct set; the oldest go first. Default 10 000. */
  maxEntriesPerKey?: number
  /**
   * Most device records kept; the least recently seen go first. A device whose status is
   * `fraud` (only a label makes one) is never evicted for capacity and does not count here,
   * so flooding the store with new keys cannot clear a negative list. Default 100 000.
   */
  maxDevices?: number
  /**
   * Most events kept; the oldest go first. A labelled event is never evicted for capacity
   * and does not count here (labels are the shop's own judgements). Default 10 000.
   */
  maxEvents?: number
  /** Most user–device pairs kept; the least recently used go first. Default 200 000. */
  maxLinks?: number
  /** Most values (`setValue`) kept; the soonest to expire go first. Default 100 000. */
  maxValues?: number
  /**
   * Devices, and user–device pairs, not seen for this long (their `lastSeen`, by this
   * store's clock) are dropped, `fraud` devices included, in ms. Default 400 days, as the
   * SQLite, Redis and PostgreSQL stores.
   */
  deviceRetentionMs?: number
  /** Events are dropped this long after they were recorded (by this store's clock), labelled ones included, in ms. Default 90 days. */
  eventRetentionMs?: number
  /** Clock in Unix ms for TTLs and retention, for tests. */
  now?: () => number
}

const DAY = 86_400_000

/**
 * A private copy of an event: the store must not share objects with its callers (the
 * verifier keeps using the verdict it recorded, the console reads what it listed). Events
 * are JSON-shaped (strings, numbers, arrays, plain objects), so a walk of plain objects and
 * arrays copies them in a fraction of `structuredClone`'s time; anything else (a `Date` in a
 * rule's detail, a value nested deeper than 32) falls back to `structuredClone`.
 */
export function copyEvent(event: EventRecord): EventRecord {
  return copyPlain(event, 0) as EventRecord
}

function copyPlain(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (depth > 32) return structuredClone(value)
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) out[i] = copyPlain(value[i], depth + 1)
    return out
  }
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) return structuredClone(value)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const item = copyPlain((value as Record<string, unknown>)[key], depth + 1)
    // An own `__proto__` (JSON.parse makes them) stays an own property, not a prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true })
    else out[key] = item
  }
  return out
}

/** A device record as the memory store keeps it: frozen, its public key too; a change replaces it. */
type StoredDevice = Readonly<Omit<DeviceRecord, 'publicKey'>> & { readonly publicKey: Readonly<DevicePublicKey> }

/** Freezes a new record for keeping (its public key must be frozen already). */
const stored = (record: StoredDevice): StoredDevice => Object.freeze(record)

/**
 * A kept record as the `Store` methods return it, without a copy: it is frozen, so no
 * caller can change the store through it (the `Store` type says `DeviceRecord`, as every
 * store's copies are).
 */
const handOut = (record: StoredDevice): DeviceRecord => record as DeviceRecord

type Entry = { kind: 'hits'; expiry: number; times: number[] } | { kind: 'distinct'; expiry: number; members: Map<string, number> }

/**
 * A store in this process's memory: the default for tests and a single process. Bounded:
 * expired keys are swept as new ones arrive and the oldest go when a bound is reached.
 * Everything is lost when the process ends; use the SQLite or Redis store to keep it.
 *
 * No timers: expiry is checked on read (an expired key reads as absent at once), and each
 * new key or flag sweeps up to 64 expired ones from the oldest end, so memory stays bounded
 * without a timer per key or per call. Nothing a caller does to what it hands in or gets
 * out changes the store: device records are kept frozen (`Object.freeze`, the public key too,
 * copied from the caller's on first sight) and replaced on every change, so they are handed
 * out as they are, without a copy per call (changing one throws a `TypeError` in strict
 * code, and is ignored otherwise); events and user–device pairs are copies (an event is
 * copied once on `recordEvent` with a plain-object walk, see {@link copyEvent}).
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const check = optionChecks('CONFIG_STORE', 'memoryStore')
  const bound = (name: string, value: number | undefined, fallback: number) => check.number(name, value, { min: 1 }, fallback)
  const maxCounters = bound(options.maxCounters !== undefined ? 'maxCounters' : 'maxKeys', options.maxCounters ?? options.maxKeys, 100_000)
  const maxEntries = bound('maxEntriesPerKey', options.maxEntriesPerKey, 10_000)
  const maxDevices = bound('maxDevices', options.maxDevices, 100_000)
  const maxEvents = bound('maxEvents', options.maxEvents, 10_000)
  const clock = options.now ?? Date.now
  const deviceRetention = check.positiveNumber('deviceRetentionMs', options.deviceRetentionMs, 400 * DAY)
  const eventRetention = check.positiveNumber('eventRetentionMs', options.eventRetentionMs, 90 * DAY)
  const keys = new Map<string, Entry>() // counters and distinct sets, in insertion order
  const maxFlags = bound('maxFlags', options.maxFlags, 200_000)
  const flags = new Map<string, number>() // flag → expiry (Unix ms), in insertion order
  const maxValues = bound('maxValues', options.maxValues, 100_000)
  const values = new Map<string, { value: string; expiry: number }>() // in write order
  const devices = new Map<string, StoredDevice>() // in least-recently-seen order
  const fraudDevices = new Map<string, StoredDevice>() // status `fraud`: outside the capacity bound
  const events = new Map<string, EventRecord>() // in insertion order
  const labelled = new Map<string, EventRecord>() // events with a label: outside the capacity bound
  // Retention runs on this store's clock, like the SQL stores' `touched` and `recorded` columns.
  const recorded = new Map<string, number>() // event id → when it was recorded
  const deviceTouched = new Map<string, number>() // device id → when it was last touched
  const linkTouched = new Map<string, number>() // pair key → when it was last touched
  const deviceRecord = (id: string): DeviceRecord | undefined => {
    const record = devices.get(id) ?? fraudDevices.get(id)
    if (record && (deviceTouched.get(id) ?? 0) <= clock() - deviceRetention) return void dropDevice(id)
    return record && handOut(record)
  }
  const eventRecord = (id: string) => {
    const event = events.get(id) ?? labelled.get(id)
    if (event && (recorded.get(id) ?? event.at) <= clock() - eventRetention) return void dropEvent(id)
    return event
  }
  const dropDevice = (id: string) => {
    deviceTouched.delete(id)
    return devices.delete(id) || fraudDevices.delete(id)
  }
  const dropEvent = (id: string) => {
    recorded.delete(id)
    return events.delete(id) || labelled.delete(id)
  }
  const maxLinks = bound('maxLinks', options.maxLinks, 200_000)
  const links = new Map<string, UserDeviceRecord>() // `${user}\n${device}`, least recently used first
  const byUser = new Map<string, Set<string>>()
  const byDevice = new Map<string, Set<string>>()
  const pairKey = (user: string, device: string) => `${user}\n${device}`

  function index(map: Map<string, Set<string>>, key: string, member: string, add: boolean): void {
    let set = map.get(key)
    if (add) {
      if (!set) map.set(key, (set = new Set()))
      set.add(member)
    } else if (set) {
      set.delete(member)
      if (set.size === 0) map.delete(key)
    }
  }

  function touchLink(user: string, device: string, now: number): { before: UserDeviceRecord | undefined; link: UserDeviceRecord } {
    const key = pairKey(user, device)
    const at = clock()
    if ((linkTouched.get(key) ?? Infinity) <= at - deviceRetention) dropLink(user, device)
    const before = links.get(key)
    const link: UserDeviceRecord = before
      ? { ...before, lastSeen: Math.max(before.lastSeen, now) }
      : { userHash: user, deviceId: device, firstSeen: now, lastSeen: now, trusted: false }
    links.delete(key)
    links.set(key, link)
    linkTouched.set(key, at)
    sweepRetention(at)
    index(byUser, user, device, true)
    index(byDevice, device, user, true)
    evictOldest(links, maxLinks, (_, old) => void dropLink(old.userHash, old.deviceId))
    // `before` left the maps above (replaced by `link`) and was never handed out: no copy needed.
    return { before, link }
  }

  function dropLink(user: string, device: string): boolean {
    index(byUser, user, device, false)
    index(byDevice, device, user, false)
    linkTouched.delete(pairKey(user, device))
    return links.delete(pairKey(user, device))
  }

  /**
   * Drops what is past its retention: at most once a second, from the front of the maps
   * (oldest first) until a live entry, and a full pass over the few `fraud` devices and
   * labelled events, which sit outside the capacity order.
   */
  let lastSweep = -Infinity
  function sweepRetention(at: number): void {
    if (at - lastSweep < 1000) return
    lastSweep = at
    const devicesBefore = at - deviceRetention
    const eventsBefore = at - eventRetention
    const stale = (id: string) => (deviceTouched.get(id) ?? 0) <= devicesBefore
    for (const id of devices.keys()) {
      if (!stale(id)) break
      dropDevice(id)
    }
    for (const id of fraudDevices.keys()) if (stale(id)) dropDevice(id)
    for (const [key, link] of links) {
      if ((linkTouched.get(key) ?? 0) > devicesBefore) break
      dropLink(link.userHash, link.deviceId)
    }
    for (const [id, when] of recorded) {
      if (when > eventsBefore) break
      dropEvent(id)
    }
  }

  function recordsOf(map: Map<string, Set<string>>, key: string, limit: number, userSide: boolean): UserDeviceRecord[] {
    const out: UserDeviceRecord[] = []
    const from = clock() - deviceRetention
    let expired: string[] | undefined // dropped after the walk, which must not change the set it walks
    for (const other of map.get(key) ?? []) {
      const pair = userSide ? pairKey(key, other) : pairKey(other, key)
      const link = links.get(pair)
      if (link && (linkTouched.get(pair) ?? 0) <= from) (expired ??= []).push(other)
      else if (link) out.push({ ...link }) // a copy: the caller may change what it gets
    }
    for (const other of expired ?? []) {
      if (userSide) dropLink(key, other)
      else dropLink(other, key)
    }
    if (out.length > 1) out.sort((a, b) => b.lastSeen - a.lastSeen)
    if (!(out.length <= limit)) out.length = limit > 0 ? Math.floor(limit) : 0 // as slice(0, max(0, limit)), NaN included
    return out
  }

  /** The live entry for a key, dropping it if expired. */
  function live(key: string, at: number): Entry | undefined {
    const entry = keys.get(key)
    if (entry !== undefined && entry.expiry <= at) {
      keys.delete(key)
      return undefined
    }
    return entry
  }

  function insert(key: string, entry: Entry, at: number): void {
    // Insertion order is not expiry order, so sweep a bounded slice from the front each time.
    let budget = 64
    for (const [k, e] of keys) {
      if (budget-- === 0) break
      if (e.expiry <= at) keys.delete(k)
    }
    evictOldest(keys, maxCounters - 1)
    keys.set(key, entry)
  }

  function liveFlag(key: string, at: number): boolean {
    const expiry = flags.get(key)
    if (expiry === undefined) return false
    if (expiry > at) return true
    flags.delete(key)
    return false
  }

  function putFlag(key: string, expiry: number, at: number): void {
    let budget = 64
    for (const [k, e] of flags) {
      if (budget-- === 0) break
      if (e <= at) flags.delete(k)
    }
    if (flags.size >= maxFlags) for (const [k, e] of flags) if (e <= at) flags.delete(k)
    if (flags.size >= maxFlags && !flags.has(key)) throw new Error(`memory store: ${maxFlags} live flags, refusing another`)
    flags.delete(key)
    flags.set(key, expiry)
  }

  // The batchable methods, synchronous: each Store method resolves one, and a batch runs them in one turn.
  const ops: SyncStoreOps = {
    setIfAbsent(key, ttlMs) {
      const at = clock()
      if (liveFlag(key, at)) return false
      putFlag(key, at + Math.max(1, ttlMs), at)
      return true
    },

    hit(key, windowMs, now) {
      const at = clock()
      let entry = live(key, at)
      if (entry?.kind !== 'hits') {
        entry = { kind: 'hits', expiry: 0, times: [] }
        insert(key, entry, at)
      }
      const times = entry.times
      // Keep times sorted even if a caller's clock steps back.
      let i = times.length
      while (i > 0 && times[i - 1]! > now) i--
      times.splice(i, 0, now)
      const from = now - windowMs
      let drop = 0
      while (drop < times.length && times[drop]! <= from) drop++
      if (times.length - drop > maxEntries) drop = times.length - maxEntries
      if (drop > 0) times.splice(0, drop)
      entry.expiry = Math.max(entry.expiry, at + windowMs)
      let count = 0
      for (const t of times) if (t > from && t <= now) count++
      return count
    },

    addDistinct(key, member, windowMs, now) {
      const at = clock()
      let entry = live(key, at)
      if (entry?.kind !== 'distinct') {
        entry = { kind: 'distinct', expiry: 0, members: new Map() }
        insert(key, entry, at)
      }
      const members = entry.members
      const from = now - windowMs
      // A member keeps its latest time, also when a sighting arrives out of order.
      const latest = Math.max(now, members.get(member) ?? now)
      members.delete(member)
      members.set(member, latest)
      for (const [m, seen] of members) if (seen <= from) members.delete(m)
      while (members.size > maxEntries) members.delete(members.keys().next().value as string)
      entry.expiry = Math.max(entry.expiry, at + windowMs)
      // This member counts even if another caller saw it later than `now`.
      let count = latest > now ? 1 : 0
      for (const seen of members.values()) if (seen > from && seen <= now) count++
      return count
    },

    touchDevice(id: string, publicKey: DevicePublicKey, at: number) {
      const before = deviceRecord(id)
      // Stored records are frozen, their key too (a copy of the caller's): a change replaces
      // the record, so the stored one is handed out as it is, no copy per call.
      const after = stored(
        before
          ? { ...before, lastSeen: Math.max(before.lastSeen, at) }
          : { id, publicKey: Object.freeze({ ...publicKey }), status: 'waiting', firstSeen: at, lastSeen: at },
      )
      const now = clock()
      deviceTouched.set(id, now)
      sweepRetention(now)
      if (after.status === 'fraud') fraudDevices.set(id, after)
      else {
        devices.delete(id)
        devices.set(id, after)
        evictOldest(devices, maxDevices, (id) => void deviceTouched.delete(id))
      }
      return { before, after: handOut(after) }
    },

    getDevice(id) {
      return deviceRecord(id)
    },

    has(key) {
      return liveFlag(key, clock())
    },

    setFlag(key, ttlMs) {
      const at = clock()
      putFlag(key, at + Math.max(1, ttlMs), at)
    },

    getValue(key) {
      const entry = values.get(key)
      if (entry === undefined) return undefined
      if (entry.expiry > clock()) return entry.value
      values.delete(key)
      return undefined
    },

    setValue(key, value, ttlMs) {
      checkStoreValue(value)
      const at = clock()
      let budget = 64
      for (const [k, e] of values) {
        if (budget-- === 0) break
        if (e.expiry <= at) values.delete(k)
      }
      values.delete(key)
      values.set(key, { value, expiry: at + Math.max(1, ttlMs) })
      if (values.size > maxValues) {
        // Over the bound: the one closest to expiry goes (a full scan, only when full).
        let soonest: string | undefined
        let when = Infinity
        for (const [k, e] of values) if (e.expiry < when) [soonest, when] = [k, e.expiry]
        values.delete(soonest!)
      }
    },

    countHits(key, windowMs, now) {
      const entry = live(key, clock())
      if (entry?.kind !== 'hits') return 0
      let count = 0
      for (const t of entry.times) if (t > now - windowMs && t <= now) count++
      return count
    },

    linkUserDevice(user, device, now) {
      const userSeen = byUser.has(user)
      const { before, link } = touchLink(user, device, now)
      let trustedDevices = 0
      for (const d of byUser.get(user) ?? []) if (links.get(pairKey(user, d))?.trusted) trustedDevices++
      return {
        userSeen,
        deviceSeen: before !== undefined,
        trusted: link.trusted,
        trustedDevices,
        deviceUsers: byDevice.get(device)?.size ?? 1,
        firstSeen: link.firstSeen,
      }
    },

    trustUserDevice(user, device, now) {
      touchLink(user, device, now).link.trusted = true
    },

    listUserDevices(user, limit = 100) {
      return recordsOf(byUser, user, limit, true)
    },

    listDeviceUsers(device, limit = 100) {
      return recordsOf(byDevice, device, limit, false)
    },

    setDeviceStatus(id: string, status: DeviceStatus) {
      const record = deviceRecord(id)
      if (!record) return undefined
      const next = stored({ ...record, status })
      // Fraud records leave the capacity-bounded map; a cleared one comes back as most recent.
      if (status === 'fraud') {
        devices.delete(id)
        fraudDevices.set(id, next)
      } else if (fraudDevices.delete(id)) devices.set(id, next)
      else devices.set(id, next) // replaced in place: keeps its recency
      return handOut(next)
    },
  }

  // No batch(): runBatch runs a batch on `ops` directly (withSyncOps), in one synchronous
  // pass, unless a test or wrapper replaced one of the methods it names: then that one sees
  // every call.
  const store: Store = {
    ...asyncOps(ops),

    async deleteKey(key) {
      keys.delete(key)
      flags.delete(key)
      values.delete(key)
    },

    async recordEvent(event) {
      const at = clock()
      sweepRetention(at)
      if (eventRecord(event.id)) return
      const copy = copyEvent(event)
      recorded.set(copy.id, at)
      if (copy.label) labelled.set(copy.id, copy)
      else events.set(copy.id, copy)
      evictOldest(events, maxEvents, (id) => void recorded.delete(id))
    },

    async getEvent(id) {
      const event = eventRecord(id)
      return event && copyEvent(event)
    },

    async updateEvent(id: string, patch: EventPatch) {
      const event = eventRecord(id)
      if (!event) return undefined
      if (patch.outcome) (event.outcomes ??= []).push({ ...patch.outcome })
      if (patch.label) {
        event.label = { ...patch.label }
        if (events.delete(id)) labelled.set(id, event)
      }
      return copyEvent(event)
    },

    async listEvents({ limit = 100, before } = {}) {
      const out: EventRecord[] = []
      if (limit <= 0) return out
      // Newest by `at` (stable: equal times keep their recording order).
      const from = clock() - eventRetention
      const all = [...events.values(), ...labelled.values()].filter((e) => (recorded.get(e.id) ?? e.at) > from).sort((a, b) => a.at - b.at)
      for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
        const event = all[i]!
        if (before === undefined || event.at < before) out.push(copyEvent(event))
      }
      return out
    },

    async listUserEvents(user, limit = 10_000) {
      const from = clock() - eventRetention
      return [...events.values(), ...labelled.values()]
        .filter((e) => (e.userHash === user || e.loginHash === user) && (recorded.get(e.id) ?? e.at) > from)
        .sort((a, b) => b.at - a.at)
        .slice(0, Math.max(0, Math.floor(limit)))
        .map((e) => copyEvent(e))
    },

    async eraseUserEvents(user, { keepFraud } = {}) {
      const result = { deleted: 0, minimized: 0 }
      for (const map of [events, labelled]) {
        for (const [id, event] of map) {
          if (event.userHash !== user && event.loginHash !== user) continue
          if (keptForFraud(event, keepFraud)) {
            map.set(id, minimizeEvent(event))
            result.minimized++
          } else {
            dropEvent(id)
            result.deleted++
          }
        }
      }
      return result
    },

    async unlinkUser(user) {
      const removed = recordsOf(byUser, user, Infinity, true)
      for (const link of removed) dropLink(user, link.deviceId)
      return removed
    },

    async deleteDevice(id) {
      return dropDevice(id)
    },

    async queryEvents(query) {
      const limit = checkEventQuery(query)
      const out: EventRecord[] = []
      if (limit === 0) return out
      const all = [...events.values(), ...labelled.values()].sort((a, b) => a.at - b.at)
      for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
        if (matchesEventQuery(all[i]!, query)) out.push(copyEvent(all[i]!))
      }
      return out
    },

    async countEvents(query) {
      const { first, buckets: n } = checkCountQuery(query)
      const buckets = emptyBuckets(first, n, query.bucketMs)
      for (const event of [...events.values(), ...labelled.values()]) addToBuckets(buckets, query.bucketMs, event.at, event.decision)
      return buckets
    },

    async close() {
      keys.clear()
      flags.clear()
      values.clear()
      devices.clear()
      fraudDevices.clear()
      events.clear()
      labelled.clear()
      recorded.clear()
      deviceTouched.clear()
      linkTouched.clear()
      links.clear()
      byUser.clear()
      byDevice.clear()
    },
  }
  return withSyncOps(store, ops)
}
