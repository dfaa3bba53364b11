/** A store call that did not answer within the verifier's `storeTimeout`. */
export class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`store did not answer within ${ms} ms`)
    this.name = 'StoreTimeout'
  }
}

/** Runs a store call, failing it with `StoreTimeout` instead of letting it hang. */
export type Guard = <T>(call: () => Promise<T>) => Promise<T>

/** A guard that shares one timer among its calls; `close()` stops that timer when nothing waits. */
export type ClosableGuard = Guard & {
  /** Stops the shared timer if no call is waiting (calls still waiting keep their deadline). */
  close(): void
  /** Calls that have neither answered nor timed out. */
  readonly waiting: number
}

/** One call waiting for its store: `reject` is dropped once it settles, so nothing is retained. */
interface Waiting {
  deadline: number
  reject: ((error: unknown) => void) | undefined
}

/**
 * A guard for store calls with a time-out of `ms`; a call that throws synchronously rejects.
 *
 * No timer per call: every call has the same time-out, so deadlines arrive in the order the
 * calls started and one queue with one timer serves them all. The timer is armed for the
 * oldest waiting call; when it fires it fails every call past its deadline and re-arms for the
 * next one still waiting, or stops. Answered calls leave the front of the queue as they
 * answer, so it holds only the calls in flight (and those behind a slow one). While no call
 * waits the timer is unref'd, so an idle verifier never keeps a process alive, and it is gone
 * at most `ms` after the last call.
 */
export function storeGuard(ms: number): ClosableGuard {
  let queue: Waiting[] = []
  let head = 0
  let waiting = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let refed = false

  const setRef = (on: boolean) => {
    if (timer && refed !== on) {
      if (on) timer.ref()
      else timer.unref()
      refed = on
    }
  }
  const arm = (delay: number) => {
    timer = setTimeout(fire, Math.max(1, Math.ceil(delay)))
    refed = true
    if (waiting === 0) setRef(false)
  }
  /** Drops answered calls from the front; an empty queue starts again at 0. */
  const trim = () => {
    while (head < queue.length && !queue[head]!.reject) head++
    if (head === queue.length) {
      queue.length = 0
      head = 0
    } else if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head)
      head = 0
    }
  }
  function fire() {
    timer = undefined
    // Node's timers count whole milliseconds of the loop's clock: allow for the rounding.
    const now = performance.now() + 1
    while (head < queue.length) {
      const entry = queue[head]!
      if (entry.reject && entry.deadline > now) break
      head++
      const reject = entry.reject
      if (reject) {
        entry.reject = undefined
        if (--waiting === 0) setRef(false)
        reject(new StoreTimeout(ms))
      }
    }
    trim()
    if (head < queue.length) arm(queue[head]!.deadline - performance.now())
  }
  /** True for the first of answer and time-out, which settles the caller's promise. */
  const settle = (entry: Waiting): boolean => {
    if (!entry.reject) return false // timed out already
    entry.reject = undefined
    if (--waiting === 0) setRef(false)
    trim()
    return true
  }

  const guard = <T>(call: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const deadline = performance.now() + ms
      let pending: PromiseLike<T>
      try {
        pending = call()
      } catch (error) {
        reject(error)
        return
      }
      const entry: Waiting = { deadline, reject }
      queue.push(entry)
      if (waiting++ === 0) setRef(true)
      if (!timer) arm(ms)
      pending.then(
        (value) => {
          if (settle(entry)) resolve(value)
        },
        (error: unknown) => {
          if (settle(entry)) reject(error)
        },
      )
    })
  const close = () => {
    if (waiting > 0 || !timer) return
    clearTimeout(timer)
    timer = undefined
    queue = []
    head = 0
  }
  return Object.defineProperties(guard as ClosableGuard, {
    close: { value: close },
    waiting: { get: () => waiting },
  })
}

/** An error as one line for a reason's detail; never throws, whatever was thrown. */
export function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  } catch {
    return 'an error that cannot be printed' // thrown by hostile input: a getter, a proxy trap
  }
}
