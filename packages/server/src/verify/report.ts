import { labelEffects, outcomeEffects, type Effect } from '../effects.js'
import { KenchiError } from '../errors.js'
import { OutboxFullError } from '../outbox.js'
import type { DeviceRecord, EventPatch, EventRecord, Label, Outcome, Store } from '../stores/types.js'
import type { EffectApplier } from './apply-effects.js'
import type { Guard } from './store-call.js'

/** Whether a report reached the store now or waits in memory for it to come back. */
export type ReportStatus = 'recorded' | 'queued'

/** The outcomes `reportOutcome` accepts. */
export const OUTCOMES: readonly Outcome[] = [
  'login_succeeded',
  'login_failed',
  'challenge_passed',
  'challenge_failed',
  'order_accepted',
  'order_declined',
]
const LABELS: readonly Label[] = ['fraud', 'legit']

/** `reportOutcome` and `label` of a verifier. */
export interface Reporter {
  reportOutcome(eventId: string, outcome: Outcome): Promise<ReportStatus>
  label(eventId: string, label: Label, options?: { comment?: string }): Promise<ReportStatus>
}

/**
 * Reports after a verdict. Each report is two write-behind jobs: the outcome or label
 * appended to the event, then its consequences (`outcomeEffects`, `labelEffects`) planned
 * from the event and its device as the store has them and applied in order, as a second
 * job so a retry never appends the outcome twice.
 */
export function createReporter(store: Store, effects: EffectApplier, guard: Guard, now: () => number): Reporter {
  async function report(
    eventId: string,
    patch: EventPatch,
    plan: (event: EventRecord, device: DeviceRecord | undefined) => Effect[],
  ): Promise<ReportStatus> {
    if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > 64) {
      throw new KenchiError('INPUT_INVALID', 'eventId: the eventId of a verdict')
    }
    try {
      const status = await effects.submit(async () => [{ kind: 'update-event', eventId, patch }])
      const applied = await effects.submit(async () => {
        const event = await guard(() => store.getEvent(eventId))
        if (event === undefined) return []
        const { deviceId } = event
        const device = deviceId === undefined ? undefined : await guard(() => store.getDevice(deviceId))
        return plan(event, device)
      })
      return status === 'done' && applied === 'done' ? 'recorded' : 'queued'
    } catch (error) {
      if (error instanceof KenchiError) throw error
      if (error instanceof OutboxFullError) throw new KenchiError('STORE_UNAVAILABLE', error.message, { cause: error })
      throw error
    }
  }

  return {
    reportOutcome(eventId, outcome) {
      if (!OUTCOMES.includes(outcome)) {
        return Promise.reject(new KenchiError('INPUT_INVALID', `outcome: one of ${OUTCOMES.join(', ')}`))
      }
      const at = now()
      return report(eventId, { outcome: { outcome, at } }, (event, device) => outcomeEffects(event, device, outcome, at))
    },
    label(eventId, label, { comment } = {}) {
      if (!LABELS.includes(label)) return Promise.reject(new KenchiError('INPUT_INVALID', "label: 'fraud' or 'legit'"))
      if (comment !== undefined && (typeof comment !== 'string' || comment.length > 500)) {
        return Promise.reject(new KenchiError('INPUT_INVALID', 'comment: a string of at most 500 characters'))
      }
      const at = now()
      return report(eventId, { label: { label, at, ...(comment !== undefined ? { comment } : {}) } }, (event, device) =>
        labelEffects(event, device, label, at),
      )
    },
  }
}
