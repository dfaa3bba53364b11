import type { DevicePublicKey } from '@kenchi/protocol'
import type BetterSqlite3 from 'better-sqlite3'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { KenchiError } from '../errors.js'
import { optionChecks } from '../validate.js'
import type { DeviceStatus } from '../verdict.js'
import { asyncOps, runSyncBatch, type BatchingStore, type BatchOptions, type StoreOp, type SyncStoreOps } from './batch.js'
import { addToBuckets, checkCountQuery, checkEventQuery, emptyBuckets, lowerBound, upperBound } from './query.js'
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
  type UserEventErasure,
} from './types.js'

const DAY = 86_400_000

/** The schema this code reads and writes; a database with a newer one is refused. */
export const SQLITE_SCHEMA_VERSION = 3

/**
 * Options of {@link sqliteStore}. The bounds have the same names and meanings in every store
 * that has them (`maxFlags`, `maxEntriesPerKey`, `maxDevices`, `maxEvents`, `maxLinks`,
 * `maxValues`), as do `deviceRetentionMs`, `eventRetentionMs`, `sweepIntervalMs` and
 * `sweepBatch`.
 */
export interface SqliteStoreOptions {
  /**
   * Database file, created if missing (with `-wal` and `-shm` files beside it). `':memory:'`
   * gives a private in-memory database for quick use; it is lost on `close()`.
   */
  path: string
  /**
   * How long a call waits for another connection's write lock before it rejects
   * (`SQLITE_BUSY`), in ms. better-sqlite3 is synchronous, so this wait blocks the event
   * loop: keep it short. Default 2000.
   */
  busyTimeoutMs?: number
  /**
   * Most live flags (nonces, negative-list flags). Live flags are never evicted (that would
   * allow a replay): when the timer's sweep finds this many, new ones are refused until some
   * expire, and `verify()` answers `STORE_UNAVAILABLE`. Default 1 000 000.
   */
  maxFlags?: number
  /** @deprecated The old name of `maxFlags` (in this store only; in `memoryStore` it meant `maxCounters`). Still read when `maxFlags` is not given. */
  maxKeys?: number
  /** Most entries kept in one counter or distinct set; the oldest go first. Default 10 000. */
  maxEntriesPerKey?: number
  /**
   * Most device records kept; the least recently seen go first, but never a `fraud` one
   * (only labels make those; they leave by `deviceRetentionMs` only). Enforced by the
   * timer's sweeps. Default 1 000 000.
   */
  maxDevices?: number
  /** Most values (`setValue`) kept; the soonest to expire go first. Enforced by the timer's sweeps. Default 1 000 000. */
  maxValues?: number
  /**
   * Most events kept; the oldest go first, but never a labelled one (labels leave by
   * `eventRetentionMs` only). Enforced by the timer's sweeps. Default 1 000 000.
   */
  maxEvents?: number
  /** Most user–device pairs kept; the least recently used go first. Enforced by the timer's sweeps. Default 2 000 000. */
  maxLinks?: number
  /**
   * Devices, and user–device pairs, not seen for this long (by this store's clock) are
   * deleted by sweeps, in ms. Default 400 days.
   */
  deviceRetentionMs?: number
  /** Events are deleted by sweeps this long after they were recorded (by this store's clock), in ms. Default 90 days. */
  eventRetentionMs?: number
  /**
   * A bounded sweep (expired rows, retention, the `max*` bounds) runs this often, in ms, on
   * an unref'd timer. Every 1000 writes also delete up to 1000 expired rows per table. 0
   * disables the timer (then only `sweep()` enforces the `max*` bounds). Default 60 000.
   */
  sweepIntervalMs?: number
  /** Most rows one sweep deletes from each table. Default 10 000. */
  sweepBatch?: number
  /** Clock in Unix ms for TTLs and retention, for tests. Default `Date.now`. */
  now?: () => number
  /**
   * How often the write-ahead log is checkpointed (its pages copied into the database file,
   * which is then synced), in ms. The checkpoint runs in a worker thread with its own
   * connection (`wal_checkpoint(PASSIVE)`), so no call of this store pays for it; SQLite's
   * own automatic checkpoint, which otherwise runs inside whichever commit takes the log
   * past 1000 pages, is kept only as a backstop at 10 000 pages (about 40 MiB).
   * 0: SQLite's automatic checkpoint every 1000 pages, inside the committing call (the
   * earlier behaviour; it set the p99 of `verify()`). Ignored for `':memory:'`. Default 1000.
   */
  checkpointIntervalMs?: number
  /**
   * `PRAGMA synchronous` in WAL mode. `'normal'` (default): a commit is not synced; the
   * log is synced at each checkpoint. A power loss or OS crash can lose the transactions
   * committed since the last checkpoint (at most about `checkpointIntervalMs` of them), never
   * corrupt the database; a crash of this process alone loses nothing. `'full'`: every commit
   * syncs the log, so a committed transaction survives a power loss, at the price of one
   * `fsync` per write call (several per `verify()`).
   */
  synchronous?: 'normal' | 'full'
}

/**
 * SQLite's automatic checkpoint threshold, in WAL pages (4 KiB each), while the background
 * checkpointer runs: reached only if the checkpointer falls behind or stops, so the log
 * stays bounded (about 40 MiB) whatever happens to the worker thread.
 */
const SQLITE_WAL_BACKSTOP_PAGES = 10_000

/** A {@link Store} kept in SQLite, with a few maintenance extras. */
export interface SqliteStore extends Store {
  /** Runs one bounded sweep now and resolves how many rows it deleted. */
  sweep(): Promise<number>
  /**
   * The connection's settings as SQLite reports them, for diagnostics: `journalMode`
   * (`wal`, or `memory` for `':memory:'`), `synchronous` (1 NORMAL, 2 FULL),
   * `walAutocheckpoint` (pages; 10 000 while the background
   * checkpointer runs, 1000 without it), `busyTimeoutMs`, and `checkpointer`: whether the
   * background checkpoint thread is running.
   */
  settings(): Promise<{ journalMode: string; synchronous: number; walAutocheckpoint: number; busyTimeoutMs: number; checkpointer: boolean }>
}

/**
 * A store in an SQLite database through `better-sqlite3` (an optional peer dependency,
 * loaded only when this is called): the persistent default for a single server.
 *
 * The database runs in WAL mode with its checkpoints on a worker thread (see
 * `checkpointIntervalMs`), every statement is prepared once, and every
 * read-modify-write is one `BEGIN IMMEDIATE` transaction, so several connections to one
 * file (several processes on one machine) stay atomic. Expired rows are ignored on read
 * and deleted by bounded sweeps. Throws `KenchiError` (`CONFIG_STORE`) for bad options, a
 * missing `better-sqlite3`, or a database written by a newer schema.
 */
export async function sqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new KenchiError('CONFIG_STORE', 'sqliteStore: path, a file name or ":memory:"')
  }
  const check = optionChecks('CONFIG_STORE', 'sqliteStore')
  const busyTimeout = check.number('busyTimeoutMs', options.busyTimeoutMs ?? 2000, { min: 0 })
  const maxFlags = check.number(options.maxFlags !== undefined ? 'maxFlags' : 'maxKeys', options.maxFlags ?? options.maxKeys ?? 1_000_000, {
    min: 1,
  })
  const maxEntries = check.number('maxEntriesPerKey', options.maxEntriesPerKey ?? 10_000, { min: 1 })
  const maxDevices = check.number('maxDevices', options.maxDevices ?? 1_000_000, { min: 1 })
  const maxEvents = check.number('maxEvents', options.maxEvents ?? 1_000_000, { min: 1 })
  const maxLinks = check.number('maxLinks', options.maxLinks ?? 2_000_000, { min: 1 })
  const maxValues = check.number('maxValues', options.maxValues ?? 1_000_000, { min: 1 })
  const deviceRetention = check.number('deviceRetentionMs', options.deviceRetentionMs ?? 400 * DAY, { min: 1 })
  const eventRetention = check.number('eventRetentionMs', options.eventRetentionMs ?? 90 * DAY, { min: 1 })
  const sweepInterval = check.number('sweepIntervalMs', options.sweepIntervalMs ?? 60_000, { min: 0 })
  const sweepBatch = check.number('sweepBatch', options.sweepBatch ?? 10_000, { min: 1 })
  const clock = options.now ?? Date.now
  const checkpointInterval = check.number('checkpointIntervalMs', options.checkpointIntervalMs ?? 1000, { min: 0 })
  const synchronous = options.synchronous ?? 'normal'
  if (synchronous !== 'normal' && synchronous !== 'full')
    throw new KenchiError('CONFIG_STORE', `sqliteStore: synchronous must be 'normal' or 'full'`)

  let Database: typeof BetterSqlite3
  try {
    Database = ((await import('better-sqlite3')) as { default: typeof BetterSqlite3 }).default
  } catch (error) {
    throw new KenchiError('CONFIG_STORE', `sqliteStore needs the better-sqlite3 package (npm install better-sqlite3): ${String(error)}`)
  }

  const db = new Database(options.path, { timeout: busyTimeout })
  try {
    migrate(db, synchronous)
  } catch (error) {
    db.close()
    throw error
  }

  const q = {
    flagGet: db.prepare<[string], { expiry: number }>('SELECT expiry FROM kenchi_flags WHERE key = ?'),
    flagPut: db.prepare<[string, number]>('INSERT OR REPLACE INTO kenchi_flags (key, expiry) VALUES (?, ?)'),
    // Sets a flag unless a live one is there (its expiry after the third parameter): one change when set.
    flagPutIfDead: db.prepare<[string, number, number]>(
      'INSERT INTO kenchi_flags (key, expiry) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expiry = excluded.expiry WHERE kenchi_flags.expiry <= ?',
    ),
    hitAdd: db.prepare<[string, number, number]>('INSERT INTO kenchi_hits (key, t, expiry) VALUES (?, ?, ?)'),
    hitTrim: db.prepare<[string, number]>('DELETE FROM kenchi_hits WHERE key = ? AND t <= ?'),
    hitCount: db.prepare<[string, number, number], { n: number }>(
      'SELECT count(*) AS n FROM kenchi_hits WHERE key = ? AND t > ? AND t <= ?',
    ),
    hitRead: db.prepare<[string, number, number, number], { n: number }>(
      'SELECT count(*) AS n FROM kenchi_hits WHERE key = ? AND t > ? AND t <= ? AND expiry > ?',
    ),
    flagDelete: db.prepare<[string]>('DELETE FROM kenchi_flags WHERE key = ?'),
    valueGet: db.prepare<[string, number], { value: string }>('SELECT value FROM kenchi_values WHERE key = ? AND expiry > ?'),
    valuePut: db.prepare<[string, string, number]>('INSERT OR REPLACE INTO kenchi_values (key, value, expiry) VALUES (?, ?, ?)'),
    valueDelete: db.prepare<[string]>('DELETE FROM kenchi_values WHERE key = ?'),
    sweepValues: db.prepare<[number, number]>(
      'DELETE FROM kenchi_values WHERE key IN (SELECT key FROM kenchi_values WHERE expiry <= ? LIMIT ?)',
    ),
    countValues: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM kenchi_values'),
    boundValues: db.prepare<[number]>('DELETE FROM kenchi_values WHERE key IN (SELECT key FROM kenchi_values ORDER BY expiry LIMIT ?)'),
    hitDelete: db.prepare<[string]>('DELETE FROM kenchi_hits WHERE key = ?'),
    distinctDelete: db.prepare<[string]>('DELETE FROM kenchi_distinct WHERE key = ?'),
    linkGet: db.prepare<[string, string], LinkRow>(
      'SELECT user, device, first_seen, last_seen, trusted FROM kenchi_links WHERE user = ? AND device = ?',
    ),
    linkPut: db.prepare<[string, string, number, number, number, number]>(
      `INSERT INTO kenchi_links (user, device, first_seen, last_seen, trusted, touched) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (user, device) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen),
         trusted = max(trusted, excluded.trusted), touched = excluded.touched`,
    ),
    // After a pair is written: whether the user has another device, its trusted devices, the device's users.
    linkCounts: db.prepare<[string, string, string, string], { others: number; trusted: number; users: number }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM kenchi_links WHERE user = ? AND device != ? LIMIT 1)) AS others,
         (SELECT count(*) FROM kenchi_links WHERE user = ? AND trusted = 1) AS trusted,
         (SELECT count(*) FROM kenchi_links WHERE device = ?) AS users`,
    ),
    linksOfUser: db.prepare<[string, number], LinkRow>(
      'SELECT user, device, first_seen, last_seen, trusted FROM kenchi_links WHERE user = ? ORDER BY last_seen DESC LIMIT ?',
    ),
    linksOfDevice: db.prepare<[string, number], LinkRow>(
      'SELECT user, device, first_seen, last_seen, trusted FROM kenchi_links WHERE device = ? ORDER BY last_seen DESC LIMIT ?',
    ),
    sweepLinks: db.prepare<[number, number]>(
      'DELETE FROM kenchi_links WHERE rowid IN (SELECT rowid FROM kenchi_links WHERE touched <= ? LIMIT ?)',
    ),
    countLinks: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM kenchi_links'),
    boundLinks: db.prepare<[number]>('DELETE FROM kenchi_links WHERE rowid IN (SELECT rowid FROM kenchi_links ORDER BY touched LIMIT ?)'),
    // A key's entries in all and in the window, in one statement (`hit`, `addDistinct` read both after a write).
    hitTotalAndCount: db.prepare<[number, number, string], { total: number; n: number }>(
      'SELECT count(*) AS total, count(*) FILTER (WHERE t > ? AND t <= ?) AS n FROM kenchi_hits WHERE key = ?',
    ),
    hitBound: db.prepare<[string, string, number]>(
      'DELETE FROM kenchi_hits WHERE key = ? AND id IN (SELECT id FROM kenchi_hits WHERE key = ? ORDER BY t, id LIMIT ?)',
    ),
    distinctPut: db.prepare<[string, string, number, number]>(
      `INSERT INTO kenchi_distinct (key, member, t, expiry) VALUES (?, ?, ?, ?)
       ON CONFLICT (key, member) DO UPDATE SET t = max(t, excluded.t), expiry = max(expiry, excluded.expiry)`,
    ),
    distinctTrim: db.prepare<[string, number]>('DELETE FROM kenchi_distinct WHERE key = ? AND t <= ?'),
    distinctCount: db.prepare<[string, number, number], { n: number }>(
      'SELECT count(*) AS n FROM kenchi_distinct WHERE key = ? AND t > ? AND t <= ?',
    ),
    distinctSeen: db.prepare<[string, string], { t: number }>('SELECT t FROM kenchi_distinct WHERE key = ? AND member = ?'),
    // `later`: the member was seen after the window's end (then it counts, see `addDistinct`).
    distinctTotalAndCount: db.prepare<[string, string, number, number, number, string], { total: number; n: number; later: number }>(
      `SELECT (SELECT count(*) FROM kenchi_distinct WHERE key = ? AND member = ? AND t > ?) AS later,
         count(*) AS total, count(*) FILTER (WHERE t > ? AND t <= ?) AS n FROM kenchi_distinct WHERE key = ?`,
    ),
    distinctBound: db.prepare<[string, string, number]>(
      'DELETE FROM kenchi_distinct WHERE key = ? AND member IN (SELECT member FROM kenchi_distinct WHERE key = ? ORDER BY t LIMIT ?)',
    ),
    deviceGet: db.prepare<[string], DeviceRow>('SELECT id, public_key, status, first_seen, last_seen FROM kenchi_devices WHERE id = ?'),
    deviceInsert: db.prepare<[string, string, number, number, number]>(
      `INSERT INTO kenchi_devices (id, public_key, status, first_seen, last_seen, touched) VALUES (?, ?, 'waiting', ?, ?, ?)`,
    ),
    deviceSeen: db.prepare<[number, number, string]>('UPDATE kenchi_devices SET last_seen = max(last_seen, ?), touched = ? WHERE id = ?'),
    deviceStatus: db.prepare<[string, string], DeviceRow>(
      'UPDATE kenchi_devices SET status = ? WHERE id = ? RETURNING id, public_key, status, first_seen, last_seen',
    ),
    eventInsert: db.prepare<[string, number, string, number]>(
      'INSERT INTO kenchi_events (id, at, body, recorded) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ),
    eventGet: db.prepare<[string], { body: string }>('SELECT body FROM kenchi_events WHERE id = ?'),
    eventPut: db.prepare<[string, string]>('UPDATE kenchi_events SET body = ? WHERE id = ?'),
    eventList: db.prepare<[number, number], { body: string }>(
      'SELECT body FROM kenchi_events WHERE at < ? ORDER BY at DESC, seq DESC LIMIT ?',
    ),
    sweepFlags: db.prepare<[number, number]>(
      'DELETE FROM kenchi_flags WHERE key IN (SELECT key FROM kenchi_flags WHERE expiry <= ? LIMIT ?)',
    ),
    sweepHits: db.prepare<[number, number]>('DELETE FROM kenchi_hits WHERE id IN (SELECT id FROM kenchi_hits WHERE expiry <= ? LIMIT ?)'),
    sweepDistinct: db.prepare<[number, number]>(
      'DELETE FROM kenchi_distinct WHERE rowid IN (SELECT rowid FROM kenchi_distinct WHERE expiry <= ? LIMIT ?)',
    ),
    sweepDevices: db.prepare<[number, number]>(
      'DELETE FROM kenchi_devices WHERE id IN (SELECT id FROM kenchi_devices WHERE touched <= ? LIMIT ?)',
    ),
    sweepEvents: db.prepare<[number, number]>(
      'DELETE FROM kenchi_events WHERE seq IN (SELECT seq FROM kenchi_events WHERE recorded <= ? LIMIT ?)',
    ),
    // The two expressions match the partial indexes of schema version 3, which serve these lookups.
    eventsOfUser: db.prepare<[string, string, number], { id: string; body: string }>(
      `SELECT id, body FROM (
         SELECT seq, id, at, body FROM kenchi_events WHERE json_extract(body, '$.userHash') = ?
         UNION SELECT seq, id, at, body FROM kenchi_events WHERE json_extract(body, '$.loginHash') = ?
       ) ORDER BY at DESC, seq DESC LIMIT ?`,
    ),
    eventDelete: db.prepare<[string]>('DELETE FROM kenchi_events WHERE id = ?'),
    eventCounts: db.prepare<[number, number, number, number], { at: number; d: string; n: number }>(
      `SELECT min(at) AS at, json_extract(body, '$.decision') AS d, count(*) AS n FROM kenchi_events WHERE at >= ? AND at < ? GROUP BY (at - ?) / ?, d`,
    ),
    linksDeleteUser: db.prepare<[string], LinkRow>(
      'DELETE FROM kenchi_links WHERE user = ? RETURNING user, device, first_seen, last_seen, trusted',
    ),
    deviceDelete: db.prepare<[string]>('DELETE FROM kenchi_devices WHERE id = ?'),
    countFlags: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM kenchi_flags'),
    countDevices: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM kenchi_devices'),
    countEvents: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM kenchi_events'),
    boundDevices: db.prepare<[number]>(
      `DELETE FROM kenchi_devices WHERE id IN (SELECT id FROM kenchi_devices WHERE status != 'fraud' ORDER BY touched LIMIT ?)`,
    ),
    boundEvents: db.prepare<[number]>(
      `DELETE FROM kenchi_events WHERE seq IN (SELECT seq FROM kenchi_events WHERE json_extract(body, '$.label') IS NULL ORDER BY seq LIMIT ?)`,
    ),
  }

  // queryEvents' statements, one per combination of filters (a few hundred at most), prepared on first use.
  const filteredStatements = new Map<string, BetterSqlite3.Statement<Array<string | number>, { body: string }>>()
  const filtered = (where: string) => {
    let statement = filteredStatements.get(where)
    if (statement === undefined) {
      statement = db.prepare<Array<string | number>, { body: string }>(
        `SELECT body FROM kenchi_events WHERE ${where} ORDER BY at DESC, seq DESC LIMIT ?`,
      )
      filteredStatements.set(where, statement)
    }
    return statement
  }

  // One statement, so atomic without a transaction of its own.
  const setIfAbsent = (key: string, ttlMs: number): boolean => {
    const at = clock()
    return q.flagPutIfDead.run(key, at + Math.max(1, Math.ceil(ttlMs)), at).changes === 1
  }

  const hit = db.transaction((key: string, windowMs: number, now: number): number => {
    const from = now - windowMs
    q.hitAdd.run(key, now, clock() + windowMs)
    q.hitTrim.run(key, from)
    const { total, n } = q.hitTotalAndCount.get(from, now, key)!
    if (total <= maxEntries) return n
    q.hitBound.run(key, key, total - maxEntries)
    return q.hitCount.get(key, from, now)!.n
  })

  const addDistinct = db.transaction((key: string, member: string, windowMs: number, now: number): number => {
    const from = now - windowMs
    const expiry = clock() + windowMs
    q.distinctPut.run(key, member, now, expiry)
    q.distinctTrim.run(key, from)
    // This member counts even if another caller saw it later than `now`.
    const counted = q.distinctTotalAndCount.get(key, member, now, from, now, key)!
    if (counted.total <= maxEntries) return counted.n + counted.later
    q.distinctBound.run(key, key, counted.total - maxEntries)
    const later = q.distinctSeen.get(key, member)!.t > now ? 1 : 0
    return q.distinctCount.get(key, from, now)!.n + later
  })

  const touchDevice = db.transaction((id: string, publicKey: DevicePublicKey, now: number) => {
    const row = q.deviceGet.get(id)
    if (row === undefined) {
      const json = JSON.stringify(publicKey)
      q.deviceInsert.run(id, json, now, now, clock())
      // The key as a later read returns it (parsed from what was stored): a copy, cheaper than structuredClone.
      const after = { id, publicKey: JSON.parse(json) as DevicePublicKey, status: 'waiting' as DeviceStatus, firstSeen: now, lastSeen: now }
      return { before: undefined, after }
    }
    const before = deviceFrom(row)
    q.deviceSeen.run(now, clock(), id)
    // One parse of the stored key, not two: its own copy for `after` is a spread of a flat object.
    return { before, after: { ...before, publicKey: { ...before.publicKey }, lastSeen: Math.max(row.last_seen, now) } }
  })

  const setFlag = db.transaction((key: string, ttlMs: number) => {
    q.flagPut.run(key, clock() + Math.max(1, Math.ceil(ttlMs)))
  })

  const deleteKey = db.transaction((key: string) => {
    q.flagDelete.run(key)
    q.hitDelete.run(key)
    q.valueDelete.run(key)
    q.distinctDelete.run(key)
  })

  /** Creates or touches a user–device pair (trusting it if asked) and reports what was known before. */
  const link = db.transaction((user: string, device: string, now: number, trust: boolean): UserDeviceLink => {
    const before = q.linkGet.get(user, device)
    q.linkPut.run(user, device, now, now, trust ? 1 : 0, clock())
    // The upsert keeps first_seen and raises trusted only: both follow from `before`.
    const counts = q.linkCounts.get(user, device, user, device)!
    return {
      userSeen: before !== undefined || counts.others > 0,
      deviceSeen: before !== undefined,
      trusted: trust || before?.trusted === 1,
      trustedDevices: counts.trusted,
      deviceUsers: counts.users,
      firstSeen: before !== undefined ? before.first_seen : now,
    }
  })

  const updateEvent = db.transaction((id: string, patch: EventPatch): EventRecord | undefined => {
    const row = q.eventGet.get(id)
    if (row === undefined) return undefined
    const event = JSON.parse(row.body) as EventRecord
    if (patch.outcome) (event.outcomes ??= []).push({ outcome: patch.outcome.outcome, at: patch.outcome.at })
    if (patch.label) event.label = { ...patch.label }
    q.eventPut.run(JSON.stringify(event), id)
    return event
  })

  const eraseUserEvents = db.transaction((user: string, keepFraud: boolean | undefined): UserEventErasure => {
    const result = { deleted: 0, minimized: 0 }
    for (const row of q.eventsOfUser.all(user, user, Number.MAX_SAFE_INTEGER)) {
      const event = JSON.parse(row.body) as EventRecord
      if (keptForFraud(event, keepFraud)) {
        q.eventPut.run(JSON.stringify(minimizeEvent(event)), row.id)
        result.minimized++
      } else result.deleted += q.eventDelete.run(row.id).changes
    }
    return result
  })

  let flagsFull = false
  const refuseWhenFull = () => {
    if (flagsFull) throw new Error(`sqliteStore: ${maxFlags} live flags, refusing another until some expire`)
  }

  /**
   * Deletes up to `batch` expired rows per table, and with `bounds` also the rows over the
   * `max*` bounds (that needs row counts, so only the timer and `sweep()` do it).
   */
  const sweepWith = db.transaction((batch: number, bounds: boolean): number => {
    const at = clock()
    let removed = 0
    removed += q.sweepFlags.run(at, batch).changes
    removed += q.sweepHits.run(at, batch).changes
    removed += q.sweepDistinct.run(at, batch).changes
    removed += q.sweepDevices.run(at - deviceRetention, batch).changes
    removed += q.sweepEvents.run(at - eventRetention, batch).changes
    removed += q.sweepLinks.run(at - deviceRetention, batch).changes
    removed += q.sweepValues.run(at, batch).changes
    if (bounds) {
      const over = (n: number, max: number) => Math.min(batch, Math.max(0, n - max))
      // Live flags are never evicted: a nonce dropped before its challenge expires would let
      // its token be replayed. Flags leave by expiry only; over the bound, new ones are refused.
      flagsFull = q.countFlags.get()!.n >= maxFlags
      removed += q.boundDevices.run(over(q.countDevices.get()!.n, maxDevices)).changes
      removed += q.boundEvents.run(over(q.countEvents.get()!.n, maxEvents)).changes
      removed += q.boundLinks.run(over(q.countLinks.get()!.n, maxLinks)).changes
      removed += q.boundValues.run(over(q.countValues.get()!.n, maxValues)).changes
    }
    return removed
  })

  let writes = 0
  let closed = false
  /** Counts a write; every 1000 writes deletes up to 1000 expired rows per table, which keeps pace with them. */
  function wrote(): void {
    if (++writes % 1000 !== 0) return
    try {
      sweepWith.immediate(Math.min(1000, sweepBatch), false)
    } catch {
      // Busy: the write itself succeeded; the next sweep catches up.
    }
  }
  const timer =
    sweepInterval > 0
      ? setInterval(() => {
          try {
            if (!closed) sweepWith.immediate(sweepBatch, true)
          } catch {
            // Busy or closed: the next tick or write tries again.
          }
        }, sweepInterval)
      : undefined
  timer?.unref()
  const checkpointer =
    !db.memory && checkpointInterval > 0 ? startCheckpointer(db, options.path, checkpointInterval, busyTimeout) : undefined

  // The batchable methods, synchronous: each Store method runs one, and a batch runs them in
  // one transaction (each read-modify-write nested in it as a savepoint, so a failing one
  // undoes only its own writes).
  const ops: SyncStoreOps = {
    setIfAbsent(key, ttlMs) {
      refuseWhenFull()
      const won = setIfAbsent(key, ttlMs)
      if (won) wrote()
      return won
    },

    hit(key, windowMs, now) {
      const n = hit.immediate(key, windowMs, now)
      wrote()
      return n
    },

    addDistinct(key, member, windowMs, now) {
      const n = addDistinct.immediate(key, member, windowMs, now)
      wrote()
      return n
    },

    touchDevice(id, publicKey, now) {
      const result = touchDevice.immediate(id, publicKey, now)
      wrote()
      return result
    },

    getDevice(id) {
      const row = q.deviceGet.get(id)
      return row && deviceFrom(row)
    },

    has(key) {
      const row = q.flagGet.get(key)
      return row !== undefined && row.expiry > clock()
    },

    setFlag(key, ttlMs) {
      refuseWhenFull()
      setFlag.immediate(key, ttlMs)
      wrote()
    },

    getValue(key) {
      return q.valueGet.get(key, clock())?.value
    },

    setValue(key, value, ttlMs) {
      checkStoreValue(value)
      q.valuePut.run(key, value, clock() + Math.max(1, Math.ceil(ttlMs)))
      wrote()
    },

    countHits(key, windowMs, now) {
      return q.hitRead.get(key, now - windowMs, now, clock())!.n
    },

    linkUserDevice(user, device, now) {
      const result = link.immediate(user, device, now, false)
      wrote()
      return result
    },

    trustUserDevice(user, device, now) {
      link.immediate(user, device, now, true)
      wrote()
    },

    listUserDevices(user, limit = 100) {
      return q.linksOfUser.all(user, Math.max(0, Math.floor(limit))).map(linkFrom)
    },

    listDeviceUsers(device, limit = 100) {
      return q.linksOfDevice.all(device, Math.max(0, Math.floor(limit))).map(linkFrom)
    },

    setDeviceStatus(id: string, status: DeviceStatus) {
      const row = q.deviceStatus.get(status, id)
      return row && deviceFrom(row)
    },

    // In the batchable operations too: the verifier's write-behind queue records a group of
    // events in one batch (one transaction). INSERT OR IGNORE: the first record of an id wins.
    recordEvent(event) {
      if (q.eventInsert.run(event.id, event.at, JSON.stringify(event), clock()).changes > 0) wrote()
    },
  }
  const batch = db.transaction((list: readonly StoreOp[], options: BatchOptions | undefined) => runSyncBatch(ops, list, options))

  const store: SqliteStore & BatchingStore = {
    ...asyncOps(ops),

    /**
     * Runs the operations in order in one `BEGIN IMMEDIATE` transaction, with the answers of
     * the single calls (an operation that throws answers `{ ok: false }` and its writes are
     * rolled back to its savepoint; the others commit). Rejects only when the transaction
     * cannot start (`SQLITE_BUSY` past `busyTimeoutMs`, a closed database).
     */
    async batch(list, options) {
      if (list.length === 0) return [] as never
      return batch.immediate(list, options) as never
    },

    async deleteKey(key) {
      deleteKey.immediate(key)
    },

    async recordEvent(event) {
      ops.recordEvent!(event)
    },

    async getEvent(id) {
      const row = q.eventGet.get(id)
      return row && (JSON.parse(row.body) as EventRecord)
    },

    async updateEvent(id, patch) {
      return updateEvent.immediate(id, patch)
    },

    async listEvents({ limit = 100, before } = {}) {
      if (!(limit > 0)) return []
      const rows = q.eventList.all(before ?? Number.MAX_SAFE_INTEGER, Math.floor(limit))
      return rows.map((row) => JSON.parse(row.body) as EventRecord)
    },

    async listUserEvents(user, limit = 10_000) {
      if (!(limit > 0)) return []
      return q.eventsOfUser.all(user, user, Math.floor(limit)).map((row) => JSON.parse(row.body) as EventRecord)
    },

    async eraseUserEvents(user, { keepFraud } = {}) {
      return eraseUserEvents.immediate(user, keepFraud)
    },

    async unlinkUser(user) {
      return q.linksDeleteUser
        .all(user)
        .map(linkFrom)
        .sort((a, b) => b.lastSeen - a.lastSeen)
    },

    async deleteDevice(id) {
      return q.deviceDelete.run(id).changes > 0
    },

    async queryEvents(query) {
      const limit = checkEventQuery(query)
      if (limit === 0) return []
      // Filters walk the time index (kenchi_events_at); events are bounded by maxEvents.
      const where = ['at >= ?', 'at <= ?']
      const args: Array<string | number> = [lowerBound(query), upperBound(query)]
      const is = (sql: string, ...values: string[]) => (where.push(sql), args.push(...values))
      if (query.decision !== undefined) is(`json_extract(body, '$.decision') = ?`, query.decision)
      if (query.wouldBe !== undefined) is(`COALESCE(json_extract(body, '$.wouldBe'), json_extract(body, '$.decision')) = ?`, query.wouldBe)
      if (query.action !== undefined) is(`json_extract(body, '$.action') = ?`, query.action)
      if (query.userHash !== undefined) is(`json_extract(body, '$.userHash') = ?`, query.userHash)
      if (query.deviceId !== undefined) is(`json_extract(body, '$.deviceId') = ?`, query.deviceId)
      if (query.ip !== undefined) is(`json_extract(body, '$.ip') = ?`, query.ip)
      if (query.reason !== undefined) {
        is(
          `(EXISTS (SELECT 1 FROM json_each(body, '$.reasons') WHERE json_extract(value, '$.code') = ?) OR EXISTS (SELECT 1 FROM json_each(body, '$.monitored') WHERE json_extract(value, '$.code') = ?))`,
          query.reason,
          query.reason,
        )
      }
      if (query.label === 'none') is(`json_extract(body, '$.label') IS NULL`)
      else if (query.label === 'any') is(`json_extract(body, '$.label') IS NOT NULL`)
      else if (query.label !== undefined) is(`json_extract(body, '$.label.label') = ?`, query.label)
      const rows = filtered(where.join(' AND ')).all(...args, limit)
      return rows.map((row) => JSON.parse(row.body) as EventRecord)
    },

    async countEvents(query) {
      const { first, buckets: n } = checkCountQuery(query)
      const buckets = emptyBuckets(first, n, query.bucketMs)
      const rows = q.eventCounts.all(first, first + n * query.bucketMs, first, query.bucketMs)
      for (const row of rows) addToBuckets(buckets, query.bucketMs, row.at, row.d, row.n)
      return buckets
    },

    async sweep() {
      return sweepWith.immediate(sweepBatch, true)
    },

    async settings() {
      return {
        journalMode: db.pragma('journal_mode', { simple: true }) as string,
        synchronous: db.pragma('synchronous', { simple: true }) as number,
        walAutocheckpoint: db.pragma('wal_autocheckpoint', { simple: true }) as number,
        busyTimeoutMs: db.pragma('busy_timeout', { simple: true }) as number,
        checkpointer: checkpointer?.running() ?? false,
      }
    },

    async close() {
      if (closed) return
      closed = true
      if (timer) clearInterval(timer)
      await checkpointer?.stop()
      db.close()
    },
  }
  return store
}

/**
 * The worker thread's code (CommonJS, run with `eval`): its own connection to the file,
 * `wal_checkpoint(PASSIVE)` every `interval` ms (PASSIVE never waits for, nor blocks,
 * this store's readers and writer), closed on `'stop'`.
 */
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.module)
const db = new Database(workerData.path, { fileMustExist: true, timeout: workerData.busyTimeout })
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch {}
}, workerData.interval)
parentPort.on('message', (message) => {
  if (message !== 'stop') return
  clearInterval(timer)
  try { db.close() } catch {}
  parentPort.close()
})
parentPort.postMessage('ready')
`

/**
 * Moves WAL checkpoints off the calling thread: raises SQLite's automatic checkpoint of
 * `db` to the backstop and starts the checkpoint worker. If the worker fails (cannot load
 * the driver, cannot open the file), `db` goes back to SQLite's automatic checkpoint every
 * 1000 pages, so the log never grows unchecked.
 */
function startCheckpointer(db: BetterSqlite3.Database, path: string, interval: number, busyTimeout: number) {
  db.pragma(`wal_autocheckpoint = ${SQLITE_WAL_BACKSTOP_PAGES}`)
  let running = true
  let worker: Worker
  const fallBack = () => {
    running = false
    if (db.open) db.pragma('wal_autocheckpoint = 1000')
  }
  try {
    const module = createRequire(import.meta.url).resolve('better-sqlite3')
    worker = new Worker(CHECKPOINTER, { eval: true, workerData: { module, path, interval, busyTimeout } })
  } catch {
    fallBack()
    return undefined
  }
  worker.unref()
  worker.on('error', fallBack)
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  void exited.then(() => {
    if (running) fallBack()
  })
  return {
    running: () => running,
    async stop(): Promise<void> {
      running = false
      worker.postMessage('stop')
      const timeout = setTimeout(() => void worker.terminate(), 2000)
      await exited
      clearTimeout(timeout)
    },
  }
}

interface DeviceRow {
  id: string
  public_key: string
  status: string
  first_seen: number
  last_seen: number
}

interface LinkRow {
  user: string
  device: string
  first_seen: number
  last_seen: number
  trusted: number
}

function linkFrom(row: LinkRow): UserDeviceRecord {
  return { userHash: row.user, deviceId: row.device, firstSeen: row.first_seen, lastSeen: row.last_seen, trusted: row.trusted === 1 }
}

function deviceFrom(row: DeviceRow): DeviceRecord {
  return {
    id: row.id,
    publicKey: JSON.parse(row.public_key) as DevicePublicKey,
    status: row.status as DeviceStatus,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
  }
}

/** Sets the connection up and creates or checks the schema. Runs once per open, never per call. */
function migrate(db: BetterSqlite3.Database, synchronous: 'normal' | 'full'): void {
  if (!db.memory) db.pragma('journal_mode = WAL')
  db.pragma(synchronous === 'full' ? 'synchronous = FULL' : 'synchronous = NORMAL')
  db.pragma('foreign_keys = OFF')
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS kenchi_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID')
    const row = db.prepare<[], { value: string }>(`SELECT value FROM kenchi_meta WHERE name = 'schema_version'`).get()
    const version = row === undefined ? 0 : Number(row.value)
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new KenchiError(
        'CONFIG_STORE',
        `sqliteStore: the database has schema version ${version}; this version of @kenchi/server reads up to ${SQLITE_SCHEMA_VERSION}`,
      )
    }
    if (version === SQLITE_SCHEMA_VERSION) return
    // Version 0 → 1: the first schema. Later versions add their steps below this one.
    if (version < 1)
      db.exec(`
      CREATE TABLE kenchi_flags (key TEXT PRIMARY KEY, expiry INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX kenchi_flags_expiry ON kenchi_flags (expiry);
      CREATE TABLE kenchi_hits (id INTEGER PRIMARY KEY, key TEXT NOT NULL, t INTEGER NOT NULL, expiry INTEGER NOT NULL);
      CREATE INDEX kenchi_hits_key_t ON kenchi_hits (key, t);
      CREATE INDEX kenchi_hits_expiry ON kenchi_hits (expiry);
      CREATE TABLE kenchi_distinct (key TEXT NOT NULL, member TEXT NOT NULL, t INTEGER NOT NULL, expiry INTEGER NOT NULL, PRIMARY KEY (key, member));
      CREATE INDEX kenchi_distinct_key_t ON kenchi_distinct (key, t);
      CREATE INDEX kenchi_distinct_expiry ON kenchi_distinct (expiry);
      CREATE TABLE kenchi_devices (id TEXT PRIMARY KEY, public_key TEXT NOT NULL, status TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, touched INTEGER NOT NULL);
      CREATE INDEX kenchi_devices_touched ON kenchi_devices (touched);
      CREATE TABLE kenchi_events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, at INTEGER NOT NULL, recorded INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE INDEX kenchi_events_at ON kenchi_events (at, seq);
      CREATE INDEX kenchi_events_recorded ON kenchi_events (recorded);
      CREATE TABLE kenchi_links (user TEXT NOT NULL, device TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, trusted INTEGER NOT NULL, touched INTEGER NOT NULL, PRIMARY KEY (user, device));
      CREATE INDEX kenchi_links_user_last ON kenchi_links (user, last_seen);
      CREATE INDEX kenchi_links_device_last ON kenchi_links (device, last_seen);
      CREATE INDEX kenchi_links_touched ON kenchi_links (touched);
    `)
    // Version 1 → 2: small values with a time to live (Store.setValue).
    if (version < 2) {
      db.exec(`
        CREATE TABLE kenchi_values (key TEXT PRIMARY KEY, value TEXT NOT NULL, expiry INTEGER NOT NULL) WITHOUT ROWID;
        CREATE INDEX kenchi_values_expiry ON kenchi_values (expiry);
      `)
    }
    // Version 2 → 3: partial indexes on the user and login hashes of events (privacy requests, Store.listUserEvents).
    if (version < 3) {
      db.exec(`
        CREATE INDEX kenchi_events_user ON kenchi_events (json_extract(body, '$.userHash')) WHERE json_extract(body, '$.userHash') IS NOT NULL;
        CREATE INDEX kenchi_events_login ON kenchi_events (json_extract(body, '$.loginHash')) WHERE json_extract(body, '$.loginHash') IS NOT NULL;
      `)
    }
    db.prepare(`INSERT OR REPLACE INTO kenchi_meta (name, value) VALUES ('schema_version', ?)`).run(String(SQLITE_SCHEMA_VERSION))
  }).immediate()
}
