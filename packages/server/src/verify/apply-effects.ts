import type { Effect } from '../effects.js'
import { KenchiError } from '../errors.js'
import { FinalError, type Outbox } from '../outbox.js'
import { callOp, isBatchingStore, type OpAnswer, type StoreOp } from '../stores/batch.js'
import type { EventRecord, Store } from '../stores/types.js'
import type { Reason } from '../verdict.js'
import { batchUnderGuard } from './store-batch.js'
import { describe, type Guard } from './store-call.js'

/**
 * What became of one effect of a verdict: `done` (written), `accepted` (an event handed to
 * the write-behind queue while the store answers; `settled` says when it is written), `queued`
 * (waits in the write-behind queue for a store that failed), `failed`.
 */
export type EffectResult = { effect: Effect; status: 'done' | 'accepted' | 'queued' } | { effect: Effect; status: 'failed'; error: unknown }

/**
 * The one place that writes effects to the store. Evaluation and the report planners only
 * return `Effect` values; every write the verifier decides on (device status, stored-id
 * links, trust, outcome counters, negative-list flags, events) goes through here, each
 * under the store time-out (a verdict's in one batch), events and reports through the
 * write-behind queue. Not here: the atomic read-modify-writes whose answer a check needs
 * before any verdict exists (the nonce's set-if-absent, `touchDevice`, the rules' counters:
 * velocity, history links, replay bands, attack mode's distinct logins), which the rules
 * declare and the pipeline sends in its read batch (`Rule.reads`).
 */
export interface EffectApplier {
  /**
   * Applies a verdict's effects and resolves what became of each (same order); never
   * rejects. `record-event` and `update-event` go through the write-behind queue (an event
   * as {@link EffectApplier.record}; an update is written at once, `queued` while the store
   * is down); the others are written once, together in one store batch (one round trip on a
   * store that batches), and a failure is returned for the verdict to say so, not retried.
   */
  settle(effects: readonly Effect[]): Promise<EffectResult[]>
  /**
   * Hands a verdict's event to the write-behind queue without waiting for the store: a copy
   * is written grouped with the events queued next to it (one store batch); `settled` waits
   * for that write's first try. Says at once `accepted`, `queued` (the store is failing) or `failed` (the queue
   * is full: `OutboxFullError`, the half rule for `bulk` events included).
   */
  record(effect: Extract<Effect, { kind: 'record-event' }>): EffectResult
  /**
   * Resolves once the write of an event handed to `record` was tried: `done` (it is in the
   * store) or `queued` (its group failed; it waits for a retry). Several verifications waiting
   * at once share their events' group (one store batch).
   */
  settled(eventId: string): Promise<'done' | 'queued'>
  /**
   * Queues a write-behind job: `plan` reads what it needs and returns effects, applied in
   * order. A failure anywhere retries the whole job later (in order behind earlier jobs);
   * `plan` may throw `FinalError` to fail it for good. Resolves `done` or `queued`; rejects
   * with `OutboxFullError` when the queue is full.
   */
  submit(plan: () => Promise<readonly Effect[]>): Promise<'done' | 'queued'>
}

export function createEffectApplier(store: Store, outbox: Outbox, guard: Guard): EffectApplier {
  /** One effect as one store call (a hot one as the store operation it is in a batch). */
  function write(effect: Effect): Promise<unknown> {
    switch (effect.kind) {
      case 'record-event':
        // Not written alone: events go through the queue's groups (`record`).
        throw new TypeError('record-event: through record()')
      case 'update-event':
        return store.updateEvent(effect.eventId, effect.patch).then((updated) => {
          if (updated === undefined) throw new FinalError(new KenchiError('EVENT_UNKNOWN', `no event ${effect.eventId}`))
        })
      default:
        return callOp(store, opOf(effect))
    }
  }

  /** The hot effects (all but events) in one batch: one round trip on a store that batches. */
  async function writeHot(effects: readonly HotEffect[]): Promise<EffectResult[]> {
    if (effects.length === 0) return []
    let answers: OpAnswer[]
    try {
      answers = await batchUnderGuard(store, effects.map(opOf), guard)
    } catch (error) {
      return effects.map((effect) => ({ effect, status: 'failed', error }))
    }
    return effects.map((effect, i): EffectResult => {
      const answer = answers[i]!
      return answer.ok ? { effect, status: 'done' } : { effect, status: 'failed', error: answer.error }
    })
  }

  function record(effect: Extract<Effect, { kind: 'record-event' }>): EffectResult {
    try {
      // A copy: the caller keeps the verdict whose reasons the event holds (and may add to them).
      const event = { ...effect.event, reasons: [...effect.event.reasons] }
      return { effect, status: outbox.record(event, { bulk: effect.bulk }) }
    } catch (error) {
      return { effect, status: 'failed', error }
    }
  }

  return {
    record,
    settled: (eventId) => outbox.settled(eventId),
    async settle(effects) {
      const hot = effects.filter(isHot)
      const written = writeHot(hot)
      let next = 0
      const results = await Promise.all(
        effects.map(async (effect): Promise<EffectResult> => {
          if (isHot(effect)) {
            const at = next++
            return (await written)[at]!
          }
          if (effect.kind === 'record-event') return record(effect)
          try {
            return { effect, status: await outbox.submit(() => guard(() => write(effect))) }
          } catch (error) {
            return { effect, status: 'failed', error }
          }
        }),
      )
      return results
    },
    submit(plan) {
      return outbox.submit(async () => {
        for (const effect of await plan()) await guard(() => write(effect))
      })
    },
  }
}

/**
 * Writes a group of events from the write-behind queue: on a store with `batch()` one batch
 * of `recordEvent` operations under one store time-out (one round trip on Redis, one
 * transaction on SQLite); on a store with `recordEvents` (PostgreSQL) one multi-row insert;
 * otherwise one `recordEvent` each, concurrently, each under the time-out. Rejects with the first failure; the queue then retries the whole group, which
 * is safe because recording an id twice keeps the first record (`Store.recordEvent`).
 */
export async function recordEventGroup(store: Store, guard: Guard, events: readonly EventRecord[]): Promise<void> {
  if (isBatchingStore(store)) {
    const answers = await guard(() => store.batch(events.map((event): StoreOp => ({ op: 'recordEvent', event }))))
    for (const answer of answers) if (!answer.ok) throw answer.error
    return
  }
  if (events.length === 1) {
    await guard(() => store.recordEvent(events[0]!))
    return
  }
  // PostgreSQL's multi-row INSERT (`PostgresStore.recordEvents`): one round trip for the group.
  const many = (store as Partial<{ recordEvents(events: EventRecord[]): Promise<void> }>).recordEvents
  if (typeof many === 'function') {
    await guard(() => many.call(store, [...events]))
    return
  }
  await Promise.all(events.map((event) => guard(() => store.recordEvent(event))))
}

/** An effect written straight to the store (not through the write-behind queue). */
type HotEffect = Exclude<Effect, { kind: 'record-event' | 'update-event' }>

const isHot = (effect: Effect): effect is HotEffect => effect.kind !== 'record-event' && effect.kind !== 'update-event'

/** A hot effect as the store operation that writes it. */
function opOf(effect: HotEffect): StoreOp {
  switch (effect.kind) {
    case 'device-status':
      return { op: 'setDeviceStatus', id: effect.deviceId, status: effect.status }
    case 'link':
      return { op: 'linkUserDevice', userHash: effect.userHash, deviceId: effect.deviceId, now: effect.at }
    case 'trust':
      return { op: 'trustUserDevice', userHash: effect.userHash, deviceId: effect.deviceId, now: effect.at }
    case 'count':
      return { op: 'hit', key: effect.key, windowMs: effect.windowMs, now: effect.at }
    case 'flag':
      return { op: 'setFlag', key: effect.key, ttlMs: effect.ttlMs }
  }
}

/** What each effect is, in a `STORE_UNAVAILABLE` reason's `detail.while`. */
const WHILE: Record<Effect['kind'], string> = {
  'device-status': 'updating the device status',
  link: 'linking stored ids',
  trust: 'trusting the device',
  count: 'counting the outcome',
  flag: 'setting a flag',
  'record-event': 'recording the event',
  'update-event': 'updating the event',
}

/**
 * The weight-0 `STORE_UNAVAILABLE` reason a verdict carries for an effect that failed or
 * waits in the write-behind queue; `undefined` for one that was written.
 */
export function effectNote(result: EffectResult): Reason | undefined {
  const what = WHILE[result.effect.kind]
  if (result.status === 'failed') return { code: 'STORE_UNAVAILABLE', weight: 0, detail: { while: what, error: describe(result.error) } }
  return result.status === 'queued' ? { code: 'STORE_UNAVAILABLE', weight: 0, detail: { while: what, queued: true } } : undefined
}
