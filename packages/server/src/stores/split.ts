// Split storage: hot state on a fast store (Redis or memory), the event history on a database
// (PostgreSQL or SQLite), events written behind the verdict. See docs/server.md "Split storage".
import { KenchiError } from '../errors.js'
import { GateClosed, runBatch, type BatchingStore, type BatchOptions, type OpAnswer, type StoreOp } from './batch.js'
import { addToBuckets, checkCountQuery, checkEventQuery, matchesEventQuery } from './query.js'
import { recentEventKey } from '../store-keys/history.js'
import { keptForFraud, minimizeEvent, type EventRecord, type Store, type UserEventErasure } from './types.js'

/** Options of {@link splitStore}. */
export interface SplitStoreOptions {
  /** Nonces, counters, flags, values, devices and user–device links (Redis or memory). */
  hot: Store
  /** Events with their outcomes and labels (PostgreSQL or SQLite). */
  history: Store
  /**
   * Most events waiting in this process for the history database. When this many wait (the
   * database is down or slower than the traffic), `recordEvent` rejects, and the verifier
   * keeps the event in its own bounded write queue (docs/security.md). Default 50 000.
   */
  maxPending?: number
  /** Most events written in one round trip (a multi-row INSERT when the history store has `recordEvents`). Default 500. */
  batchSize?: number
  /** Most batches being written at once (each on its own connection). Default 4. */
  concurrency?: number
  /**
   * How long, in ms, a just-recorded event is also kept as a value in the hot store, so
   * another process sharing the hot store (Redis) can read, report on and label it before this
   * process has written it to the history. 0 keeps no copy (one process only). Default 30 000.
   */
  recentMs?: number
  /** First retry delay after a failed history write, in ms; doubles up to `maxRetryMs`. Default 250. */
  minRetryMs?: number
  /** Longest retry delay, in ms. Default 30 000. */
  maxRetryMs?: number
  /** How long `close()` tries to write what is still waiting before closing both stores, in ms. Default 5 000. */
  closeTimeoutMs?: number
}

/** A {@link Store} made of a hot store and a history store, see {@link splitStore}. */
export interface SplitStore extends Store {
  /** Events recorded by this process and not yet written to the history. */
  readonly pending: number
  /** Writes the waiting events now; resolves how many still wait (0 when the history answered). */
  flush(): Promise<number>
  readonly hot: Store
  readonly history: Store
}

/** A history store that can write many events in one round trip (the PostgreSQL store has it). */
interface BatchWriter {
  recordEvents(events: EventRecord[]): Promise<void>
}

/** The hot-store value key of the short copy of a just-recorded event. */

/**
 * Composes two stores into one {@link Store}: `hot` answers everything `verify()` reads and
 * writes on the request path; `history` keeps the events.
 *
 * - **hot**: `setIfAbsent`, `has`, `setFlag`, `deleteKey`, `hit`, `countHits`, `addDistinct`,
 *   `getValue`, `setValue` (nonces, counters, flags, typing profiles and other values),
 *   `touchDevice`, `getDevice`, `setDeviceStatus` (device state), `linkUserDevice`,
 *   `trustUserDevice`, `listUserDevices`, `listDeviceUsers` (user–device links).
 * - **history**: `recordEvent` (write-behind), `getEvent`, `updateEvent` (outcomes and labels,
 *   written at once: `reportOutcome` and `label` keep them in the verifier's write queue while
 *   the database is down), `listEvents`, `queryEvents`, `countEvents` (the console).
 * - **privacy requests**: `unlinkUser`, `deleteDevice` on hot; `listUserEvents` and
 *   `eraseUserEvents` on the history plus this process's waiting events (and their hot copies).
 *
 * `recordEvent` resolves once the event is queued in this process (and copied to the hot
 * store for `recentMs`), not when the database has it: `verify()` does not wait for the
 * history. A writer drains the queue in batches, retrying with backoff while the database
 * is down. Reads see a just-recorded event: `getEvent` and `updateEvent` look at the queue
 * and the hot copy when the history does not have it yet; `listEvents`, `queryEvents` and
 * `countEvents` add this process's waiting events.
 *
 * Waiting events live in this process's memory, like the verifier's write queue: a process
 * that is killed loses what had not been written (a graceful `close()` writes it first).
 */
export function splitStore(options: SplitStoreOptions): SplitStore {
  const { hot, history } = options
  if (!isStore(hot) || !isStore(history)) throw new KenchiError('CONFIG_STORE', 'splitStore: hot and history must both be stores')
  if (hot === history) throw new KenchiError('CONFIG_STORE', 'splitStore: hot and history must be two different stores')
  const maxPending = count(options.maxPending ?? 50_000, 'maxPending')
  const batchSize = count(options.batchSize ?? 500, 'batchSize')
  const concurrency = count(options.concurrency ?? 4, 'concurrency')
  const recentMs = count(options.recentMs ?? 30_000, 'recentMs', 0)
  const minRetry = count(options.minRetryMs ?? 250, 'minRetryMs')
  const maxRetry = count(options.maxRetryMs ?? 30_000, 'maxRetryMs')
  const closeTimeout = count(options.closeTimeoutMs ?? 5_000, 'closeTimeoutMs', 0)
  const batchWriter = typeof (history as Partial<BatchWriter>).recordEvents === 'function' ? (history as unknown as BatchWriter) : undefined

  /** Events recorded here and not yet written, in recording order. */
  const pending = new Map<string, EventRecord>()
  /** Events of batches being written now. */
  const inFlight = new Set<EventRecord>()
  /** The writers running now (at most `concurrency`). */
  const writers = new Set<Promise<void>>()
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let delay = minRetry
  let failing = false
  let closed = false

  /** A batch: the `recordEvent` operations to the write-behind history, the rest to `hot` in one batch. */
  async function splitBatch(ops: readonly StoreOp[], options: BatchOptions = {}): Promise<OpAnswer[]> {
    if (!ops.some((op) => op.op === 'recordEvent')) return runBatch(hot, ops, options)
    const record = async (event: EventRecord): Promise<OpAnswer> => {
      try {
        await store.recordEvent(event)
        return { ok: true, value: undefined }
      } catch (error) {
        return { ok: false, error }
      }
    }
    if (options.gate && ops[0]!.op === 'recordEvent') {
      // Only a boolean can open a gate: an event first runs alone and closes it.
      return [await record(ops[0]!.event), ...ops.slice(1).map((): OpAnswer => ({ ok: false, error: new GateClosed() }))]
    }
    const hotAt: number[] = []
    const hotOps: StoreOp[] = []
    for (const [i, op] of ops.entries()) {
      if (op.op === 'recordEvent') continue
      hotAt.push(i)
      hotOps.push(op)
    }
    const hotAnswers = hotOps.length > 0 ? await runBatch(hot, hotOps, options) : []
    const open = !options.gate || (hotAnswers[0]?.ok === true && hotAnswers[0].value === true)
    const answers: OpAnswer[] = new Array(ops.length)
    hotAt.forEach((at, j) => (answers[at] = hotAnswers[j]!))
    // The events concurrently: each is a hot copy (one write to `hot`) and a place in the
    // history's queue, independent of the others.
    await Promise.all(
      ops.map(async (op, i) => {
        if (op.op !== 'recordEvent') return
        answers[i] = open ? await record(op.event) : { ok: false, error: new GateClosed() }
      }),
    )
    return answers
  }

  async function writeBatch(batch: EventRecord[]): Promise<void> {
    if (batchWriter) await batchWriter.recordEvents(batch)
    else await Promise.all(batch.map((event) => history.recordEvent(event)))
  }

  /**
   * Starts writers, at most `concurrency`, while events wait that no writer has taken. Each
   * takes the next batch (up to `batchSize`) and, once written, the next; a failed write
   * stops them all until the retry timer (or `flush()`) starts them again.
   */
  function kick(): void {
    if (failing || retryTimer !== undefined) return
    while (writers.size < concurrency && pending.size > inFlight.size) {
      const writer: Promise<void> = write().finally(() => {
        writers.delete(writer)
        kick() // events recorded while this one wrote
      })
      writers.add(writer)
    }
  }

  async function write(): Promise<void> {
    while (!failing) {
      const batch: EventRecord[] = []
      for (const event of pending.values()) {
        if (inFlight.has(event)) continue
        batch.push(event)
        if (batch.length === batchSize) break
      }
      if (batch.length === 0) return
      for (const event of batch) inFlight.add(event)
      try {
        await writeBatch(batch)
      } catch {
        failing = true
        scheduleRetry()
        return
      } finally {
        for (const event of batch) inFlight.delete(event)
      }
      delay = minRetry
      for (const event of batch) if (pending.get(event.id) === event) pending.delete(event.id)
    }
  }

  function scheduleRetry(): void {
    if (closed || retryTimer !== undefined) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      failing = false
      kick()
    }, delay)
    retryTimer.unref?.()
    delay = Math.min(maxRetry, delay * 2)
  }

  async function flush(): Promise<number> {
    if (retryTimer !== undefined) {
      clearTimeout(retryTimer)
      retryTimer = undefined
    }
    failing = false
    kick()
    while (writers.size > 0) await Promise.all([...writers])
    return pending.size
  }

  /**
   * The event as this process (`local`, taken from the queue before the history was read, so
   * a write finishing in between cannot hide it) or, through the hot copy, another process
   * recorded it.
   */
  async function unwritten(id: string, local: EventRecord | undefined): Promise<EventRecord | undefined> {
    if (local) return structuredClone(local)
    if (recentMs === 0) return undefined
    const copy = await hot.getValue(recentEventKey(id)).catch(() => undefined)
    if (copy === undefined) return undefined
    try {
      return JSON.parse(copy) as EventRecord
    } catch {
      return undefined
    }
  }

  const store: SplitStore & BatchingStore = {
    // ---- hot: the request path (adding a Store method: route it here or below) ----
    setIfAbsent: (key, ttlMs) => hot.setIfAbsent(key, ttlMs),
    has: (key) => hot.has(key),
    setFlag: (key, ttlMs) => hot.setFlag(key, ttlMs),
    deleteKey: (key) => hot.deleteKey(key),
    hit: (key, windowMs, now) => hot.hit(key, windowMs, now),
    countHits: (key, windowMs, now) => hot.countHits(key, windowMs, now),
    addDistinct: (key, member, windowMs, now) => hot.addDistinct(key, member, windowMs, now),
    getValue: (key) => hot.getValue(key),
    setValue: (key, value, ttlMs) => hot.setValue(key, value, ttlMs),
    touchDevice: (id, publicKey, now) => hot.touchDevice(id, publicKey, now),
    getDevice: (id) => hot.getDevice(id),
    setDeviceStatus: (id, status) => hot.setDeviceStatus(id, status),
    linkUserDevice: (userHash, deviceId, now) => hot.linkUserDevice(userHash, deviceId, now),
    trustUserDevice: (userHash, deviceId, now) => hot.trustUserDevice(userHash, deviceId, now),
    listUserDevices: (userHash, limit) => hot.listUserDevices(userHash, limit),
    listDeviceUsers: (deviceId, limit) => hot.listDeviceUsers(deviceId, limit),
    unlinkUser: (userHash) => hot.unlinkUser(userHash),
    deleteDevice: (id) => hot.deleteDevice(id),
    /**
     * Every batchable operation but `recordEvent` is a hot one: those go to `hot` as one batch
     * (its own `batch()` when it has one: one round trip on Redis); each `recordEvent` goes to
     * this store's `recordEvent` (the history's write-behind queue, as a single call would).
     */
    batch: (ops, options) => splitBatch(ops, options) as never,

    // ---- history: events, outcomes, labels ----
    async recordEvent(event) {
      if (closed) throw new Error('splitStore: closed')
      if (pending.has(event.id)) return // the first recording wins
      if (pending.size >= maxPending) throw new Error(`splitStore: ${maxPending} events waiting for the history database`)
      const copy = structuredClone(event)
      pending.set(copy.id, copy)
      kick()
      if (recentMs > 0) {
        // Best effort: the queue has the event; the copy only serves other processes.
        const text = JSON.stringify(copy)
        await hot.setValue(recentEventKey(copy.id), text, recentMs).catch(() => undefined)
      }
    },

    async getEvent(id) {
      const local = pending.get(id)
      return (await history.getEvent(id)) ?? (await unwritten(id, local))
    },

    async updateEvent(id, patch) {
      const local = pending.get(id)
      const updated = await history.updateEvent(id, patch)
      if (updated !== undefined) return updated
      // Not written yet: write it now (recording is idempotent), then update it.
      const event = await unwritten(id, local)
      if (event === undefined) return undefined
      await history.recordEvent(event)
      pending.delete(id)
      return history.updateEvent(id, patch)
    },

    async listEvents({ limit = 100, before } = {}) {
      const waiting = [...pending.values()]
      const written = await history.listEvents({ limit, ...(before !== undefined ? { before } : {}) })
      return mergeUnwritten(written, waiting, limit, (event) => before === undefined || event.at < before)
    },

    async queryEvents(query) {
      const limit = checkEventQuery(query)
      const waiting = [...pending.values()]
      return mergeUnwritten(await history.queryEvents(query), waiting, limit, (event) => matchesEventQuery(event, query))
    },

    async countEvents(query) {
      const { first } = checkCountQuery(query)
      const buckets = await history.countEvents(query)
      if (buckets[0]?.at !== first) return buckets
      // Still waiting once the history answered (an event written during the count may be counted twice or not at all).
      for (const event of pending.values()) addToBuckets(buckets, query.bucketMs, event.at, event.decision)
      return buckets
    },

    // ---- privacy requests (docs/privacy.md): the history plus this process's waiting events and the hot copies ----
    async listUserEvents(userHash, limit = 10_000) {
      const ofUser = (event: EventRecord) => event.userHash === userHash || event.loginHash === userHash
      const waiting = [...pending.values()].filter(ofUser)
      const written = await history.listUserEvents(userHash, limit)
      const seen = new Set(written.map((event) => event.id))
      const merged = [...written, ...waiting.filter((event) => !seen.has(event.id)).map((event) => structuredClone(event))]
      return merged.sort((a, b) => b.at - a.at).slice(0, Math.max(0, Math.floor(limit)))
    },

    async eraseUserEvents(userHash, options = {}): Promise<UserEventErasure> {
      const result: UserEventErasure = { deleted: 0, minimized: 0 }
      const theirs = (event: EventRecord): boolean => event.userHash === userHash || event.loginHash === userHash
      const copies: string[] = []
      for (;;) {
        // Waiting events no writer holds: changed here, with no await in between, so a writer
        // cannot take one half-way.
        for (const [id, event] of pending) {
          if (!theirs(event) || inFlight.has(event)) continue
          copies.push(recentEventKey(id))
          if (keptForFraud(event, options.keepFraud)) {
            pending.set(id, minimizeEvent(event))
            result.minimized++
          } else {
            pending.delete(id)
            result.deleted++
          }
        }
        // Events a writer is writing now: wait for that write, so the history's erasure below
        // finds them (counted once) and no write lands after it. A failed write puts them back
        // among the waiting events, which the next pass takes.
        if (![...inFlight].some(theirs)) break
        await Promise.race([...writers])
      }
      for (const key of copies) await hot.deleteKey(key)
      // Written events: their hot copies go too (they expire within recentMs anyway).
      for (const event of await history.listUserEvents(userHash)) await hot.deleteKey(recentEventKey(event.id))
      const written = await history.eraseUserEvents(userHash, options)
      result.deleted += written.deleted
      result.minimized += written.minimized
      return result
    },

    // ---- both ----
    get pending() {
      return pending.size
    },
    flush,
    hot,
    history,
    async close() {
      if (closed) return
      if (closeTimeout > 0 && pending.size > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined
        const stop = new Promise<void>((resolve) => (timer = setTimeout(resolve, closeTimeout)))
        await Promise.race([flush(), stop])
        clearTimeout(timer)
      }
      closed = true
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      retryTimer = undefined
      await Promise.all([hot.close(), history.close()])
    },
  }

  /**
   * Adds the events that waited in this process when the history was read (`waiting`, taken
   * before the read, so one written in between is in one of the two) and pass `keep` to a
   * newest-first page from the history.
   */
  function mergeUnwritten(
    written: EventRecord[],
    waiting: EventRecord[],
    limit: number,
    keep: (event: EventRecord) => boolean,
  ): EventRecord[] {
    if (waiting.length === 0 || !(limit > 0)) return written
    const ids = new Set(written.map((event) => event.id))
    const extra = waiting.filter((event) => !ids.has(event.id) && keep(event)).map((event) => structuredClone(event))
    if (extra.length === 0) return written
    return [...written, ...extra].sort((a, b) => b.at - a.at).slice(0, Math.floor(limit))
  }

  return store
}

function isStore(value: unknown): value is Store {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Store).recordEvent === 'function' &&
    typeof (value as Store).setIfAbsent === 'function'
  )
}

function count(value: number, name: string, min = 1): number {
  if (!Number.isFinite(value) || value < min) throw new KenchiError('CONFIG_STORE', `splitStore: ${name} must be a number ≥ ${min}`)
  return value
}
