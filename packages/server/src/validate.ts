// One way to check a factory's options and one way to bound a call's time, used by the
// stores, the notifier, lists, the page-view and challenge limiters, rules and the service
// configuration instead of a hand-written validator or timer each.
import { KenchiError, type ErrorCode } from './errors.js'

/** Bounds of a number option; every bound given must hold. */
export interface NumberBounds {
  /** Smallest value allowed. */
  min?: number
  /** Largest value allowed. */
  max?: number
  /** Values must be greater than this (e.g. `0` for "positive"). */
  above?: number
  /** Only whole numbers. */
  integer?: boolean
}

/** The bounds in words, as error messages say them: `an integer ≥ 1`, `a number > 0`, `an integer from 0 to 65535`. */
export function describeBounds({ min, max, above, integer }: NumberBounds): string {
  const kind = integer ? 'an integer' : 'a number'
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`
  const parts = [
    above !== undefined ? `> ${above}` : undefined,
    min !== undefined ? `≥ ${min}` : undefined,
    max !== undefined ? `≤ ${max}` : undefined,
  ]
  const said = parts.filter((p) => p !== undefined)
  return said.length ? `${kind} ${said.join(' and ')}` : kind
}

/** Whether `value` is a finite number within `bounds`. */
export function inBounds(value: unknown, { min, max, above, integer }: NumberBounds): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false
  if (integer && !Number.isInteger(value)) return false
  return (min === undefined || value >= min) && (max === undefined || value <= max) && (above === undefined || value > above)
}

/**
 * Reads a number option: `value` must be a finite number within `bounds`, else
 * `KenchiError(code, "<name> must be <bounds in words>")`.
 */
export function numberOption(code: ErrorCode, name: string, value: unknown, bounds: NumberBounds): number {
  if (!inBounds(value, bounds)) throw new KenchiError(code, `${name} must be ${describeBounds(bounds)}`)
  return value
}

/** The option checks of one factory: every error has its `code` and names the factory (`sqliteStore: maxEvents must be …`). */
export interface OptionChecks {
  /** Throws `KenchiError(code, "<factory>: <message>")`. */
  fail(message: string): never
  /** A number within `bounds`; `value` undefined reads as `fallback`. */
  number(name: string, value: unknown, bounds: NumberBounds, fallback?: number): number
  /** A finite number > 0. */
  positiveNumber(name: string, value: unknown, fallback?: number): number
  /** An integer ≥ 1. */
  positiveInteger(name: string, value: unknown, fallback?: number): number
  /** A finite number ≥ 0. */
  nonNegative(name: string, value: unknown, fallback?: number): number
  /** A rule weight or score from 0 to 100. */
  weight(name: string, value: unknown, fallback?: number): number
}

/** Option checks throwing `KenchiError(code)` with messages prefixed by `factory` (none when empty). */
export function optionChecks(code: ErrorCode, factory: string): OptionChecks {
  const where = (name: string) => (factory ? `${factory}: ${name}` : name)
  const number = (name: string, value: unknown, bounds: NumberBounds, fallback?: number) =>
    numberOption(code, where(name), value ?? fallback, bounds)
  return {
    fail(message) {
      throw new KenchiError(code, where(message))
    },
    number,
    positiveNumber: (name, value, fallback) => number(name, value, { above: 0 }, fallback),
    positiveInteger: (name, value, fallback) => number(name, value, { min: 1, integer: true }, fallback),
    nonNegative: (name, value, fallback) => number(name, value, { min: 0 }, fallback),
    weight: (name, value, fallback) => number(name, value, { min: 0, max: 100 }, fallback),
  }
}

/**
 * Runs `call` and settles with it, or rejects with `onTimeout()` once `ms` have passed,
 * whichever comes first; the timer is cleared either way. A `call` that throws
 * synchronously rejects. `unref: true` lets the process exit while only the timer waits.
 */
export function withTimeout<T>(
  call: () => PromiseLike<T>,
  ms: number,
  onTimeout: () => Error,
  { unref = false }: { unref?: boolean } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms)
    if (unref) (timer as { unref?: () => void }).unref?.()
    let pending: PromiseLike<T>
    try {
      pending = call()
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    )
  })
}
