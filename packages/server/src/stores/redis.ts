import type { DevicePublicKey } from '@kenchi/protocol'
import type { Cluster, Redis, RedisOptions } from 'ioredis'
import { createRequire } from 'node:module'
import { KenchiError } from '../errors.js'
import { optionChecks } from '../validate.js'
import type { DeviceStatus } from '../verdict.js'
import { GateClosed, type BatchingStore, type BatchOptions, type OpAnswer, type StoreOp } from './batch.js'
import { scanCounts, scanQuery } from './query.js'
import {
  checkStoreValue,
  keptForFraud,
  minimizeEvent,
  type DeviceRecord,
  type EventPatch,
  type EventRecord,
  type Store,
  type UserDeviceLink,
  type UserDeviceRecord,
} from './types.js'

const DAY = 86_400_000

/**
 * The part of an ioredis client (`Redis` or `Cluster`) these types name. Structural on
 * purpose: an app that never uses the Redis store compiles without ioredis installed, even
 * with `skipLibCheck: false`. Pass a real ioredis client; nothing else is supported.
 */
export interface RedisClientLike {
  readonly status: string
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void
  on(event: string, listener: (...args: any[]) => void): unknown
}

/**
 * Options of {@link redisStore}. Give either `client` or `url` (default `redis://127.0.0.1:6379`).
 * `timeoutMs`, `maxEntriesPerKey`, `maxEvents`, `deviceRetentionMs` and `eventRetentionMs`
 * mean what they mean in the other stores.
 */
export interface RedisStoreOptions {
  /**
   * An ioredis client (`Redis` or `Cluster`) the app already has. The store uses it but does
   * not own it: `close()` leaves it connected, and its own options (offline queue,
   * reconnects) stay as the app set them; the store still bounds every call by `timeoutMs`.
   */
  client?: RedisClientLike
  /**
   * Where to connect when no `client` is given, e.g. `redis://:secret@10.0.0.5:6379/0` or
   * `rediss://…` for TLS. The store then owns the client: it is created with
   * `enableOfflineQueue: false` (calls reject at once while disconnected), reconnects
   * automatically, and is quit by `close()`.
   */
  url?: string
  /** Extra ioredis options (`RedisOptions`) for the client the store creates from `url`. */
  redisOptions?: { [option: string]: any }
  /** Prepended to every key. Must not contain `{` or `}` (hash tags are the store's). Default `kenchi:`. */
  prefix?: string
  /** Longest a store call may take before it rejects, in ms, whatever Redis is doing (the same option as `postgresStore`'s). Default 500. */
  timeoutMs?: number
  /** @deprecated The old name of `timeoutMs`; still read when `timeoutMs` is not given. */
  commandTimeout?: number
  /**
   * How long `redisStore()` waits for the connection to be ready before it resolves anyway,
   * in ms. If Redis is down at startup the store still resolves (calls reject until it
   * connects, and the verifier answers under `onStoreError`), so an outage never stops the app
   * from starting. Default 3000.
   */
  readyTimeout?: number
  /** A device record, and a user's or a device's user–device pairs, are deleted when not seen for this long, in ms. Default 400 days. */
  deviceRetentionMs?: number
  /** An event is deleted this long after it was recorded, in ms. Default 90 days. */
  eventRetentionMs?: number
  /** Most events kept in the time index `listEvents` reads; the oldest go first. Default 100 000. */
  maxEvents?: number
  /** Most entries kept in one counter, distinct set, or one user's or device's pairs; the oldest go first. Default 10 000. */
  maxEntriesPerKey?: number
  /** Called with connection errors of a client the store created (ioredis `error` events). Default: ignored. */
  onError?: (error: Error) => void
}

// Every script touches only the keys it is given, so it runs unchanged on Redis Cluster.

/** KEYS[1] sorted set. ARGV: now, windowMs, unique member, maxEntries. Adds a hit, trims, counts (now - window, now]. */
const HIT = `
local key, now, win = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZADD', key, now, ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
local n = redis.call('ZCARD', key)
local max = tonumber(ARGV[4])
if n > max then redis.call('ZREMRANGEBYRANK', key, 0, n - max - 1) end
if redis.call('PTTL', key) < win then redis.call('PEXPIRE', key, win) end
return redis.call('ZCOUNT', key, '(' .. (now - win), now)
`

/**
 * KEYS[1] sorted set. ARGV: now, windowMs, member, maxEntries. A member keeps its latest
 * time; it counts itself even when another caller saw it later than `now`.
 */
const DISTINCT = `
local key, now, win = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local seen = redis.call('ZSCORE', key, ARGV[3])
local later = 0
if not seen or tonumber(seen) < now then redis.call('ZADD', key, now, ARGV[3])
elseif tonumber(seen) > now then later = 1 end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
local n = redis.call('ZCARD', key)
local max = tonumber(ARGV[4])
if n > max then redis.call('ZREMRANGEBYRANK', key, 0, n - max - 1) end
if redis.call('PTTL', key) < win then redis.call('PEXPIRE', key, win) end
return redis.call('ZCOUNT', key, '(' .. (now - win), now) + later
`

/** KEYS[1] device hash. ARGV: publicKey JSON, now, retentionMs. Returns the fields before (empty on first sight). */
const TOUCH_DEVICE = `
local key, now = KEYS[1], tonumber(ARGV[2])
local before = redis.call('HGETALL', key)
if #before == 0 then
  redis.call('HSET', key, 'k', ARGV[1], 's', 'waiting', 'f', ARGV[2], 'l', ARGV[2])
else
  local last = tonumber(redis.call('HGET', key, 'l'))
  if last == nil or now > last then redis.call('HSET', key, 'l', ARGV[2]) end
end
redis.call('PEXPIRE', key, ARGV[3])
return before
`

/** KEYS[1] device hash. ARGV: status. Returns the fields after, or empty for an unknown device. */
const SET_DEVICE_STATUS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
redis.call('HSET', KEYS[1], 's', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`

/**
 * KEYS[1] event hash, KEYS[2] time index, KEYS[3] and KEYS[4] the per-user indexes of its
 * user and login hashes (all the same hash tag). ARGV: id, at, body JSON, retentionMs,
 * maxEvents, how many of KEYS[3..4] to use (0–2). Keeps the first record of an id. The
 * per-user indexes (for privacy requests) are bounded by retention only, so an erasure
 * finds every event still held.
 */
const RECORD_EVENT = `
if redis.call('HSETNX', KEYS[1], 'b', ARGV[3]) == 0 then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local at = tonumber(ARGV[2])
local from = '(' .. (at - tonumber(ARGV[4]))
redis.call('ZADD', KEYS[2], at, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', from)
local n = redis.call('ZCARD', KEYS[2])
local max = tonumber(ARGV[5])
if n > max then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - max - 1) end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
for i = 3, 2 + tonumber(ARGV[6]) do
  redis.call('ZADD', KEYS[i], at, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', from)
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[4]) then redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
end
return 1
`

/**
 * KEYS[1] event hash. ARGV: minimized body JSON, label JSON. Replaces the event's fields
 * (body, outcomes, label) with the minimized ones, keeping its time to live.
 */
const REPLACE_EVENT = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'b', ARGV[1], 'l', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`

/**
 * KEYS[1] event hash. ARGV: outcome JSON or '', label JSON or ''. Outcomes are appended as
 * numbered fields, the label replaces field 'l'; the JSON body is never parsed in Lua.
 */
const UPDATE_EVENT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
if ARGV[1] ~= '' then
  local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
  redis.call('HSET', KEYS[1], 'o' .. n, ARGV[1])
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'l', ARGV[2]) end
return redis.call('HGETALL', KEYS[1])
`

/**
 * KEYS[1] a user's pairs: hash device → "firstSeen:lastSeen:trusted". ARGV: device, now,
 * retentionMs, trust ('1' or '0'), maxEntries. Returns { userSeen, deviceSeen, trusted,
 * trustedDevices, firstSeen } as strings. The pair lives in one hash, so this is atomic per pair.
 */
const LINK_USER = `
local key, dev, now = KEYS[1], ARGV[1], tonumber(ARGV[2])
local userSeen = redis.call('EXISTS', key)
local cur = redis.call('HGET', key, dev)
local first, last, trusted, seen = ARGV[2], ARGV[2], '0', 0
if cur then
  seen = 1
  local f, l, t = string.match(cur, '^([^:]+):([^:]+):([01])$')
  first, trusted = f, t
  if tonumber(l) > now then last = l end
end
if ARGV[4] == '1' then trusted = '1' end
redis.call('HSET', key, dev, first .. ':' .. last .. ':' .. trusted)
local all = redis.call('HGETALL', key)
local max = tonumber(ARGV[5])
if #all / 2 > max then
  local oldest, oldestLast = nil, nil
  for i = 1, #all, 2 do
    local l = tonumber(string.match(all[i + 1], '^[^:]+:([^:]+):'))
    if all[i] ~= dev and (oldestLast == nil or l < oldestLast) then oldest, oldestLast = all[i], l end
  end
  if oldest then redis.call('HDEL', key, oldest) end
end
redis.call('PEXPIRE', key, ARGV[3])
local count = 0
for i = 2, #all, 2 do if string.sub(all[i], -1) == '1' then count = count + 1 end end
return { tostring(userSeen), tostring(seen), trusted, tostring(count), first }
`

/** KEYS[1] a device's users: sorted set user → lastSeen. ARGV: user, now, retentionMs, maxEntries. Returns the user count. */
const LINK_DEVICE = `
local key, now = KEYS[1], tonumber(ARGV[2])
local seen = redis.call('ZSCORE', key, ARGV[1])
if not seen or tonumber(seen) < now then redis.call('ZADD', key, now, ARGV[1]) end
local n = redis.call('ZCARD', key)
local max = tonumber(ARGV[4])
if n > max then redis.call('ZREMRANGEBYRANK', key, 0, n - max - 1) end
redis.call('PEXPIRE', key, ARGV[3])
return redis.call('ZCARD', key)
`

type Scripted = {
  kenchiLinkUser(key: string, device: string, now: number, retention: number, trust: string, max: number): Promise<string[]>
  kenchiLinkDevice(key: string, user: string, now: number, retention: number, max: number): Promise<number>
  kenchiHit(key: string, now: number, windowMs: number, member: string, max: number): Promise<number>
  kenchiDistinct(key: string, now: number, windowMs: number, member: string, max: number): Promise<number>
  kenchiTouchDevice(key: string, publicKey: string, now: number, retention: number): Promise<string[]>
  kenchiSetDeviceStatus(key: string, status: string): Promise<string[]>
  kenchiRecordEvent(
    key: string,
    index: string,
    user: string,
    login: string,
    id: string,
    at: number,
    body: string,
    retention: number,
    max: number,
    users: number,
  ): Promise<number>
  kenchiReplaceEvent(key: string, body: string, label: string): Promise<number>
  kenchiUpdateEvent(key: string, outcome: string, label: string): Promise<string[]>
  kenchiBatch(keys: number, ...keysThenArgs: Array<string | number>): Promise<Array<[1, unknown] | [0, string]>>
}

/** A script body as a Lua function of (KEYS, ARGV): the single-operation script and the batch script share it. */
const luaFunction = (name: string, body: string) => `local function ${name}(KEYS, ARGV)\n${body}\nend\n`
/** The single-operation script of a body: its function, called with the script's own KEYS and ARGV. */
const single = (name: string, body: string) => `${luaFunction(name, body)}return ${name}(KEYS, ARGV)\n`

/**
 * The batch script (`kenchiBatch`, with its number of keys first): one part per key, in
 * order. ARGV[1] is '1' when the first part is a gate; then per part its code, its number
 * of arguments and the arguments. Each part runs under pcall and answers {1, reply} or
 * {0, error message}; after a gate that did not open (a `SET NX` that set nothing, an
 * `EXISTS` of 0, or an error) nothing else runs. The read-modify-writes are the very
 * functions of the single-operation scripts.
 */
const BATCH = `
${luaFunction('hit', HIT)}
${luaFunction('distinct', DISTINCT)}
${luaFunction('touch_device', TOUCH_DEVICE)}
${luaFunction('set_device_status', SET_DEVICE_STATUS)}
${luaFunction('link_user', LINK_USER)}
${luaFunction('link_device', LINK_DEVICE)}
${luaFunction('record_event', RECORD_EVENT)}
local parts = {
  nx = function(k, a) return redis.call('SET', k, '1', 'PX', a[1], 'NX') end,
  has = function(k) return redis.call('EXISTS', k) end,
  flag = function(k, a) return redis.call('SET', k, '1', 'PX', a[1]) end,
  get = function(k) return redis.call('GET', k) end,
  set = function(k, a) return redis.call('SET', k, a[1], 'PX', a[2]) end,
  count = function(k, a) return redis.call('ZCOUNT', k, a[1], a[2]) end,
  hgetall = function(k) return redis.call('HGETALL', k) end,
  zrev = function(k, a) return redis.call('ZREVRANGE', k, 0, a[1]) end,
  hit = function(k, a) return hit({ k }, a) end,
  distinct = function(k, a) return distinct({ k }, a) end,
  touch = function(k, a) return touch_device({ k }, a) end,
  status = function(k, a) return set_device_status({ k }, a) end,
  luser = function(k, a) return link_user({ k }, a) end,
  ldev = function(k, a) return link_device({ k }, a) end,
  -- The event's three index keys are arguments: they share the event key's hash tag ({ev}),
  -- so they are in the part's slot on a Redis Cluster too.
  ev = function(k, a) return record_event({ k, a[1], a[2], a[3] }, { a[4], a[5], a[6], a[7], a[8], a[9] }) end,
}
local gate, out, at = ARGV[1] == '1', {}, 2
for i = 1, #KEYS do
  local code, n = ARGV[at], tonumber(ARGV[at + 1])
  local args = {}
  for j = 1, n do args[j] = ARGV[at + 1 + j] end
  at = at + 2 + n
  local run = parts[code]
  local ok, r = false, 'kenchiBatch: unknown part ' .. tostring(code)
  if run then ok, r = pcall(run, KEYS[i], args) end
  if ok then out[i] = { 1, r } else out[i] = { 0, type(r) == 'table' and r.err or tostring(r) } end
  if gate and i == 1 and not (ok and ((code == 'nx' and r) or (code == 'has' and r == 1))) then break end
end
return out
`

const SCRIPTS: Record<keyof Scripted, { keys?: number; lua: string }> = {
  kenchiHit: { keys: 1, lua: single('hit', HIT) },
  kenchiDistinct: { keys: 1, lua: single('distinct', DISTINCT) },
  kenchiTouchDevice: { keys: 1, lua: single('touch_device', TOUCH_DEVICE) },
  kenchiSetDeviceStatus: { keys: 1, lua: single('set_device_status', SET_DEVICE_STATUS) },
  kenchiRecordEvent: { keys: 4, lua: RECORD_EVENT },
  kenchiReplaceEvent: { keys: 1, lua: REPLACE_EVENT },
  kenchiUpdateEvent: { keys: 1, lua: UPDATE_EVENT },
  kenchiLinkUser: { keys: 1, lua: single('link_user', LINK_USER) },
  kenchiLinkDevice: { keys: 1, lua: single('link_device', LINK_DEVICE) },
  // No fixed number of keys: the first argument is it.
  kenchiBatch: { lua: BATCH },
}

/**
 * A store in Redis through `ioredis` (an optional peer dependency, loaded only when this is
 * called): for several app servers sharing one state. Every read-modify-write is one Lua
 * script (sent by EVALSHA, falling back to EVAL once when Redis lacks it) or one atomic
 * command; every key carries a TTL; key names are safe for Redis Cluster (see
 * docs/server.md, "Redis key layout").
 *
 * Never hangs: each call rejects after `timeoutMs`, and a client the store creates
 * rejects at once while disconnected and reconnects by itself, so `verify()` answers under
 * its `onStoreError` policy during an outage and recovers when Redis returns. Waits at
 * most `readyTimeout` for the connection. Throws `KenchiError` (`CONFIG_STORE`) for bad
 * options or a missing `ioredis`.
 */
export async function redisStore(options: RedisStoreOptions = {}): Promise<Store> {
  const prefix = options.prefix ?? 'kenchi:'
  if (typeof prefix !== 'string' || /[{}]/.test(prefix)) {
    throw new KenchiError('CONFIG_STORE', 'redisStore: prefix, a string without { or }')
  }
  const check = optionChecks('CONFIG_STORE', 'redisStore')
  const timeout = check.positiveNumber(
    options.timeoutMs !== undefined ? 'timeoutMs' : 'commandTimeout',
    options.timeoutMs ?? options.commandTimeout,
    500,
  )
  const readyTimeout = check.nonNegative('readyTimeout', options.readyTimeout ?? 3000)
  const deviceRetention = Math.ceil(check.positiveNumber('deviceRetentionMs', options.deviceRetentionMs ?? 400 * DAY))
  const eventRetention = Math.ceil(check.positiveNumber('eventRetentionMs', options.eventRetentionMs ?? 90 * DAY))
  const maxEvents = Math.floor(check.positiveNumber('maxEvents', options.maxEvents ?? 100_000))
  const maxEntries = Math.floor(check.positiveNumber('maxEntriesPerKey', options.maxEntriesPerKey ?? 10_000))
  if (options.client !== undefined && options.url !== undefined) {
    throw new KenchiError('CONFIG_STORE', 'redisStore: give client or url, not both')
  }

  let client: Redis | Cluster
  const owned = options.client === undefined
  if (options.client !== undefined) {
    client = options.client as unknown as Redis | Cluster
  } else {
    let IORedis: typeof import('ioredis').Redis
    try {
      IORedis = (await import('ioredis')).Redis
    } catch (error) {
      throw new KenchiError('CONFIG_STORE', `redisStore needs the ioredis package (npm install ioredis): ${String(error)}`)
    }
    const settings: RedisOptions = {
      commandTimeout: timeout,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      ...(options.redisOptions as RedisOptions | undefined),
    }
    client = options.url === undefined ? new IORedis(settings) : new IORedis(options.url, settings)
    const onError = options.onError
    client.on('error', (error: Error) => onError?.(error))
  }
  for (const [name, { keys, lua }] of Object.entries(SCRIPTS)) {
    if (!(name in client)) client.defineCommand(name, keys === undefined ? { lua } : { numberOfKeys: keys, lua })
  }
  const redis = client as (Redis | Cluster) & Scripted
  await whenReady(client, readyTimeout)

  // Key layout. Single-key operations hash anywhere; the two event keys share one hash tag.
  const flagKey = (key: string) => `${prefix}k:${key}`
  const hitKey = (key: string) => `${prefix}h:${key}`
  const distinctKey = (key: string) => `${prefix}d:${key}`
  const valueKey = (key: string) => `${prefix}v:${key}`
  const deviceKey = (id: string) => `${prefix}dev:${id}`
  const eventKey = (id: string) => `${prefix}{ev}:e:${id}`
  const eventIndex = `${prefix}{ev}:by-time`
  const userEventIndex = (user: string) => `${prefix}{ev}:u:${user}`
  const userLinksKey = (user: string) => `${prefix}ud:u:${user}`
  const deviceLinksKey = (device: string) => `${prefix}ud:d:${device}`

  // Hit members must be unique across every process sharing the Redis.
  const instance = crypto.randomUUID()
  let sequence = 0
  let closed = false

  /** Runs one Redis call, rejecting after `timeout` ms or once the store is closed. */
  function call<T>(run: () => Promise<T>): Promise<T> {
    if (closed) return Promise.reject(new Error('redisStore: closed'))
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redisStore: no answer within ${timeout} ms`)), timeout)
      run().then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  async function listEvents({ limit = 100, before }: { limit?: number; before?: number } = {}): Promise<EventRecord[]> {
    if (!(limit > 0)) return []
    const want = Math.floor(limit)
    const out: EventRecord[] = []
    const max = before === undefined ? '+inf' : `(${before}`
    let offset = 0
    // Index entries can outlive their event (expired or evicted): skip those and read on.
    for (let round = 0; round < 10 && out.length < want; round++) {
      const batch = want - out.length
      const ids = await call(() => redis.zrevrangebyscore(eventIndex, max, '-inf', 'LIMIT', offset, batch))
      if (ids.length === 0) break
      const events = await call(() => readEvents(ids))
      const dangling = ids.filter((_, i) => events[i] === undefined)
      for (const event of events) if (event) out.push(event)
      if (dangling.length > 0) await call(() => redis.zrem(eventIndex, ...dangling))
      offset += ids.length - dangling.length
      if (ids.length < batch) break
    }
    return out
  }

  async function readEvents(ids: string[]): Promise<Array<EventRecord | undefined>> {
    if (ids.length === 0) return []
    // One pipeline of HGETALLs: all keys share the {ev} hash tag, so one node serves them.
    const pipeline = redis.pipeline()
    for (const id of ids) pipeline.hgetall(eventKey(id))
    const results = (await pipeline.exec()) ?? []
    return results.map(([error, fields]) => {
      if (error) throw error
      return eventFrom(fields as Record<string, string>)
    })
  }

  // Decoders: what a command or script answered, as the Store method's value. The single
  // calls and the batch both read their replies through these.
  const ttlOf = (ms: number) => Math.max(1, Math.ceil(ms))
  const won = (reply: unknown) => reply === 'OK'
  const touched = (id: string, publicKey: DevicePublicKey, now: number, fields: Record<string, string>) => {
    const before = deviceFrom(id, fields)
    const after: DeviceRecord = before
      ? { ...before, publicKey: structuredClone(before.publicKey), lastSeen: Math.max(before.lastSeen, now) }
      : { id, publicKey: structuredClone(publicKey), status: 'waiting', firstSeen: now, lastSeen: now }
    return { before, after }
  }
  const linked = ([userSeen, deviceSeen, trusted, trustedDevices, firstSeen]: string[], deviceUsers: unknown): UserDeviceLink => ({
    userSeen: userSeen === '1',
    deviceSeen: deviceSeen === '1',
    trusted: trusted === '1',
    trustedDevices: Number(trustedDevices),
    deviceUsers: Number(deviceUsers),
    firstSeen: Number(firstSeen),
  })
  const userDevices = (user: string, fields: Record<string, string>, limit: number) => {
    const records: UserDeviceRecord[] = []
    for (const [device, value] of Object.entries(fields)) {
      const record = linkFrom(user, device, value)
      if (record) records.push(record)
    }
    return records.sort((a, b) => b.lastSeen - a.lastSeen).slice(0, Math.max(0, Math.floor(limit)))
  }
  /** The device's users (newest first, from its set) with their pairs, read from each user's hash. */
  async function deviceUsers(device: string, users: string[]): Promise<UserDeviceRecord[]> {
    // One read per user: each user's hash may live in another cluster slot.
    const values = await call(() => Promise.all(users.map((user) => redis.hget(userLinksKey(user), device))))
    const records: UserDeviceRecord[] = []
    users.forEach((user, i) => {
      const record = values[i] == null ? undefined : linkFrom(user, device, values[i]!)
      if (record) records.push(record)
    })
    return records.sort((a, b) => b.lastSeen - a.lastSeen)
  }
  const nextMember = (now: number) => `${now}:${instance}:${(sequence = (sequence + 1) % Number.MAX_SAFE_INTEGER)}`

  /** The keys and arguments of `kenchiRecordEvent` (and of the batch script's `ev` part) for one event. */
  function recordEventArgs(event: EventRecord): Parameters<Scripted['kenchiRecordEvent']> {
    const at = Number(event.at)
    const users = [...new Set([event.userHash, event.loginHash].filter((u): u is string => typeof u === 'string'))]
    const [user = '', login = ''] = users.map(userEventIndex)
    return [
      eventKey(event.id),
      eventIndex,
      user || eventIndex,
      login || eventIndex,
      event.id,
      at,
      JSON.stringify(event),
      eventRetention,
      maxEvents,
      users.length,
    ]
  }

  /** An operation of a batch as parts of the batch script (one key each), and how their replies make its value. */
  function plan(op: StoreOp): { parts: BatchPart[]; finish(replies: unknown[]): unknown } {
    const one = (code: string, key: string, args: Array<string | number>, finish: (reply: unknown) => unknown) => ({
      parts: [{ code, key, args }],
      finish: ([reply]: unknown[]) => finish(reply),
    })
    switch (op.op) {
      case 'setIfAbsent':
        return one('nx', flagKey(op.key), [ttlOf(op.ttlMs)], won)
      case 'has':
        return one('has', flagKey(op.key), [], (reply) => reply === 1)
      case 'setFlag':
        return one('flag', flagKey(op.key), [ttlOf(op.ttlMs)], () => undefined)
      case 'getValue':
        return one('get', valueKey(op.key), [], (reply) => (reply as string | null) ?? undefined)
      case 'setValue':
        checkStoreValue(op.value)
        return one('set', valueKey(op.key), [op.value, ttlOf(op.ttlMs)], () => undefined)
      case 'hit':
        return one('hit', hitKey(op.key), [op.now, ttlOf(op.windowMs), nextMember(op.now), maxEntries], Number)
      case 'countHits':
        return one('count', hitKey(op.key), [`(${op.now - op.windowMs}`, op.now], Number)
      case 'addDistinct':
        return one('distinct', distinctKey(op.key), [op.now, ttlOf(op.windowMs), op.member, maxEntries], Number)
      case 'touchDevice': {
        const { id, publicKey, now } = op
        return one('touch', deviceKey(id), [JSON.stringify(publicKey), now, deviceRetention], (reply) =>
          touched(id, publicKey, now, pairs(reply as string[])),
        )
      }
      case 'getDevice':
        return one('hgetall', deviceKey(op.id), [], (reply) => deviceFrom(op.id, pairs(reply as string[])))
      case 'setDeviceStatus':
        return one('status', deviceKey(op.id), [op.status], (reply) => deviceFrom(op.id, pairs(reply as string[])))
      case 'linkUserDevice':
      case 'trustUserDevice': {
        const trust = op.op === 'trustUserDevice'
        return {
          parts: [
            { code: 'luser', key: userLinksKey(op.userHash), args: [op.deviceId, op.now, deviceRetention, trust ? '1' : '0', maxEntries] },
            { code: 'ldev', key: deviceLinksKey(op.deviceId), args: [op.userHash, op.now, deviceRetention, maxEntries] },
          ],
          finish: ([pair, users]) => (trust ? undefined : linked(pair as string[], users)),
        }
      }
      case 'listUserDevices':
        return one('hgetall', userLinksKey(op.userHash), [], (reply) => userDevices(op.userHash, pairs(reply as string[]), op.limit ?? 100))
      case 'listDeviceUsers': {
        const want = Math.max(0, Math.floor(op.limit ?? 100))
        if (want === 0) return { parts: [], finish: () => [] }
        // The users' pairs live in keys the device's set names: read after the script (one more round trip).
        return one('zrev', deviceLinksKey(op.deviceId), [want - 1], (reply) => deviceUsers(op.deviceId, reply as string[]))
      }
      case 'recordEvent': {
        const [key, ...args] = recordEventArgs(op.event)
        return one('ev', key, args, () => undefined)
      }
    }
  }

  /** The arguments of one `kenchiBatch` call: the number of keys, the keys, the gate flag, then each part's code, argument count and arguments. */
  function batchArgs(parts: BatchPart[], gate: boolean): [number, ...Array<string | number>] {
    const args: Array<string | number> = [...parts.map((part) => part.key), gate ? '1' : '0']
    for (const part of parts) args.push(part.code, part.args.length, ...part.args)
    return [parts.length, ...args]
  }

  /** Reads a `kenchiBatch` reply: one answer per part it ran. */
  function batchReplies(reply: Array<[1, unknown] | [0, string]>): PartReply[] {
    return reply.map(([ok, value]) => (ok === 1 ? { ok: true, value } : { ok: false, error: new Error(String(value)) }))
  }

  const isCluster = (client as { isCluster?: boolean }).isCluster === true
  let slotOf: ((key: string) => number) | undefined

  /**
   * Runs the parts on a Redis Cluster, where one script cannot span hash slots: one
   * `kenchiBatch` per slot, sent as one pipeline per node, all nodes at once.
   */
  async function clusterParts(parts: BatchPart[], replies: Array<PartReply | undefined>, indexes: number[]): Promise<void> {
    // cluster-key-slot is ioredis's own dependency: resolved from where ioredis is.
    slotOf ??= createRequire(createRequire(import.meta.url).resolve('ioredis'))('cluster-key-slot') as (key: string) => number
    const bySlot = new Map<number, number[]>()
    for (const i of indexes) {
      const slot = slotOf(parts[i]!.key)
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), i])
    }
    const owners = (client as Cluster).slots
    const byNode = new Map<string, number[][]>()
    for (const [slot, group] of bySlot) {
      const node = owners[slot]?.[0] ?? `slot ${slot}`
      byNode.set(node, [...(byNode.get(node) ?? []), group])
    }
    await Promise.all(
      [...byNode.values()].map(async (groups) => {
        const pipeline = redis.pipeline() as unknown as Scripted & { exec(): Promise<Array<[Error | null, unknown]> | null> }
        for (const group of groups)
          void pipeline.kenchiBatch(
            ...batchArgs(
              group.map((i) => parts[i]!),
              false,
            ),
          )
        const results = (await pipeline.exec()) ?? []
        groups.forEach((group, g) => {
          const [error, reply] = results[g] ?? [new Error('redisStore: no reply in the pipeline'), undefined]
          const answers = error ? undefined : batchReplies(reply as Array<[1, unknown] | [0, string]>)
          group.forEach((i, j) => (replies[i] = answers?.[j] ?? { ok: false, error: error ?? new Error('redisStore: no reply') }))
        })
      }),
    )
  }

  /**
   * Runs a batch (see `BatchingStore.batch`). Standalone: one `kenchiBatch` script, gate
   * included, one round trip. Cluster: the gate's script first, then one script per hash slot,
   * pipelined per node, all nodes at once: two round trips.
   */
  async function batch(list: readonly StoreOp[], options: BatchOptions = {}): Promise<OpAnswer[]> {
    if (list.length === 0) return []
    const gated = options.gate === true
    if (gated && list[0]!.op !== 'setIfAbsent' && list[0]!.op !== 'has') {
      // Only a boolean can open a gate; another first operation runs alone and closes it.
      const [first] = await batch([list[0]!])
      return [first!, ...list.slice(1).map(() => ({ ok: false, error: new GateClosed() }) as OpAnswer)]
    }
    const parts: BatchPart[] = []
    const plans = list.map((op) => {
      try {
        const { parts: own, finish } = plan(op)
        const indexes = own.map((part) => parts.push(part) - 1)
        return { indexes, finish }
      } catch (error) {
        return { error }
      }
    })
    const replies: Array<PartReply | undefined> = new Array(parts.length)
    if (!isCluster) {
      if (parts.length > 0)
        batchReplies(await call(() => redis.kenchiBatch(...batchArgs(parts, gated)))).forEach((r, i) => (replies[i] = r))
    } else {
      let rest = parts.map((_, i) => i)
      if (gated) {
        const [gate] = batchReplies(await call(() => redis.kenchiBatch(...batchArgs([parts[0]!], true))))
        replies[0] = gate
        rest = rest.slice(1)
      }
      const open = !gated || (replies[0]?.ok === true && (list[0]!.op === 'has' ? replies[0].value === 1 : won(replies[0].value)))
      if (open && rest.length > 0) await call(() => clusterParts(parts, replies, rest))
    }
    const answers = await Promise.all(
      plans.map(async (planned): Promise<OpAnswer> => {
        if ('error' in planned) return { ok: false, error: planned.error }
        const own = planned.indexes.map((i) => replies[i])
        if (own.some((reply) => reply === undefined)) return { ok: false, error: new GateClosed() }
        const failed = own.find((reply) => !reply!.ok)
        if (failed && !failed.ok) return { ok: false, error: failed.error }
        try {
          return { ok: true, value: (await planned.finish(own.map((reply) => (reply as { value: unknown }).value))) as never }
        } catch (error) {
          return { ok: false, error }
        }
      }),
    )
    if (gated && !(answers[0]!.ok && answers[0]!.value === true)) {
      for (let i = 1; i < answers.length; i++) answers[i] = { ok: false, error: new GateClosed() }
    }
    return answers
  }

  /** Links a user and a device: the pair in the user's hash (atomic), the user in the device's set. */
  async function link(user: string, device: string, now: number, trust: boolean): Promise<UserDeviceLink> {
    const pair = await call(() => redis.kenchiLinkUser(userLinksKey(user), device, now, deviceRetention, trust ? '1' : '0', maxEntries))
    const users = await call(() => redis.kenchiLinkDevice(deviceLinksKey(device), user, now, deviceRetention, maxEntries))
    return linked(pair, users)
  }

  const store: Store & BatchingStore = {
    /**
     * Runs the operations in order as one unit: on a standalone Redis one `kenchiBatch` Lua
     * script (gate included), one round trip; on a Redis Cluster two round trips (the gate,
     * then one script per hash slot, pipelined per node, the nodes at once). A batch with
     * `listDeviceUsers` takes one more (its users' pairs are in keys the script cannot name).
     * Bounded by `timeoutMs` per round trip. Answers are decoded as the single calls' are.
     */
    batch: (list, options) => batch(list, options) as never,

    async setIfAbsent(key, ttlMs) {
      return won(await call(() => redis.set(flagKey(key), '1', 'PX', ttlOf(ttlMs), 'NX')))
    },

    async hit(key, windowMs, now) {
      const member = nextMember(now)
      return Number(await call(() => redis.kenchiHit(hitKey(key), now, ttlOf(windowMs), member, maxEntries)))
    },

    async addDistinct(key, member, windowMs, now) {
      return Number(await call(() => redis.kenchiDistinct(distinctKey(key), now, ttlOf(windowMs), member, maxEntries)))
    },

    async touchDevice(id: string, publicKey: DevicePublicKey, now: number) {
      const fields = await call(() => redis.kenchiTouchDevice(deviceKey(id), JSON.stringify(publicKey), now, deviceRetention))
      return touched(id, publicKey, now, pairs(fields))
    },

    async getDevice(id) {
      return deviceFrom(id, await call(() => redis.hgetall(deviceKey(id))))
    },

    async has(key) {
      return (await call(() => redis.exists(flagKey(key)))) === 1
    },

    async setFlag(key, ttlMs) {
      await call(() => redis.set(flagKey(key), '1', 'PX', ttlOf(ttlMs)))
    },

    async deleteKey(key) {
      // Single-key commands: the keys may live in different cluster slots.
      await call(() =>
        Promise.all([redis.del(flagKey(key)), redis.del(hitKey(key)), redis.del(distinctKey(key)), redis.del(valueKey(key))]),
      )
    },

    async getValue(key) {
      return (await call(() => redis.get(valueKey(key)))) ?? undefined
    },

    async setValue(key, value, ttlMs) {
      checkStoreValue(value)
      await call(() => redis.set(valueKey(key), value, 'PX', ttlOf(ttlMs)))
    },

    async countHits(key, windowMs, now) {
      return Number(await call(() => redis.zcount(hitKey(key), `(${now - windowMs}`, now)))
    },

    async linkUserDevice(user, device, now) {
      return link(user, device, now, false)
    },

    async trustUserDevice(user, device, now) {
      await link(user, device, now, true)
    },

    async listUserDevices(user, limit = 100) {
      return userDevices(user, await call(() => redis.hgetall(userLinksKey(user))), limit)
    },

    async listDeviceUsers(device, limit = 100) {
      const want = Math.max(0, Math.floor(limit))
      if (want === 0) return []
      return deviceUsers(device, await call(() => redis.zrevrange(deviceLinksKey(device), 0, want - 1)))
    },

    async setDeviceStatus(id: string, status: DeviceStatus) {
      return deviceFrom(id, pairs(await call(() => redis.kenchiSetDeviceStatus(deviceKey(id), status))))
    },

    async recordEvent(event) {
      const [key, ...args] = recordEventArgs(event)
      await call(() => redis.kenchiRecordEvent(key, ...args))
    },

    async getEvent(id) {
      return eventFrom(await call(() => redis.hgetall(eventKey(id))))
    },

    async updateEvent(id: string, patch: EventPatch) {
      const outcome = patch.outcome ? JSON.stringify({ outcome: patch.outcome.outcome, at: patch.outcome.at }) : ''
      const label = patch.label ? JSON.stringify(patch.label) : ''
      return eventFrom(pairs(await call(() => redis.kenchiUpdateEvent(eventKey(id), outcome, label))))
    },

    listEvents,

    // Scan-based: reads the time index newest first and filters (bounded by maxEvents).
    queryEvents: (query) => scanQuery(listEvents, query),
    countEvents: (query) => scanCounts(listEvents, query),

    async listUserEvents(user, limit = 10_000) {
      if (!(limit > 0)) return []
      const ids = await call(() => redis.zrevrange(userEventIndex(user), 0, Math.floor(limit) - 1))
      const out: EventRecord[] = []
      // Chunks of 1000: one pipeline each, under the per-call timeout.
      for (let i = 0; i < ids.length; i += 1000) {
        const events = await call(() => readEvents(ids.slice(i, i + 1000)))
        for (const event of events) if (event && (event.userHash === user || event.loginHash === user)) out.push(event)
      }
      return out.sort((a, b) => b.at - a.at)
    },

    async eraseUserEvents(user, { keepFraud } = {}) {
      const index = userEventIndex(user)
      const result = { deleted: 0, minimized: 0 }
      for (;;) {
        const ids = await call(() => redis.zrange(index, 0, 999))
        if (ids.length === 0) break
        const events = await call(() => readEvents(ids))
        const doomed: string[] = []
        for (const [i, event] of events.entries()) {
          if (event === undefined || (event.userHash !== user && event.loginHash !== user)) continue
          if (keptForFraud(event, keepFraud)) {
            const { label, ...body } = minimizeEvent(event)
            result.minimized += Number(
              await call(() => redis.kenchiReplaceEvent(eventKey(event.id), JSON.stringify(body), JSON.stringify(label))),
            )
          } else doomed.push(ids[i]!)
        }
        // The event hashes, their index entries and this chunk of the user's index share the {ev} hash tag: one node, one pipeline.
        const pipeline = redis.pipeline()
        for (const id of doomed) pipeline.del(eventKey(id))
        if (doomed.length > 0) pipeline.zrem(eventIndex, ...doomed)
        pipeline.zrem(index, ...ids)
        const replies = (await call(() => pipeline.exec())) ?? []
        for (const [i] of doomed.entries()) if (replies[i]?.[1] === 1) result.deleted++
      }
      return result
    },

    async unlinkUser(user) {
      const fields = await call(() => redis.hgetall(userLinksKey(user)))
      const removed: UserDeviceRecord[] = []
      for (const [device, value] of Object.entries(fields)) {
        const record = linkFrom(user, device, value)
        if (record) removed.push(record)
      }
      // Single-key commands: each device's set may live in another cluster slot.
      await call(() =>
        Promise.all([...Object.keys(fields).map((device) => redis.zrem(deviceLinksKey(device), user)), redis.del(userLinksKey(user))]),
      )
      return removed.sort((a, b) => b.lastSeen - a.lastSeen)
    },

    async deleteDevice(id) {
      return (await call(() => redis.del(deviceKey(id)))) === 1
    },

    async close() {
      if (closed) return
      closed = true
      if (!owned) return
      try {
        await Promise.race([client.quit(), new Promise((resolve) => setTimeout(resolve, timeout).unref())])
      } catch {
        // Already disconnected.
      }
      client.disconnect()
    },
  }
  return store
}

/** One key's share of a batched operation: one part of the batch script. */
interface BatchPart {
  code: string
  key: string
  args: Array<string | number>
}

/** What the batch script answered for one part. */
type PartReply = { ok: true; value: unknown } | { ok: false; error: unknown }

/** Reads a pair stored as "firstSeen:lastSeen:trusted". */
function linkFrom(user: string, device: string, value: string): UserDeviceRecord | undefined {
  const [first, last, trusted] = value.split(':')
  if (first === undefined || last === undefined || trusted === undefined) return undefined
  return { userHash: user, deviceId: device, firstSeen: Number(first), lastSeen: Number(last), trusted: trusted === '1' }
}

/** Turns a flat HGETALL reply from a script into an object. */
function pairs(list: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!
  return out
}

function deviceFrom(id: string, fields: Record<string, string>): DeviceRecord | undefined {
  if (fields.k === undefined) return undefined
  return {
    id,
    publicKey: JSON.parse(fields.k) as DevicePublicKey,
    status: fields.s as DeviceStatus,
    firstSeen: Number(fields.f),
    lastSeen: Number(fields.l),
  }
}

function eventFrom(fields: Record<string, string>): EventRecord | undefined {
  if (fields.b === undefined) return undefined
  const event = JSON.parse(fields.b) as EventRecord
  const appended = Number(fields.n ?? 0)
  for (let i = 1; i <= appended; i++) {
    const outcome = fields[`o${i}`]
    if (outcome !== undefined) (event.outcomes ??= []).push(JSON.parse(outcome) as NonNullable<EventRecord['outcomes']>[number])
  }
  if (fields.l !== undefined) event.label = JSON.parse(fields.l) as EventRecord['label']
  return event
}

/** Resolves when the client is ready, or after `ms` if it is not. */
function whenReady(client: Redis | Cluster, ms: number): Promise<void> {
  if (client.status === 'ready' || ms === 0) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      client.off('ready', done)
      client.off('end', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    client.once('ready', done)
    client.once('end', done)
  })
}
