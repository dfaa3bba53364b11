import type { Outcome, Label } from './stores/types.js'
import type { Decision, DeviceStatus, Reason } from './verdict.js'

/**
 * A device's status after a verdict, as O-MOTION keeps it:
 * - `fraud` stays until a `legit` label (only labels make a device fraud);
 * - `duplicate` when the device is shared with other user ids (`SAME_DEVICE`);
 * - `unknown` when the verdict asked for a second factor or denied (REVIEW / NG);
 * - `waiting` for an allowed device whose outcome is not known yet, unless already `valid`.
 * `decision` is the one the rules reached (`wouldBe` in monitor mode).
 */
export function statusAfterVerdict(current: DeviceStatus, decision: Decision, reasons: readonly Reason[]): DeviceStatus {
  if (current === 'fraud') return 'fraud'
  if (reasons.some((r) => r.code === 'SAME_DEVICE')) return 'duplicate'
  if (decision !== 'allow') return 'unknown'
  return current === 'valid' || current === 'duplicate' ? current : 'waiting'
}

/** A device's status after a reported outcome: success makes it `valid`, a failed challenge `unknown`. */
export function statusAfterOutcome(current: DeviceStatus, outcome: Outcome): DeviceStatus {
  if (current === 'fraud') return 'fraud'
  if (outcome === 'login_succeeded' || outcome === 'challenge_passed' || outcome === 'order_accepted') {
    return current === 'duplicate' ? 'duplicate' : 'valid'
  }
  if (outcome === 'challenge_failed') return 'unknown'
  return current
}

/** A device's status after a label: `fraud` blocks it, `legit` clears it. */
export function statusAfterLabel(label: Label): DeviceStatus {
  return label === 'fraud' ? 'fraud' : 'valid'
}
