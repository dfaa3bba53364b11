import type { Effect } from '../effects.js'
import { KenchiError } from '../errors.js'
import { FinalError, type Outbox } from '../outbox.js'
import type { Store } from '../stores/types.js'
import type { Reason } from '../verdict.js'
import { describe, type Guard } from './store-call.js'

/** What became of one effect of a verdict. */
export type EffectResult = { effect: Effect; status: 'done' | 'queued' } | { effect: Effect; status: 'failed'; error: unknown }

/**
 * The one place that writes effects to the store. Evaluation and the report planners only
 * return `Effect` values; every write the verifier decides on (device status, stored-id
 * links, trust, outcome counters, negative-list flags, events) goes through here, each
 * call under the store time-out, events and reports through the write-behind queue. Not
 * here: the atomic read-modify-writes whose answer a check needs before any verdict exists
 * (the nonce's set-if-absent, `touchDevice`) and the rules' own counters (velocity,
 * history links, replay bands, attack mode's distinct logins), which stay in the rules
 * until they declare their reads and writes (issue 19).
 */
export interface EffectApplier {
  /**
   * Applies a verdict's effects concurrently (they touch different keys) and resolves what
   * became of each; never rejects. `record-event` and `update-event` go through the
   * write-behind queue (`queued` while the store is down); any other effect is written
   * once, and a failure is returned for the verdict to say so, not retried.
   */
  settle(effects: readonly Effect[]): Promise<EffectResult[]>
  /**
   * Queues a write-behind job: `plan` reads what it needs and returns effects, applied in
   * order. A failure anywhere retries the whole job later (in order behind earlier jobs);
   * `plan` may throw `FinalError` to fail it for good. Resolves `done` or `queued`; rejects
   * with `OutboxFullError` when the queue is full.
   */
  submit(plan: () => Promise<readonly Effect[]>): Promise<'done' | 'queued'>
}

export function createEffectApplier(store: Store, outbox: Outbox, guard: Guard): EffectApplier {
  /** One effect as one store call. */
  function write(effect: Effect): Promise<unknown> {
    switch (effect.kind) {
      case 'device-status':
        return store.setDeviceStatus(effect.deviceId, effect.status)
      case 'link':
        return store.linkUserDevice(effect.userHash, effect.deviceId, effect.at)
      case 'trust':
        return store.trustUserDevice(effect.userHash, effect.deviceId, effect.at)
      case 'count':
        return store.hit(effect.key, effect.windowMs, effect.at)
      case 'flag':
        return store.setFlag(effect.key, effect.ttlMs)
      case 'record-event':
        // A copy: the caller keeps the verdict whose reasons the event holds.
        return store.recordEvent({ ...effect.event, reasons: [...effect.event.reasons] })
      case 'update-event':
        return store.updateEvent(effect.eventId, effect.patch).then((updated) => {
          if (updated === undefined) throw new FinalError(new KenchiError('EVENT_UNKNOWN', `no event ${effect.eventId}`))
        })
    }
  }

  return {
    settle(effects) {
      return Promise.all(
        effects.map(async (effect): Promise<EffectResult> => {
          try {
            if (effect.kind === 'record-event' || effect.kind === 'update-event') {
              const bulk = effect.kind === 'record-event' && effect.bulk
              return { effect, status: await outbox.submit(() => guard(() => write(effect)), { bulk }) }
            }
            await guard(() => write(effect))
            return { effect, status: 'done' }
          } catch (error) {
            return { effect, status: 'failed', error }
          }
        }),
      )
    },
    submit(plan) {
      return outbox.submit(async () => {
        for (const effect of await plan()) await guard(() => write(effect))
      })
    },
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
