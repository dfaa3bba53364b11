import { isBatchingStore, runBatch, type BatchOptions, type OpAnswer, type StoreOp } from '../stores/batch.js'
import type { Store } from '../stores/types.js'
import type { Guard } from './store-call.js'

/**
 * Runs one of a verification's batches (its reads, or its effects) under the store
 * time-out. A store with `batch()` gets it in one call (`runBatch`: one round trip), the
 * whole batch under one time-out; if it rejects (unreachable, too slow), so does this.
 *
 * The memory store's batch runs synchronously, in one pass (`withSyncOps`): nothing to time.
 * Another store without `batch()` (PostgreSQL, your own) gets `runBatch`'s fallback: one
 * call per operation, in the batch's order where they touch the same key, device or pair,
 * each under its own time-out, so a slow read fails only the rule that declared it. Never
 * rejects then. Never throws (not an `async` function, for one promise less per batch).
 */
export function batchUnderGuard(store: Store, ops: readonly StoreOp[], guard: Guard, options: BatchOptions = {}): Promise<OpAnswer[]> {
  try {
    if (isBatchingStore(store)) return guard(() => runBatch(store, ops, options))
  } catch (error) {
    return Promise.reject(error as Error)
  }
  return runBatch(store, ops, options, guard)
}
