import { randomInt } from 'node:crypto'
import { KenchiError } from '../errors.js'
import type { Store } from '../stores/types.js'

/**
 * Building blocks shared by step-up (`stepup.ts`) and confirmations (`confirm.ts`): both
 * issue one-time codes, count bounded attempts at them and turn a store failure into
 * `STORE_UNAVAILABLE`. Internal to the step-up module; not exported from the package.
 */

/** A step that went through with `value`, or stopped with `failure` (the caller's answer). */
export type Result<T, F> = { ok: true; value: T } | { ok: false; failure: F }

/** A fresh one-time code of `digits` decimal digits, uniformly drawn. */
export function newCode(digits: number): string {
  return String(randomInt(0, 10 ** digits)).padStart(digits, '0')
}

/** The code as typed, spaces and dashes removed, if it is `digits` decimal digits; else `undefined`. */
export function typedCode(input: unknown, digits: number): string | undefined {
  const code = typeof input === 'string' ? input.replace(/[\s-]/g, '') : ''
  return new RegExp(`^\\d{${digits}}$`).test(code) ? code : undefined
}

/**
 * Runs `call`, turning anything but a `KenchiError` it throws (a store's connection error)
 * into `KenchiError('STORE_UNAVAILABLE')` labelled `label`.
 */
export async function storeGuard<T>(label: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (error instanceof KenchiError) throw error
    throw new KenchiError('STORE_UNAVAILABLE', `${label}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
}

/**
 * Attempts at one secret (a code, a passkey challenge), at most `max` within `windowMs` on
 * a `hit` counter: `exhausted` reads without counting, `count` counts one attempt before the
 * secret is checked and answers how many remain after it.
 */
export function attemptCounter(store: Store, max: number, windowMs: number) {
  return {
    /** Whether every allowed attempt is used (read-only, so a refusal here costs nothing). */
    async exhausted(key: string, at: number): Promise<boolean> {
      return (await store.countHits(key, windowMs, at)) >= max
    },
    /** Counts one attempt: the attempts left after it (0 on the last allowed one), or `undefined` when it is one too many. */
    async count(key: string, at: number): Promise<number | undefined> {
      const attempts = await store.hit(key, windowMs, at)
      return attempts > max ? undefined : max - attempts
    },
  }
}
