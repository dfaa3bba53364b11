import { randomUUID } from 'node:crypto'
import { TOKEN_ERRORS } from '@kenchi/protocol'
import type { VerifyContext } from '../context.js'
import type { EventRecord } from '../stores/types.js'
import type { Decision, Verdict } from '../verdict.js'
import type { EffectApplier } from './apply-effects.js'

/**
 * How the events of rejected tokens are recorded (`rejectedEvents` of `createVerifier`).
 * Anyone can send any number of bad tokens; one store write each would let them turn
 * requests into writes. Applies to denied verdicts only (not monitor mode, where the app
 * carries on and may report outcomes against the event). So the first `fullPerInterval` rejections of each reason code in
 * an interval are recorded in full, as every other event, and the rest are counted in
 * memory and written as one summary event per (reason code, action, IP address, decision)
 * when the interval ends, on `flush()` and on `close()`.
 */
export interface RejectedEventsOptions {
  /**
   * Rejections recorded in full (their own event, with the event id of their verdict) per
   * reason code per interval. Default 100: a few bad tokens a minute are all recorded.
   * `0` records summaries only.
   */
  fullPerInterval?: number
  /** The interval, ms. Default 60 000 (a minute). */
  intervalMs?: number
  /**
   * Most summaries kept at once. A rejection whose (code, action, IP, decision) is new
   * once this many are kept is counted in its (code, action, decision) summary without an
   * IP address (its reason detail says `ipOmitted: true`). Default 1000.
   */
  maxSummaries?: number
}

/** `RejectedEventsOptions` with the defaults filled in. */
export interface RejectedEventsConfig {
  fullPerInterval: number
  intervalMs: number
  maxSummaries: number
}

export const DEFAULT_REJECTED_EVENTS: RejectedEventsConfig = { fullPerInterval: 100, intervalMs: 60_000, maxSummaries: 1000 }

/** The rejected verifications counted instead of recorded, for one summary event. */
interface Summary {
  code: string
  weight: number
  score: number
  action: string
  ip: string | undefined
  decision: Decision
  wouldBe: Decision | undefined
  mode: Verdict['mode']
  ipOmitted: boolean
  count: number
  /** First and last rejection counted, Unix ms. */
  from: number
  to: number
}

/** Counts rejected verifications beyond the full-record budget and writes them as summary events. */
export interface RejectionSampler {
  /**
   * Whether this verdict's event is counted for a summary instead of recorded now: `true`
   * for a denied token (`isRejectedToken`) once its code's full-record budget for this
   * interval is spent. `false`: record it as usual.
   */
  sample(verdict: Verdict, context: VerifyContext): boolean
  /** Writes every summary counted so far (through the write-behind queue); never rejects. */
  flush(): Promise<void>
  /** Stops the timer and writes what is counted (without waiting). */
  close(): void
}

/** Token reason codes whose events are sampled: every token failure except a missing token (`missingToken` policy). */
const HOSTILE = new Set<string>(Object.keys(TOKEN_ERRORS).filter((code) => code !== 'TOKEN_MISSING'))

/**
 * Whether a verdict is a rejected token whose event may be counted instead of recorded: no
 * valid token, a token reason code other than `TOKEN_MISSING`, and the decision the app
 * sees is `deny`. In monitor mode (`allow`, `wouldBe: 'deny'`) the app goes on and may
 * report outcomes or labels against the event id, so every event is recorded in full.
 */
export function isRejectedToken(verdict: Verdict): boolean {
  return verdict.decision === 'deny' && verdict.device === undefined && verdict.reasons.length > 0 && HOSTILE.has(verdict.reasons[0]!.code)
}

export function createRejectionSampler(config: RejectedEventsConfig, effects: EffectApplier, now: () => number): RejectionSampler {
  const { fullPerInterval, intervalMs, maxSummaries } = config
  /** Full records per code in the current interval. */
  let full = new Map<string, number>()
  let intervalEnd = -Infinity
  let summaries = new Map<string, Summary>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false

  function count(s: Summary, key: string): void {
    const old = summaries.get(key)
    if (old === undefined) {
      summaries.set(key, s)
    } else {
      old.count += s.count
      old.ipOmitted ||= s.ipOmitted
      old.from = Math.min(old.from, s.from)
      old.to = Math.max(old.to, s.to)
    }
  }

  /** Counts a summary (or a batch of them, when a write failed), leaving the IP out once `maxSummaries` are kept. */
  function add(s: Summary): void {
    let key = keyOf(s.code, s.action, s, s.ipOmitted ? undefined : s.ip)
    if (!summaries.has(key) && summaries.size >= maxSummaries && s.ip !== undefined) {
      s.ip = undefined
      s.ipOmitted = true
      key = keyOf(s.code, s.action, s, undefined)
    }
    count(s, key)
  }

  function arm(): void {
    if (timer !== undefined || closed) return
    timer = setTimeout(() => {
      timer = undefined
      void flush()
    }, intervalMs)
    timer.unref?.()
  }

  function eventOf(s: Summary): EventRecord {
    return {
      id: randomUUID(),
      at: s.to,
      action: s.action,
      decision: s.decision,
      score: s.score,
      reasons: [{ code: s.code as EventRecord['reasons'][number]['code'], weight: s.weight, detail: detailOf(s) }],
      mode: s.mode,
      ...(s.wouldBe !== undefined ? { wouldBe: s.wouldBe } : {}),
      ...(s.ip !== undefined ? { ip: s.ip } : {}),
    }
  }

  async function flush(): Promise<void> {
    if (summaries.size === 0) return
    const written = [...summaries.values()]
    summaries = new Map()
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    const results = await effects.settle(written.map((s) => ({ kind: 'record-event' as const, event: eventOf(s), bulk: true })))
    // A summary the write-behind queue refused (full while the store is down) is counted
    // again, to be written with the next ones: the counts are never dropped.
    for (const [i, result] of results.entries()) if (result.status === 'failed') add(written[i]!)
    if (summaries.size > 0) arm()
  }

  return {
    sample(verdict, context) {
      if (!isRejectedToken(verdict)) return false
      const at = now()
      if (at >= intervalEnd) {
        full = new Map()
        intervalEnd = at + intervalMs
      }
      const reason = verdict.reasons[0]!
      const used = full.get(reason.code) ?? 0
      if (used < fullPerInterval) {
        full.set(reason.code, used + 1)
        return false
      }
      // The common case under a flood: the summary exists; count without allocating one.
      const known = summaries.get(keyOf(reason.code, context.action, verdict, context.ip))
      if (known !== undefined) {
        known.count++
        known.to = Math.max(known.to, at)
        return true
      }
      add({
        code: reason.code,
        weight: reason.weight,
        score: verdict.score,
        action: context.action,
        ip: context.ip,
        decision: verdict.decision,
        wouldBe: verdict.wouldBe,
        mode: verdict.mode,
        ipOmitted: false,
        count: 1,
        from: at,
        to: at,
      })
      arm()
      return true
    },
    flush,
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      void flush()
    },
  }
}

/** The key of a summary: code, action, decision, would-be decision, mode and IP address. */
function keyOf(
  code: string,
  action: string,
  v: { decision: Decision; wouldBe?: Decision | undefined; mode: string },
  ip: string | undefined,
): string {
  return `${code}\n${action}\n${v.decision}\n${v.wouldBe ?? ''}\n${v.mode}\n${ip ?? ''}`
}

/** A summary's reason detail: how many rejections it stands for, and over what time. */
function detailOf(s: Summary): Record<string, unknown> {
  return { summary: true, count: s.count, from: s.from, to: s.to, ...(s.ipOmitted ? { ipOmitted: true } : {}) }
}
