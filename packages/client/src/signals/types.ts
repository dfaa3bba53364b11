import type { Json, SignalResult } from '@kenchi/protocol'

/** A signal: a name (its key in the token's `s` section) and a collector. */
export interface Signal {
  readonly name: string
  collect(): Json | Promise<Json>
}

/** Error codes a signal result may carry instead of a value. */
export const SIGNAL_ERRORS = {
  /** The collector threw or rejected. */
  failed: 'failed',
  /** The collector did not finish before the token was needed. */
  timeout: 'timeout',
  /** The API the signal reads does not exist in this browser. */
  unsupported: 'unsupported',
} as const

/** Thrown by a collector when the browser lacks the API it reads. */
export class UnsupportedError extends Error {}

/**
 * Runs one collector and wraps the outcome, so that one broken browser API never sinks
 * the payload: `{ v, d }` on success, `{ e, d }` on failure, `d` being milliseconds.
 */
export async function runSignal(signal: Signal): Promise<SignalResult> {
  const start = performance.now()
  const elapsed = () => Math.min(600_000, Math.round(performance.now() - start))
  try {
    const v = await signal.collect()
    return { v: v === undefined ? null : v, d: elapsed() }
  } catch (error) {
    return { e: error instanceof UnsupportedError ? SIGNAL_ERRORS.unsupported : SIGNAL_ERRORS.failed, d: elapsed() }
  }
}

/**
 * Runs every signal in order, each wrapped so a failure is recorded rather than thrown,
 * writing each result into `into` as soon as it is ready (so a caller in a hurry can take
 * what is there). Yields to the event loop between signals to keep input responsive.
 */
export async function collectSignals(
  signals: readonly Signal[],
  into: Record<string, SignalResult> = {},
): Promise<Record<string, SignalResult>> {
  for (const signal of signals) {
    into[signal.name] = await runSignal(signal)
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  return into
}
