import { callOp, GateClosed, isBatchingStore, runBatch, type BatchOptions, type OpAnswer, type StoreOp } from '../stores/batch.js'
import type { Store } from '../stores/types.js'
import type { Guard } from './store-call.js'

/**
 * Runs one of a verification's batches (its reads, or its effects) under the store
 * time-out. A store with `batch()` gets it in one call (`runBatch`: one round trip), the
 * whole batch under one time-out; if it rejects (unreachable, too slow), so does this.
 *
 * A store without `batch()` gets one call per operation, as `runBatch`'s fallback, with two
 * differences that keep the verifier's behaviour on any store (a pooled PostgreSQL, your
 * own): operations touching the same key, device or pair run in the batch's order (a
 * velocity counter is hit before it is read; `runBatch`'s fallback starts them all at once),
 * and each call has its own time-out, so a slow read fails only the rule that declared it.
 * Never rejects then.
 */
export async function batchUnderGuard(
  store: Store,
  ops: readonly StoreOp[],
  guard: Guard,
  options: BatchOptions = {},
): Promise<OpAnswer[]> {
  if (isBatchingStore(store)) return guard(() => runBatch(store, ops, options))
  const call = async (op: StoreOp): Promise<OpAnswer> => {
    try {
      return { ok: true, value: (await guard(() => callOp(store, op))) as never }
    } catch (error) {
      return { ok: false, error }
    }
  }
  let rest = ops
  const answers: OpAnswer[] = []
  if (options.gate && ops.length > 0) {
    const gate = await call(ops[0]!)
    answers.push(gate)
    rest = ops.slice(1)
    if (!gate.ok || gate.value !== true) return [...answers, ...rest.map((): OpAnswer => ({ ok: false, error: new GateClosed() }))]
  }
  const tails = new Map<string, Promise<unknown>>()
  const started = rest.map((op) => {
    const touched = resources(op)
    const after = Promise.all(touched.flatMap((r) => tails.get(r) ?? []))
    const answer = after.then(() => call(op))
    for (const r of touched) tails.set(r, answer)
    return answer
  })
  return [...answers, ...(await Promise.all(started))]
}

/** What an operation reads or writes, for ordering: its key, its device record, or the two sides of a user–device pair. */
function resources(op: StoreOp): string[] {
  switch (op.op) {
    case 'touchDevice':
    case 'getDevice':
    case 'setDeviceStatus':
      return [`device\0${op.id}`]
    case 'linkUserDevice':
    case 'trustUserDevice':
      return [`user\0${op.userHash}`, `used\0${op.deviceId}`]
    case 'listUserDevices':
      return [`user\0${op.userHash}`]
    case 'listDeviceUsers':
      return [`used\0${op.deviceId}`]
    default:
      return [`key\0${op.key}`]
  }
}
