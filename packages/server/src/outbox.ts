import type { EventRecord } from './stores/types.js'

/**
 * The write-behind queue: writes that must not be lost when the store fails (events,
 * outcomes, labels). Events are gathered: while one group is in flight, the events handed in
 * behind it are written together as the next (one store batch: one round trip on Redis, one
 * transaction on SQLite), so concurrent verifications share their events' round trips. Other
 * jobs (reports) run at once while the store answers. When a write fails, it and everything
 * handed in after it are kept in memory in one order and retried with backoff until the
 * store answers again. Bounded: when full, new writes are refused (the caller is told)
 * rather than silently dropping old ones.
 *
 * A report on an event never runs before that event's record: `verify()` resolves only once
 * its event's write was tried (`settled`), so by the time anyone holds the `eventId` the
 * event is written, or it waits in the queue, which is then failing and queues the report
 * behind it.
 */
export interface Outbox {
  /**
   * Runs `write` at once while the store answers, and resolves `done` when it succeeded or
   * `queued` when it failed (it then waits in memory for a retry, in order). While the store
   * is failing, it is queued behind everything handed in before it and resolves `queued`. A
   * `FinalError` thrown by the write on its first try rejects with its reason (on a retry it
   * drops the write). Rejects with
   * {@link OutboxFullError} when the queue is full. A `bulk` write (a record anyone can
   * cause in any number, such as the event of a request without a valid token) is queued
   * only while the queue is less than half full, so the other half always stays for the
   * writes that matter (labels, outcomes, events of valid tokens).
   */
  submit(write: () => Promise<unknown>, options?: { bulk?: boolean }): Promise<'done' | 'queued'>
  /**
   * Hands an event to the queue without waiting for its write, which runs behind the writes
   * queued before it, in a group with the events queued next to it (`settled` waits for it). Decides at once:
   * `accepted` (the store is answering; the event is written shortly), `queued` (the store is
   * failing: the event waits in memory for a retry with the writes ahead of it), or throws
   * {@link OutboxFullError} when the queue is full (`bulk` as in `submit`).
   */
  record(event: EventRecord, options?: { bulk?: boolean }): 'accepted' | 'queued'
  /**
   * Resolves once the write of the event with this id was tried: `done` when it is in the
   * store (or was never in the queue), `queued` when its write failed and it waits for a
   * retry. Forces no retry. `verify()` waits for this before it resolves.
   */
  settled(eventId: string): Promise<'done' | 'queued'>
  /** Writes not yet done: in flight, waiting their turn, or waiting for the store. */
  readonly pending: number
  /**
   * Retries now, in order, and waits for every write handed in before the call (in flight
   * and queued) to be done, or for the store to fail again; resolves how many writes are
   * still waiting.
   */
  flush(): Promise<number>
  /**
   * Stops the retry timer: a write that fails after this waits in memory until the next
   * `flush()`. Writes in flight and queued behind them still run while the store answers.
   */
  close(): void
}

export class OutboxFullError extends Error {
  constructor() {
    super('store unavailable and the write queue is full')
    this.name = 'OutboxFullError'
  }
}

/** Options of {@link createOutbox}. */
export interface OutboxOptions {
  /** Most writes held (events and reports). Default 10 000. */
  max?: number
  minDelayMs?: number
  maxDelayMs?: number
  /** Writes a group of events, all or nothing as far as a retry can tell (recording an id twice keeps the first). Needed for `record`. */
  recordEvents?: (events: EventRecord[]) => Promise<void>
  /** Most events written in one group. Default 100. */
  groupSize?: number
}

/** A write handed to the queue: a job (`submit`) or an event (`record`, written in groups). */
type Entry = { seq: number; run: () => Promise<unknown> } | { seq: number; event: EventRecord }

export function createOutbox(options: OutboxOptions = {}): Outbox {
  const max = options.max ?? 10_000
  const minDelay = options.minDelayMs ?? 250
  const maxDelay = options.maxDelayMs ?? 30_000
  const groupSize = Math.max(1, options.groupSize ?? 100)
  const recordEvents = options.recordEvents
  const queue: Entry[] = []
  /** The sequence number of each event in the queue, by id. */
  const queuedEvents = new Map<string, number>()
  /** Flushes waiting for every write up to `upTo` to be done (or a failure). */
  let flushes: Array<{ upTo: number; resolve(waiting: number): void }> = []
  let seq = 0
  /** The sequence number of the last write done. */
  let doneUpTo = 0
  let delay = minDelay
  let timer: ReturnType<typeof setTimeout> | undefined
  /** The write at the head failed: nothing runs until the retry timer or a flush. */
  let failing = false
  let running: Promise<void> | undefined
  let closed = false
  /** Jobs run at once beside the queue while the store answers (`submit`), until they settle. */
  const inflight = new Set<Promise<unknown>>()

  function schedule(): void {
    if (closed || timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      void flush()
    }, delay)
    timer.unref?.()
    delay = Math.min(maxDelay, delay * 2)
  }

  // One pump at a time. `running` is cleared by a callback that runs after it was assigned
  // (never inside the pump, which can finish without waiting), and that callback starts the
  // pump again for writes handed in after its last look at the queue.
  function start(): void {
    if (running !== undefined || failing || queue.length === 0) return
    const run = pump()
    running = run
    void run.finally(() => {
      if (running === run) running = undefined
      start()
    })
  }

  /** Writes the queue in order, events in groups, until it is empty or a write fails. */
  async function pump(): Promise<void> {
    while (queue.length > 0) {
      const head = queue[0]!
      let taken = 1
      if ('event' in head) {
        while (taken < groupSize && taken < queue.length && 'event' in queue[taken]!) taken++
        const group = queue.slice(0, taken).map((entry) => (entry as { event: EventRecord }).event)
        try {
          await recordEvents!(group)
        } catch {
          fail()
          return
        }
      } else {
        try {
          await head.run()
        } catch (error) {
          // A FinalError on a retry drops the write; anything else is the store failing.
          if (!(error instanceof FinalError)) {
            fail()
            return
          }
        }
      }
      // Only the pump removes entries, from the head; others are only appended.
      doneUpTo = queue[taken - 1]!.seq
      for (const entry of queue.splice(0, taken)) {
        if ('event' in entry && queuedEvents.get(entry.event.id) === entry.seq) queuedEvents.delete(entry.event.id)
      }
      delay = minDelay
      settleFlushes()
    }
  }

  /** A write failed: everyone waiting is told (`settled` answers `queued`), and a retry is scheduled. */
  function fail(): void {
    failing = true
    const waiting = flushes
    flushes = []
    for (const f of waiting) f.resolve(queue.length)
    schedule()
  }

  function settleFlushes(): void {
    if (flushes.length === 0) return
    const left: typeof flushes = []
    for (const f of flushes)
      if (f.upTo <= doneUpTo) f.resolve(queue.length)
      else left.push(f)
    flushes = left
  }

  async function flush(): Promise<number> {
    // Jobs that ran at once first: one that failed is in the queue by the time it settles.
    while (inflight.size > 0) await Promise.allSettled([...inflight])
    if (queue.length === 0) return 0
    if (failing) {
      failing = false
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
    const waited = new Promise<number>((resolve) => flushes.push({ upTo: seq, resolve }))
    start()
    return waited
  }

  /**
   * A job handed in while the store answers runs at once, beside the event groups and other
   * jobs (a report's jobs need not wait for unrelated writes). Its event is never behind it:
   * a report is made on the `eventId` of a verdict, and `verify()` resolves only once its
   * event's write was tried (`settled`), so the event is written or, the store failing, in
   * the queue ahead, where a job now goes too. A job that fails joins the queue's end and
   * the queue turns to retrying, in order.
   */
  function runNow(run: () => Promise<unknown>): Promise<'done' | 'queued'> {
    const result = run().then(
      () => 'done' as const,
      (error: unknown) => {
        if (error instanceof FinalError) throw error.reason
        queue.push({ seq: ++seq, run })
        fail()
        return 'queued' as const
      },
    )
    const settled = result.catch(() => undefined)
    inflight.add(settled)
    void settled.finally(() => inflight.delete(settled))
    return result
  }

  /** Throws {@link OutboxFullError} when the queue has no room for another write (`bulk`: half the room). */
  function admit(bulk: boolean): void {
    if (queue.length >= (bulk ? Math.floor(max / 2) : max)) throw new OutboxFullError()
  }

  return {
    submit(run, { bulk = false } = {}) {
      try {
        admit(bulk)
      } catch (error) {
        return Promise.reject(error)
      }
      if (!failing) return runNow(run)
      queue.push({ seq: ++seq, run })
      return Promise.resolve('queued')
    },
    record(event, { bulk = false } = {}) {
      if (recordEvents === undefined) throw new TypeError('outbox: no recordEvents to write events with')
      admit(bulk)
      const at = ++seq
      queue.push({ seq: at, event })
      queuedEvents.set(event.id, at)
      if (failing) return 'queued'
      start()
      return 'accepted'
    },
    settled(eventId) {
      const at = queuedEvents.get(eventId)
      const tried =
        at === undefined || failing
          ? Promise.resolve()
          : new Promise<void>((resolve) => flushes.push({ upTo: at, resolve: () => resolve() }))
      return tried.then(() => (queuedEvents.has(eventId) ? 'queued' : 'done'))
    },
    get pending() {
      return queue.length + inflight.size
    },
    flush,
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    },
  }
}

/** Thrown inside a write to fail it for good (not a store failure, so not retried). */
export class FinalError extends Error {
  readonly reason: unknown
  constructor(reason: unknown) {
    super('final')
    this.reason = reason
  }
}
