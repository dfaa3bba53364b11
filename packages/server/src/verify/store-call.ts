import { withTimeout } from '../validate.js'

/** A store call that did not answer within the verifier's `storeTimeout`. */
export class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`store did not answer within ${ms} ms`)
    this.name = 'StoreTimeout'
  }
}

/** Runs a store call, failing it with `StoreTimeout` instead of letting it hang. */
export type Guard = <T>(call: () => Promise<T>) => Promise<T>

/** A guard for store calls with a time-out of `ms`; a call that throws synchronously rejects. */
export function storeGuard(ms: number): Guard {
  return <T>(call: () => Promise<T>) => withTimeout(call, ms, () => new StoreTimeout(ms))
}

/** An error as one line for a reason's detail; never throws, whatever was thrown. */
export function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  } catch {
    return 'an error that cannot be printed' // thrown by hostile input: a getter, a proxy trap
  }
}
