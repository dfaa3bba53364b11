import type { Decision, Reason } from './verdict.js'

/** Score bounds for one action: a score at or above `challenge` challenges, at or above `deny` denies. */
export interface Thresholds {
  challenge: number
  deny: number
}

export const DEFAULT_THRESHOLDS: Thresholds = { challenge: 40, deny: 80 }

/**
 * Combines reason weights into a score with a noisy-OR: each reason is read as an
 * independent chance of abuse `w/100`, and the score is the chance that at least one is
 * right, `100 × (1 − Π(1 − wᵢ/100))`, rounded. Two reasons of 50 give 75; any reason of
 * 100 gives 100. Order does not matter and more evidence never lowers the score.
 */
export function combine(reasons: readonly Reason[]): number {
  let safe = 1
  for (const r of reasons) safe *= 1 - clampWeight(r.weight) / 100
  return Math.round(100 * (1 - safe))
}

/**
 * Turns reasons into a score and a decision. A reason of weight 100 is a hard reason and
 * denies whatever the thresholds say.
 */
export function decide(reasons: readonly Reason[], thresholds: Thresholds): { score: number; decision: Decision } {
  const score = combine(reasons)
  if (reasons.some((r) => r.weight >= 100)) return { score, decision: 'deny' }
  if (score >= thresholds.deny) return { score, decision: 'deny' }
  if (score >= thresholds.challenge) return { score, decision: 'challenge' }
  return { score, decision: 'allow' }
}

/** Sorts reasons by contribution (weight), highest first; stable for equal weights. */
export function sortReasons(reasons: Reason[]): Reason[] {
  return reasons.sort((a, b) => b.weight - a.weight)
}

function clampWeight(weight: number): number {
  return Number.isFinite(weight) ? Math.min(100, Math.max(0, weight)) : 0
}
