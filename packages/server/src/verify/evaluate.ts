import { statusAfterVerdict } from '../device-status.js'
import type { Effect } from '../effects.js'
import { storedIdKey } from '../store-keys/stored-ids.js'
import type { Rule } from '../rules/types.js'
import { decide, sortReasons, type Thresholds } from '../scoring.js'
import type { Decision, Reason, Verdict, VerdictDevice } from '../verdict.js'
import { describe } from './store-call.js'

/** A verdict before the verifier gives it an event id and a mode. */
export type Judgement = Omit<Verdict, 'eventId' | 'mode'>

/** What evaluation decides: the verdict, and the store writes it asks for (applied by `apply-effects.ts`). */
export interface Evaluation {
  verdict: Judgement
  effects: Effect[]
}

/** Everything a verdict on a valid token is decided from, read before evaluation. */
export interface EvaluationInput {
  /** The device as judged from its record and claims (`judgeDevice`). */
  device: VerdictDevice
  /** The token's stored ids, to link to the device (`link` effects). */
  storedIds: readonly string[]
  /** The verifier's clock, Unix ms. */
  now: number
  /** Reasons the verifier found before the rules (a store failure while reading), in order. */
  notes: readonly Reason[]
  /** The rules in pipeline order, and what each one's `evaluate` settled to (same order). */
  rules: readonly Rule[]
  results: readonly PromiseSettledResult<Reason[]>[]
  /** The action's thresholds under the current policy. */
  thresholds: Thresholds
}

/**
 * Decides a verdict on a valid token. Pure: it reads and writes nothing, and returns the
 * verdict with the effects it asks for. Live rules' reasons (and `notes`) are scored; a
 * monitor rule's go to `monitored` with the decision they would have given (`wouldBe`); a
 * rule that threw leaves `RULE_FAILED` (weight 0) naming it. Effects: the token's stored
 * ids linked to the device, and the device's new status (`statusAfterVerdict`) if it
 * changes. A status the claims gave the device for this verdict only (an inherited
 * `fraud`) is the starting point, never written by itself.
 */
export function evaluate(input: EvaluationInput): Evaluation {
  const { device, thresholds } = input
  const live: Reason[] = [...input.notes]
  const monitored: Reason[] = []
  input.results.forEach((outcome, i) => {
    const rule = input.rules[i]!
    if (outcome.status === 'fulfilled') (rule.mode === 'monitor' ? monitored : live).push(...outcome.value)
    else live.push({ code: 'RULE_FAILED', weight: 0, detail: { rule: rule.name, error: describe(outcome.reason) } })
  })
  sortReasons(live)
  const { score, decision } = decide(live, thresholds)
  const effects = linkEffects(device.id, input.storedIds, input.now)
  const next = statusAfterVerdict(device.status, decision, live)
  if (next !== device.status) effects.push({ kind: 'device-status', deviceId: device.id, status: next })
  const verdict: Judgement = { decision, score, reasons: live, device: { ...device } }
  if (monitored.length > 0) {
    verdict.monitored = sortReasons(monitored)
    verdict.wouldBe = decide([...live, ...monitored], thresholds).decision
  }
  return { verdict, effects }
}

/**
 * The stored-id links a valid token asks for, so the next token presenting one of these ids
 * from another key finds this device (`readStoredIdClaims`). Pairs are (device id,
 * `sid:<id>`): the device on the user side, so a stored id never counts as one more user
 * of the device (SAME_DEVICE counts real user ids only).
 */
export function linkEffects(deviceId: string, storedIds: readonly string[], now: number): Effect[] {
  return storedIds.map((id): Effect => ({ kind: 'link', userHash: deviceId, deviceId: storedIdKey(id), at: now }))
}

/** Test mode's verdict on a valid token: the fixed decision with reason `TEST_MODE`; no rule runs. */
export function testModeVerdict(decision: Decision, device: VerdictDevice): Judgement {
  return { decision, score: weightOf(decision), reasons: [{ code: 'TEST_MODE', weight: 0, detail: { decision } }], device }
}

/** A verdict for a failed check: the code is the only reason, weighing what the decision does. */
export function failure(code: Reason['code'], decision: Decision, detail?: string): Judgement {
  const weight = weightOf(decision)
  const reason: Reason = detail === undefined ? { code, weight } : { code, weight, detail: { message: detail } }
  return { decision, score: weight, reasons: [reason] }
}

const weightOf = (decision: Decision) => (decision === 'deny' ? 100 : decision === 'challenge' ? 50 : 0)
