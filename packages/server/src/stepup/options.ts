import { KenchiError, type ErrorCode } from '../errors.js'

/** Option checks shared by the step-up and confirmation factories: `fail` throws `KenchiError(code)`, `int` reads a bounded integer. */
export function optionChecks(code: ErrorCode, factory: string) {
  const fail = (message: string): never => {
    throw new KenchiError(code, `${factory}: ${message}`)
  }
  const int = (value: unknown, name: string, min: number, max: number, fallback: number): number => {
    const v = value ?? fallback
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(`${name} must be an integer from ${min} to ${max}`)
    return v as number
  }
  return { fail, int }
}

/**
 * Sends without making the caller wait (so timing says nothing about delivery), keeps the
 * promise in `pending` until it settles (for `flush()`), and reports a failure to `onError`,
 * whose own failure is ignored.
 */
export function deliverInBackground(pending: Set<Promise<unknown>>, send: Promise<unknown>, onError: (error: unknown) => void): void {
  const delivery: Promise<unknown> = send
    .catch((error: unknown) => {
      try {
        onError(error)
      } catch {
        // the hook's own failure is not ours to report
      }
    })
    .finally(() => pending.delete(delivery))
  pending.add(delivery)
}

/** Resolves when the deliveries in `pending` (started so far, and any they start) have settled: `flush()`. */
export async function settle(pending: Set<Promise<unknown>>): Promise<void> {
  while (pending.size > 0) await Promise.all([...pending])
}
