import { createHash } from 'node:crypto'
import { extractTiming } from '../behaviour/timing.js'
import { replayBandKey } from '../store-keys/replay.js'
import { optionChecks } from '../validate.js'
import type { Reason } from '../verdict.js'
import { answered, readOps, withReads } from './reads.js'
import { ruleMode, ruleWeight, type Rule, type RuleOptions, type ReadInput } from './types.js'

export interface BehaviourReplayRuleOptions extends RuleOptions {
  /** Weight of `BEHAVIOR_REPLAYED`. Default 80: denies alone (people never repeat a timing sequence). */
  weight?: number
  /** How long band hashes are kept, ms. Default 30 days. */
  ttlMs?: number
  /** Timing values (holds and latencies) per band. Default 12. */
  bandSize?: number
  /** Quantisation of timing values, ms. Default 10. */
  binMs?: number
}

const DAY = 24 * 60 * 60 * 1000

/**
 * The band hashes of a behaviour section: its physical-keyboard holds and down-to-down
 * latencies in order, then its on-screen-keyboard latencies (no holds), quantised to `binMs`, cut into consecutive bands of `bandSize` values, each
 * hashed. Two people typing never share a band (12 values within 10 ms each); a recording
 * replayed with a millisecond or two of jitter keeps some bands intact.
 */
export function replayBands(b: Readonly<Record<string, readonly number[]>>, bandSize = 12, binMs = 10): string[] {
  const m = extractTiming(b).modality
  const t = m.physical
  const values: number[] = []
  for (let i = 0; i < Math.max(t.holds.length, t.latencies.length); i++) {
    if (i < t.holds.length) values.push(t.holds[i]!)
    if (i < t.latencies.length) values.push(t.latencies[i]!)
  }
  // On-screen keyboards: latencies only (their 0–20 ms holds are the keyboard's and would
  // make bands of different people collide), in bands of their own.
  const physicalEnd = values.length - (values.length % bandSize)
  values.splice(physicalEnd)
  values.push(...m.onScreen.latencies)
  const bands: string[] = []
  for (let i = 0; i + bandSize <= values.length; i += bandSize) {
    const band = values.slice(i, i + bandSize).map((v) => Math.round(v / binMs))
    if (new Set(band).size < 3) continue // constant script timing: SCRIPTED_TYPING's case, not a recording
    bands.push(
      createHash('sha256')
        .update(`kenchi-replay:${binMs}:${band.join(',')}`)
        .digest('base64url')
        .slice(0, 22),
    )
  }
  return bands
}

/**
 * `BEHAVIOR_REPLAYED`: a band of this token's typing timing was seen before, on any
 * account: a recorded person is being replayed. Stores only band hashes (`beh:rep:<hash>`,
 * `setIfAbsent`, kept `ttlMs`), never the timing itself. Needs at least one full band
 * (about 6 typed keys); constant bot timing is `SCRIPTED_TYPING`'s job, so bands with
 * fewer than 3 distinct quantised values are not stored.
 */
export function behaviourReplayRule(options: BehaviourReplayRuleOptions = {}): Rule {
  const weight = ruleWeight('behaviourReplayRule', options.weight ?? 80)
  const check = optionChecks('CONFIG_RULE', 'behaviourReplayRule')
  const ttlMs = check.positiveNumber('ttlMs', options.ttlMs, 30 * DAY)
  const bandSize = check.number('bandSize', options.bandSize, { min: 4, integer: true }, 12)
  const binMs = check.number('binMs', options.binMs, { min: 1 }, 10)
  const bandsOf = ({ token }: Pick<ReadInput, 'token'>): string[] => {
    const b = token.body.b
    if (b === undefined || b === null || typeof b !== 'object') return []
    return replayBands(b, bandSize, binMs)
  }
  return withReads({
    name: 'behaviour-replay',
    mode: ruleMode('behaviourReplayRule', options),
    // One set-if-absent per distinct band, in the verification's batch.
    reads: (input) => [...new Set(bandsOf(input))].map((band) => readOps.setIfAbsent(replayBandKey(band), ttlMs)),
    evaluate(input, answers) {
      const bands = bandsOf(input)
      let seen = 0
      for (const answer of answers) if (!answered(answer)) seen++
      const reasons: Reason[] = []
      if (seen > 0) reasons.push({ code: 'BEHAVIOR_REPLAYED', weight, detail: { bands: bands.length, seen } })
      return reasons
    },
  })
}
