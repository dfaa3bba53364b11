// What every store shares for `queryEvents` and `countEvents`: checking the query, matching
// one event, and buckets. Stores without indexes (memory, Redis) filter with these; the
// SQL stores check with them and filter in SQL.
import { MAX_EVENT_BUCKETS, MAX_QUERY_LIMIT, type EventBucket, type EventCountQuery, type EventQuery, type EventRecord } from './types.js'

const DECISIONS = new Set(['allow', 'challenge', 'deny'])
const LABELS = new Set(['fraud', 'legit', 'any', 'none'])
const TEXT = ['action', 'reason', 'userHash', 'deviceId', 'ip'] as const
const TIMES = ['from', 'to', 'before'] as const

/** Checks a query and resolves its limit; throws `TypeError` naming the bad field. */
export function checkEventQuery(query: EventQuery): number {
  if (typeof query !== 'object' || query === null) throw new TypeError('queryEvents: a query object')
  const limit = query.limit ?? 100
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_QUERY_LIMIT)
    throw new TypeError(`queryEvents: limit, an integer 0–${MAX_QUERY_LIMIT}`)
  for (const name of TIMES) {
    const v = query[name]
    if (v !== undefined && !Number.isFinite(v)) throw new TypeError(`queryEvents: ${name}, a Unix time in ms`)
  }
  for (const name of ['decision', 'wouldBe'] as const) {
    const v = query[name]
    if (v !== undefined && !DECISIONS.has(v)) throw new TypeError(`queryEvents: ${name}, allow, challenge or deny`)
  }
  if (query.label !== undefined && !LABELS.has(query.label)) throw new TypeError('queryEvents: label, fraud, legit, any or none')
  for (const name of TEXT) {
    const v = query[name]
    if (v !== undefined && (typeof v !== 'string' || v.length > 256))
      throw new TypeError(`queryEvents: ${name}, a string of at most 256 characters`)
  }
  return limit
}

/** The newest `at` a query admits (inclusive), from `to` and `before`. */
export function upperBound(query: EventQuery): number {
  let max = Number.MAX_SAFE_INTEGER
  if (query.to !== undefined) max = Math.min(max, Math.floor(query.to))
  if (query.before !== undefined) max = Math.min(max, Math.ceil(query.before) - 1)
  return max
}

/** The oldest `at` a query admits (inclusive). */
export function lowerBound(query: EventQuery): number {
  return query.from === undefined ? Number.MIN_SAFE_INTEGER : Math.ceil(query.from)
}

/** Whether one event passes every filter of a checked query, time bounds included. */
export function matchesEventQuery(event: EventRecord, query: EventQuery): boolean {
  if (event.at < lowerBound(query) || event.at > upperBound(query)) return false
  if (query.decision !== undefined && event.decision !== query.decision) return false
  if (query.wouldBe !== undefined && (event.wouldBe ?? event.decision) !== query.wouldBe) return false
  if (query.action !== undefined && event.action !== query.action) return false
  if (query.userHash !== undefined && event.userHash !== query.userHash) return false
  if (query.deviceId !== undefined && event.deviceId !== query.deviceId) return false
  if (query.ip !== undefined && event.ip !== query.ip) return false
  if (
    query.reason !== undefined &&
    !event.reasons.some((r) => r.code === query.reason) &&
    !(event.monitored ?? []).some((r) => r.code === query.reason)
  )
    return false
  if (query.label === 'none' && event.label) return false
  if (query.label === 'any' && !event.label) return false
  if ((query.label === 'fraud' || query.label === 'legit') && event.label?.label !== query.label) return false
  return true
}

/** Checks a count query; resolves the first bucket's start and the number of buckets. Throws `TypeError`. */
export function checkCountQuery(query: EventCountQuery): { first: number; buckets: number } {
  if (typeof query !== 'object' || query === null) throw new TypeError('countEvents: a query object')
  const { from, to, bucketMs } = query
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from)
    throw new TypeError('countEvents: from and to, Unix times in ms with to ≥ from')
  if (!Number.isInteger(bucketMs) || bucketMs <= 0 || bucketMs % 60_000 !== 0)
    throw new TypeError('countEvents: bucketMs, a positive multiple of 60 000')
  const first = Math.floor(from / bucketMs) * bucketMs
  const buckets = Math.floor(to / bucketMs) - Math.floor(from / bucketMs) + 1
  if (buckets > MAX_EVENT_BUCKETS) throw new TypeError(`countEvents: at most ${MAX_EVENT_BUCKETS} buckets`)
  return { first, buckets }
}

/** Zero buckets for a checked count query. */
export function emptyBuckets(first: number, buckets: number, bucketMs: number): EventBucket[] {
  return Array.from({ length: buckets }, (_, i) => ({ at: first + i * bucketMs, allow: 0, challenge: 0, deny: 0 }))
}

/** Adds `n` events of `decision` at `at` to the buckets it falls in (nothing outside them). */
export function addToBuckets(buckets: EventBucket[], bucketMs: number, at: number, decision: string, n = 1): void {
  if (buckets.length === 0 || !DECISIONS.has(decision)) return
  const bucket = buckets[Math.floor((at - buckets[0]!.at) / bucketMs)]
  if (bucket !== undefined) bucket[decision as 'allow'] += n
}

/**
 * The part of a full newest-first batch that is safe to use, and the next `before`: the
 * batch's last millisecond may continue in the next batch, so it is left for that one
 * (unless one millisecond fills the whole batch: then the cut is accepted).
 */
function cut(page: EventRecord[], batch: number): { usable: EventRecord[]; next: number } {
  if (page.length < batch) return { usable: page, next: 0 }
  const lastAt = page.at(-1)!.at
  const usable = page.filter((e) => e.at > lastAt)
  return usable.length === 0 ? { usable: page, next: lastAt } : { usable, next: lastAt + 1 }
}

/**
 * `queryEvents` on top of newest-first pages (`listEvents`-like, `before` exclusive): reads
 * batches down to `from`, keeping every match, until `limit` matches. A batch that ends
 * inside a millisecond is cut before it, so no event of that millisecond is skipped.
 */
export async function scanQuery(
  list: (options: { limit: number; before: number }) => Promise<EventRecord[]>,
  query: EventQuery,
  batch = 500,
): Promise<EventRecord[]> {
  const limit = checkEventQuery(query)
  const out: EventRecord[] = []
  if (limit === 0) return out
  const from = lowerBound(query)
  let before = upperBound(query) + 1
  for (;;) {
    const page = await list({ limit: batch, before })
    const { usable, next } = cut(page, batch)
    for (const event of usable) {
      if (event.at < from) return out
      if (matchesEventQuery(event, query)) {
        out.push(event)
        if (out.length === limit) return out
      }
    }
    if (page.length < batch) return out
    before = next
  }
}

/** `countEvents` on top of newest-first pages, reading every event of the buckets. */
export async function scanCounts(
  list: (options: { limit: number; before: number }) => Promise<EventRecord[]>,
  query: EventCountQuery,
  batch = 1000,
): Promise<EventBucket[]> {
  const { first, buckets: n } = checkCountQuery(query)
  const buckets = emptyBuckets(first, n, query.bucketMs)
  const end = first + n * query.bucketMs
  let before = end
  for (;;) {
    const page = await list({ limit: batch, before })
    const { usable, next } = cut(page, batch)
    for (const event of usable) {
      if (event.at < first) return buckets
      addToBuckets(buckets, query.bucketMs, event.at, event.decision)
    }
    if (page.length < batch) return buckets
    before = next
  }
}
