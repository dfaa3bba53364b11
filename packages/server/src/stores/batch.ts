// Store batches: several hot-path store calls sent as one unit, so a verification costs one
// round trip on Redis (one script or pipeline) and one transaction on SQLite, instead of one
// per call. Each operation is one `Store` method's call, written as data; its answer is what
// that method would have resolved. A store without `batch()` runs them through `runBatch`'s
// fallback: the same semantics, one call each.
import type { DevicePublicKey } from '@kenchi/protocol'
import type { DeviceStatus } from '../verdict.js'
import type { DeviceRecord, EventRecord, Store, UserDeviceLink, UserDeviceRecord } from './types.js'

/** One store call as data: `op` names the `Store` method, the other fields are its arguments. */
export type StoreOp =
  | { op: 'setIfAbsent'; key: string; ttlMs: number }
  | { op: 'has'; key: string }
  | { op: 'setFlag'; key: string; ttlMs: number }
  | { op: 'getValue'; key: string }
  | { op: 'setValue'; key: string; value: string; ttlMs: number }
  | { op: 'hit'; key: string; windowMs: number; now: number }
  | { op: 'countHits'; key: string; windowMs: number; now: number }
  | { op: 'addDistinct'; key: string; member: string; windowMs: number; now: number }
  | { op: 'touchDevice'; id: string; publicKey: DevicePublicKey; now: number }
  | { op: 'getDevice'; id: string }
  | { op: 'setDeviceStatus'; id: string; status: DeviceStatus }
  | { op: 'linkUserDevice'; userHash: string; deviceId: string; now: number }
  | { op: 'trustUserDevice'; userHash: string; deviceId: string; now: number }
  | { op: 'listUserDevices'; userHash: string; limit?: number }
  | { op: 'listDeviceUsers'; deviceId: string; limit?: number }
  | { op: 'recordEvent'; event: EventRecord }

/** The name of a batchable `Store` method. */
export type StoreOpName = StoreOp['op']

/** What the `Store` method an operation names resolves. */
export interface StoreOpValues {
  setIfAbsent: boolean
  has: boolean
  setFlag: void
  getValue: string | undefined
  setValue: void
  hit: number
  countHits: number
  addDistinct: number
  touchDevice: { before: DeviceRecord | undefined; after: DeviceRecord }
  getDevice: DeviceRecord | undefined
  setDeviceStatus: DeviceRecord | undefined
  linkUserDevice: UserDeviceLink
  trustUserDevice: void
  listUserDevices: UserDeviceRecord[]
  listDeviceUsers: UserDeviceRecord[]
  recordEvent: void
}

/** The answer to one operation: its value, or the error it failed with (the others still run). */
export type OpAnswer<O extends StoreOp = StoreOp> = { ok: true; value: StoreOpValues[O['op']] } | { ok: false; error: unknown }

/** The answers to a tuple of operations, position by position. */
export type BatchAnswers<Ops extends readonly StoreOp[]> = { -readonly [I in keyof Ops]: Ops[I] extends StoreOp ? OpAnswer<Ops[I]> : never }

/** How a batch runs. */
export interface BatchOptions {
  /**
   * The first operation is a gate (a `setIfAbsent`, the token's nonce): when it answers
   * `false` or fails, no other operation runs, and each answers `{ ok: false, error }` with
   * a {@link GateClosed} error. Used so a replayed token reads and writes nothing.
   */
  gate?: boolean
}

/** The error of an operation that did not run because the batch's gate was closed. */
export class GateClosed extends Error {
  constructor() {
    super('not run: the batch gate was closed')
    this.name = 'GateClosed'
  }
}

/** A store that runs a batch itself (one script, pipeline or transaction). */
export interface BatchingStore {
  /**
   * Runs `ops` in order as one unit of work and resolves one answer per operation, in the
   * same order. Each operation has the semantics of the `Store` method it names (atomic per
   * operation, not per batch). An operation that fails answers `{ ok: false }`; the batch
   * itself rejects only when the store cannot be reached at all.
   */
  batch<const Ops extends readonly StoreOp[]>(ops: Ops, options?: BatchOptions): Promise<BatchAnswers<Ops>>
}

/** Whether a store runs batches itself. */
export function isBatchingStore(store: Store): store is Store & BatchingStore {
  return typeof (store as Partial<BatchingStore>).batch === 'function'
}

/** Anything with the batchable `Store` methods, resolving (a store) or returning (a synchronous implementation). */
type OpTarget = { [K in SyncOpName]: (...args: Parameters<Store[K]>) => unknown } & {
  recordEvent?: (...args: Parameters<Store['recordEvent']>) => unknown
}

function applyOp(target: OpTarget, op: StoreOp): unknown {
  switch (op.op) {
    case 'setIfAbsent':
      return target.setIfAbsent(op.key, op.ttlMs)
    case 'has':
      return target.has(op.key)
    case 'setFlag':
      return target.setFlag(op.key, op.ttlMs)
    case 'getValue':
      return target.getValue(op.key)
    case 'setValue':
      return target.setValue(op.key, op.value, op.ttlMs)
    case 'hit':
      return target.hit(op.key, op.windowMs, op.now)
    case 'countHits':
      return target.countHits(op.key, op.windowMs, op.now)
    case 'addDistinct':
      return target.addDistinct(op.key, op.member, op.windowMs, op.now)
    case 'touchDevice':
      return target.touchDevice(op.id, op.publicKey, op.now)
    case 'getDevice':
      return target.getDevice(op.id)
    case 'setDeviceStatus':
      return target.setDeviceStatus(op.id, op.status)
    case 'linkUserDevice':
      return target.linkUserDevice(op.userHash, op.deviceId, op.now)
    case 'trustUserDevice':
      return target.trustUserDevice(op.userHash, op.deviceId, op.now)
    case 'listUserDevices':
      return target.listUserDevices(op.userHash, op.limit)
    case 'listDeviceUsers':
      return target.listDeviceUsers(op.deviceId, op.limit)
    case 'recordEvent':
      if (target.recordEvent === undefined) throw new TypeError('recordEvent: not a batchable operation here')
      return target.recordEvent(op.event)
  }
}

/** Calls the `Store` method one operation names. */
export function callOp(store: Store, op: StoreOp): Promise<StoreOpValues[StoreOpName]> {
  return applyOp(store, op) as Promise<StoreOpValues[StoreOpName]>
}

/**
 * The batchable `Store` methods as synchronous functions: how a store whose calls finish in
 * one turn of the event loop (memory, SQLite) writes each of them once, for both its
 * `Store` methods ({@link asyncOps}) and its `batch()` ({@link runSyncBatch}).
 */
export type SyncStoreOps = { [K in SyncOpName]: (...args: Parameters<Store[K]>) => StoreOpValues[K] } & {
  /** Optional: a store whose `batch()` takes `recordEvent` operations (SQLite) writes it here too. */
  recordEvent?: (...args: Parameters<Store['recordEvent']>) => StoreOpValues['recordEvent']
}

/**
 * The operations every {@link SyncStoreOps} has: all but `recordEvent`, which a store
 * without `batch()` (memory) writes as its own `Store` method.
 */
export type SyncOpName = Exclude<StoreOpName, 'recordEvent'>

/** The `Store` methods of synchronous operations: each resolves what its function returns, or rejects with what it throws. */
export function asyncOps(ops: SyncStoreOps): Pick<Store, SyncOpName> {
  const out: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
  for (const name of Object.keys(ops) as StoreOpName[]) {
    const run = ops[name] as (...args: unknown[]) => unknown
    out[name] = async (...args) => run(...args)
  }
  return out as unknown as Pick<Store, SyncOpName>
}

/**
 * Runs a batch on synchronous operations, in order, without yielding: the whole batch is one
 * turn of the event loop (the caller may wrap it in a transaction). Same answers and gate as
 * {@link runBatch}.
 */
export function runSyncBatch(ops: SyncStoreOps, list: readonly StoreOp[], options: BatchOptions = {}): OpAnswer[] {
  const answers: OpAnswer[] = []
  let closed = false
  for (let i = 0; i < list.length; i++) {
    const op = list[i]!
    if (closed) {
      answers.push({ ok: false, error: new GateClosed() })
      continue
    }
    try {
      const value = applyOp(ops, op) as StoreOpValues[StoreOpName]
      answers.push({ ok: true, value })
      if (i === 0 && options.gate && value !== true) closed = true
    } catch (error) {
      answers.push({ ok: false, error })
      if (i === 0 && options.gate) closed = true
    }
  }
  return answers
}

/** What {@link withSyncOps} attaches: the synchronous operations, and the `Store` methods that run them. */
interface SyncOpsOf {
  readonly ops: SyncStoreOps
  readonly methods: Readonly<Pick<Store, StoreOpName>>
}

const SYNC_OPS = Symbol('kenchi.syncOps')

/**
 * Marks `store` as one whose batchable methods are {@link asyncOps} over `ops` (the memory
 * store): {@link runBatch} then runs a batch as {@link runSyncBatch} does, in one turn of the
 * event loop, with no promise, time-out or ordering chain per operation. Only while the
 * store's methods for the batch's operations are still those of `ops`: a test or wrapper
 * that replaces one (`store.hit = ...`, `vi.spyOn`) gets the one-call-per-operation
 * fallback, and sees every call. The mark is a non-enumerable symbol, so a copy of the
 * store (`{ ...store, hit }`) does not carry it.
 */
export function withSyncOps<S extends Store>(store: S, ops: SyncStoreOps): S {
  const methods = {} as Record<StoreOpName, unknown>
  for (const name of Object.keys(ops) as StoreOpName[]) methods[name] = store[name]
  const mark: SyncOpsOf = { ops, methods: methods as SyncOpsOf['methods'] }
  Object.defineProperty(store, SYNC_OPS, { value: mark })
  return store
}

/** The synchronous operations to run `list` on, if `store` has them and none of the methods `list` names was replaced. */
function syncOpsFor(store: Store, list: readonly StoreOp[]): SyncStoreOps | undefined {
  const mark = (store as { [SYNC_OPS]?: SyncOpsOf })[SYNC_OPS]
  if (mark === undefined) return undefined
  for (const op of list) if (store[op.op] !== mark.methods[op.op]) return undefined
  return mark.ops
}

async function settled(call: () => Promise<unknown>): Promise<OpAnswer> {
  try {
    return { ok: true, value: (await call()) as never }
  } catch (error) {
    return { ok: false, error }
  }
}

/** Wraps one call of `runBatch`'s fallback (the verifier passes its store time-out). */
export type OpCall = <T>(run: () => Promise<T>) => Promise<T>

/**
 * Runs a batch on any store: through its own `batch()` when it has one, otherwise one call
 * per operation: the gate first, then the rest concurrently, except that operations on the
 * same key, device or user–device pair run in the batch's order (a counter is hit before it
 * is counted). Same answers either way. In the fallback each call goes through `each` (if
 * given), so one slow call fails only its own answer.
 *
 * Round trips: memory none (one synchronous pass, {@link withSyncOps}); SQLite none (one transaction); Redis one
 * (two on a Redis Cluster: the gate, then one script per slot pipelined per node);
 * PostgreSQL, which has no `batch()`, one per operation, in parallel where they touch
 * different keys. See docs/server.md, "Batches of hot-path calls".
 */
export function runBatch<const Ops extends readonly StoreOp[]>(
  store: Store,
  ops: Ops,
  options: BatchOptions = {},
  each: OpCall = (run) => run(),
): Promise<BatchAnswers<Ops>> {
  try {
    if (isBatchingStore(store)) return Promise.resolve(store.batch(ops, options))
    // A store whose calls are synchronous underneath (memory): the whole batch in this turn, in
    // order. No time-out is needed there: a synchronous call cannot be left waiting.
    const sync = syncOpsFor(store, ops)
    if (sync) return Promise.resolve(runSyncBatch(sync, ops, options) as BatchAnswers<Ops>)
  } catch (error) {
    return Promise.reject(error as Error) // never throws: rejects, as an async function would
  }
  return runEach(store, ops, options, each)
}

/** `runBatch`'s fallback: one call per operation. */
async function runEach<const Ops extends readonly StoreOp[]>(
  store: Store,
  ops: Ops,
  options: BatchOptions,
  each: OpCall,
): Promise<BatchAnswers<Ops>> {
  const call = (op: StoreOp): Promise<OpAnswer> => settled(() => each(() => callOp(store, op)))
  const answers: OpAnswer[] = []
  let rest: readonly StoreOp[] = ops
  if (options.gate && ops.length > 0) {
    const gate = await call(ops[0]!)
    answers.push(gate)
    rest = ops.slice(1)
    if (!gate.ok || gate.value !== true) {
      for (let i = 0; i < rest.length; i++) answers.push({ ok: false, error: new GateClosed() })
      return answers as BatchAnswers<Ops>
    }
  }
  const tails = new Map<string, Promise<unknown>>()
  const started = rest.map((op) => {
    const touched = resources(op)
    const answer = Promise.all(touched.flatMap((r) => tails.get(r) ?? [])).then(() => call(op))
    for (const r of touched) tails.set(r, answer)
    return answer
  })
  answers.push(...(await Promise.all(started)))
  return answers as BatchAnswers<Ops>
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
    case 'recordEvent':
      return [`event\0${op.event.id}`]
    default:
      return [`key\0${op.key}`]
  }
}
