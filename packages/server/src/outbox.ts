/**
 * Writes that must not be lost when the store fails (events, outcomes, labels): tried at
 * once, and on failure kept in order in memory and retried with backoff until the store
 * answers again. Bounded: when full, new writes are refused (the caller is told) rather
 * than silently dropping old ones.
 */
export interface Outbox {
  /**
   * Runs `write`, or queues it behind earlier failed writes. A `bulk` write (a record anyone
   * can cause in any number, such as the event of a request without a valid token) is
   * queued only while the queue is less than half full, so the other half always stays
   * for the writes that matter (labels, outcomes, events of valid tokens).
   */
  submit(write: () => Promise<unknown>, options?: { bulk?: boolean }): Promise<'done' | 'queued'>
  /** Writes waiting for the store. */
  readonly pending: number
  /** Retries everything now, in order; resolves how many writes are still waiting. */
  flush(): Promise<number>
  /** Stops the retry timer. Pending writes stay in memory until the next flush. */
  close(): void
}

export class OutboxFullError extends Error {
  constructor() {
    super('store unavailable and the write queue is full')
    this.name = 'OutboxFullError'
  }
}

export function createOutbox(options: { max?: number; minDelayMs?: number; maxDelayMs?: number } = {}): Outbox {
  const max = options.max ?? 10_000
  const minDelay = options.minDelayMs ?? 250
  const maxDelay = options.maxDelayMs ?? 30_000
  const queue: Array<() => Promise<unknown>> = []
  let delay = minDelay
  let timer: ReturnType<typeof setTimeout> | undefined
  let flushing: Promise<number> | undefined
  let closed = false

  function schedule(): void {
    if (closed || timer !== undefined || queue.length === 0) return
    timer = setTimeout(() => {
      timer = undefined
      void flush()
    }, delay)
    timer.unref?.()
    delay = Math.min(maxDelay, delay * 2)
  }

  /** Retries the queue in order until it is empty or a write fails (then backs off). */
  async function drain(): Promise<number> {
    while (queue.length > 0) {
      try {
        await queue[0]!()
      } catch (error) {
        if (!(error instanceof FinalError)) {
          schedule()
          return queue.length
        }
      }
      queue.shift()
      delay = minDelay
    }
    return 0
  }

  // One drain at a time. `flushing` is cleared by a callback that runs after it was
  // assigned (never inside the drain, which can finish synchronously when the queue is
  // empty and would then leave a settled promise behind, jamming every later flush).
  function flush(): Promise<number> {
    if (flushing !== undefined) return flushing
    if (queue.length === 0) return Promise.resolve(0)
    const run = drain()
    flushing = run
    void run.finally(() => {
      if (flushing === run) flushing = undefined
    })
    return run
  }

  function enqueue(write: () => Promise<unknown>, bulk: boolean): 'queued' {
    if (queue.length >= (bulk ? Math.floor(max / 2) : max)) throw new OutboxFullError()
    queue.push(write)
    schedule()
    return 'queued'
  }

  return {
    async submit(write, { bulk = false } = {}) {
      if (queue.length > 0) return enqueue(write, bulk)
      try {
        await write()
        return 'done'
      } catch (error) {
        if (error instanceof FinalError) throw error.reason
        return enqueue(write, bulk)
      }
    },
    get pending() {
      return queue.length
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
