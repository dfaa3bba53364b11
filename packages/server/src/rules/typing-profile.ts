import { extractTiming, type TypingTiming } from '../behaviour/timing.js'
import { typingProfileKey } from '../store-keys/typing.js'
import type { Store } from '../stores/types.js'
import { optionChecks } from '../validate.js'
import type { Reason } from '../verdict.js'
import { answered, readOps, withReads } from './reads.js'
import { ruleMode, ruleWeight, type ReadInput, type Rule, type RuleOptions } from './types.js'

/** A login's typing rhythm: log hold times and log latencies, in order, and their shape. */
export interface TypingVector {
  /** Only vectors with the same signature (number of holds and latencies) are compared. */
  sig: string
  values: number[]
}

/** Running aggregates of one signature: count, means and sums of squared deviations (Welford). No raw samples. */
export interface TypingAggregate {
  n: number
  mean: number[]
  m2: number[]
}

/** A user's typing profile: a few aggregates, one per signature (most recently used first). */
export interface TypingProfile {
  v: 1
  sigs: Record<string, TypingAggregate>
  order: string[]
}

/** Where profiles live: `memoryTypingProfiles()` (one process) or `storeTypingProfiles(store)` (SQLite, Redis). */
export interface TypingProfileStore {
  get(userHash: string): Promise<TypingProfile | undefined>
  set(userHash: string, profile: TypingProfile): Promise<void>
}

/** Profiles in memory (one process; lost on restart). At most `maxUsers`, the least recently written dropped first. */
export function memoryTypingProfiles(maxUsers = 100_000): TypingProfileStore {
  const map = new Map<string, string>()
  return {
    async get(userHash) {
      const json = map.get(userHash)
      return json === undefined ? undefined : (JSON.parse(json) as TypingProfile)
    },
    async set(userHash, profile) {
      map.delete(userHash)
      map.set(userHash, JSON.stringify(profile))
      if (map.size > maxUsers) map.delete(map.keys().next().value!)
    },
  }
}

/**
 * Profiles in a {@link Store} under `typing:<userHash>` (JSON, at most a few KB): with the
 * SQLite or Redis store they are shared by every process and survive restarts. A profile
 * expires `ttlMs` after the last login it learned (default 400 days). Two processes
 * learning one user's logins at the same instant may lose one of the two samples (the
 * store's values are last-writer-wins), which only delays the profile by one login. A value
 * that is not a profile (written by something else) reads as no profile.
 */
export function storeTypingProfiles(store: Store, { ttlMs = 400 * 86_400_000 }: { ttlMs?: number } = {}): TypingProfileStore {
  optionChecks('CONFIG_RULE', 'storeTypingProfiles').positiveNumber('ttlMs', ttlMs)
  const profiles: TypingProfileStore = {
    async get(userHash) {
      return profileFrom(await store.getValue(typingProfileKey(userHash)))
    },
    async set(userHash, profile) {
      await store.setValue(typingProfileKey(userHash), JSON.stringify(profile), ttlMs)
    },
  }
  backingStores.set(profiles, store)
  return profiles
}

/** The store behind each `storeTypingProfiles` result: its read can join the verification's batch. */
const backingStores = new WeakMap<TypingProfileStore, Store>()

/** A stored profile value as a profile, or `undefined` (absent, or not a profile). */
function profileFrom(json: string | undefined): TypingProfile | undefined {
  if (json === undefined) return undefined
  try {
    const profile = JSON.parse(json) as TypingProfile
    return isProfile(profile) ? profile : undefined
  } catch {
    return undefined
  }
}

function isProfile(p: unknown): p is TypingProfile {
  if (p === null || typeof p !== 'object') return false
  const { v, sigs, order } = p as Partial<TypingProfile>
  if (v !== 1 || !Array.isArray(order) || sigs === null || typeof sigs !== 'object') return false
  return Object.values(sigs).every(
    (a) =>
      a !== null &&
      typeof a === 'object' &&
      Number.isInteger(a.n) &&
      Array.isArray(a.mean) &&
      Array.isArray(a.m2) &&
      a.mean.length === a.m2.length &&
      a.mean.every(Number.isFinite) &&
      a.m2.every(Number.isFinite),
  )
}

const MAX_SIGNATURES = 3
/** Least timing values before a login has a rhythm worth learning. */
const MIN_VALUES = 6

/** The rhythm vector of typing timing, or undefined if too little was typed. */
export function typingVector(t: TypingTiming): TypingVector | undefined {
  const values: number[] = []
  for (const h of t.holds) values.push(Math.log(Math.max(h, 1)))
  for (const l of t.latencies) values.push(Math.log(Math.max(l, 1)))
  if (values.length < MIN_VALUES) return undefined
  return { sig: `${t.holds.length}:${t.latencies.length}`, values }
}

/**
 * The rhythm vector of a login, per input modality: physical-keyboard keys as before; with
 * none, on-screen-keyboard latencies only (their hold times are the keyboard's), under a
 * signature of their own (`o:…`), so a phone login is never compared with desktop typing.
 * IME composition keys are not used.
 */
export function loginTypingVector(b: Readonly<Record<string, readonly number[]>> | undefined): TypingVector | undefined {
  const m = extractTiming(b).modality
  const physical = typingVector(m.physical)
  if (physical) return physical
  const onScreen = typingVector({ ...m.onScreen, holds: [] })
  return onScreen && { sig: `o:${onScreen.sig}`, values: onScreen.values }
}

/** Adds one vector to an aggregate (or starts one). */
export function addToAggregate(a: TypingAggregate | undefined, values: readonly number[]): TypingAggregate {
  const next: TypingAggregate = a
    ? { n: a.n, mean: [...a.mean], m2: [...a.m2] }
    : { n: 0, mean: values.map(() => 0), m2: values.map(() => 0) }
  next.n++
  values.forEach((x, i) => {
    const d = x - next.mean[i]!
    next.mean[i]! += d / next.n
    next.m2[i]! += d * (x - next.mean[i]!)
  })
  return next
}

/** Prior spread of a log timing value (about ±25 %), mixed into the learned spread while samples are few. */
const PRIOR_SD = 0.25
const PRIOR_WEIGHT = 2

/**
 * Distance of a vector from an aggregate: mean absolute deviation in units of each
 * dimension's standard deviation, shrunk towards a prior spread (few samples give
 * unstable spreads). Log timing, so a slower day moves every
 * value alike. 0 = the profile's mean; about 1 is typical for the same person.
 */
export function aggregateDistance(a: TypingAggregate, values: readonly number[]): number {
  const k = values.length
  let sum = 0
  for (let i = 0; i < k; i++) {
    // Shrunk variance: the learned one (n - 1 degrees of freedom) mixed with the prior's.
    const sd = Math.sqrt((a.m2[i]! + PRIOR_WEIGHT * PRIOR_SD ** 2) / (a.n - 1 + PRIOR_WEIGHT))
    sum += Math.abs(values[i]! - a.mean[i]!) / sd
  }
  return sum / k
}

/** Enrolment vectors → distance of a new one (the benchmark's entry point). */
export function typingProfileScore(enrol: readonly (TypingVector | undefined)[], probe: TypingVector | undefined): number {
  if (!probe) return Infinity
  let agg: TypingAggregate | undefined
  for (const v of enrol) if (v && v.sig === probe.sig) agg = addToAggregate(agg, v.values)
  return agg ? aggregateDistance(agg, probe.values) : Infinity
}

/** Scaled Manhattan (Killourhy & Maxion 2009), the baseline: Σ |x − mean| / mean absolute deviation, on raw values. */
export function scaledManhattan(train: readonly (readonly number[])[], probe: readonly number[]): number {
  const k = probe.length
  const mean = Array.from({ length: k }, (_, i) => train.reduce((s, v) => s + v[i]!, 0) / train.length)
  const mad = Array.from({ length: k }, (_, i) => train.reduce((s, v) => s + Math.abs(v[i]! - mean[i]!), 0) / train.length)
  let sum = 0
  for (let i = 0; i < k; i++) sum += Math.abs(probe[i]! - mean[i]!) / Math.max(mad[i]!, 1e-6)
  return sum
}

/** Adds a login's typing to the user's profile. Call it for logins that were accepted (the app knows). */
export async function learnTypingProfile(
  profiles: TypingProfileStore,
  userHash: string,
  b: Readonly<Record<string, readonly number[]>> | undefined,
): Promise<boolean> {
  const v = loginTypingVector(b)
  if (!v) return false
  const profile = (await profiles.get(userHash)) ?? { v: 1 as const, sigs: {}, order: [] }
  profile.sigs[v.sig] = addToAggregate(profile.sigs[v.sig], v.values)
  profile.order = [v.sig, ...profile.order.filter((s) => s !== v.sig)]
  for (const old of profile.order.splice(MAX_SIGNATURES)) delete profile.sigs[old]
  await profiles.set(userHash, profile)
  return true
}

/**
 * Default mismatch distance: about the 95th percentile of a person's own logins in the
 * benchmark (Keystroke100, 5 enrolment samples), so about 1 in 20 genuine logins of a
 * profile that young still gets the reason; it only challenges (docs/behaviour.md).
 */
export const TYPING_PROFILE_THRESHOLD = 1.5

export interface TypingProfileRuleOptions extends RuleOptions {
  /** Where profiles are kept. Default: a memory store private to this rule; `storeTypingProfiles(store)` keeps them in SQLite or Redis. */
  profiles?: TypingProfileStore
  /** Samples a signature needs before the rule has an opinion. Default 5. */
  minSamples?: number
  /** Distance over which the typing is a mismatch. Default `TYPING_PROFILE_THRESHOLD`. */
  threshold?: number
  /** Weight of `TYPING_MISMATCH`. Default 40: challenges alone, never denies alone. */
  weight?: number
  /** Actions checked. Default `['login']`. */
  actions?: readonly string[]
}

/**
 * `TYPING_MISMATCH`: the login's typing rhythm is far from what this account typed on
 * its accepted logins. No opinion without a user, with too little typing, or with fewer
 * than `minSamples` learned logins of the same shape. The rule only reads profiles;
 * `rule.learn(userHash, b)` (or `learnTypingProfile`) adds an accepted login.
 */
export function typingProfileRule(options: TypingProfileRuleOptions = {}): Rule & {
  learn(userHash: string, b: Readonly<Record<string, readonly number[]>> | undefined): Promise<boolean>
  profiles: TypingProfileStore
} {
  const weight = ruleWeight('typingProfileRule', options.weight ?? 40)
  const check = optionChecks('CONFIG_RULE', 'typingProfileRule')
  const minSamples = check.number('minSamples', options.minSamples, { min: 2, integer: true }, 5)
  const threshold = check.positiveNumber('threshold', options.threshold, TYPING_PROFILE_THRESHOLD)
  const actions = options.actions ?? ['login']
  const profiles = options.profiles ?? memoryTypingProfiles()
  const backing = backingStores.get(profiles)
  /** The login's rhythm when the rule has an opinion to form on this request. */
  const vectorOf = ({ token, context, userHash }: ReadInput): TypingVector | undefined => {
    const b = token.body.b
    if (!userHash || !actions.includes(context.action) || b === undefined || b === null || typeof b !== 'object') return undefined
    return loginTypingVector(b)
  }
  return withReads({
    name: 'typing-profile',
    mode: ruleMode('typingProfileRule', options),
    extra: {
      profiles,
      learn: (userHash: string, b: Readonly<Record<string, readonly number[]>> | undefined) => learnTypingProfile(profiles, userHash, b),
    },
    // Profiles kept with `storeTypingProfiles(store)` are read in the verification's batch;
    // the answer is used when that store is the verifier's (otherwise, and for other
    // profile stores such as the default in-memory one, the rule reads them itself).
    reads: (input) =>
      [backing && input.userHash && vectorOf(input) ? readOps.getValue(typingProfileKey(input.userHash)) : undefined] as const,
    async evaluate(input, [stored]) {
      const v = vectorOf({ ...input, deviceId: input.device.id })
      if (!v || !input.userHash) return []
      const profile = stored !== undefined && input.store === backing ? profileFrom(answered(stored)) : await profiles.get(input.userHash)
      const agg = profile?.sigs[v.sig]
      if (!agg || agg.n < minSamples) return []
      const distance = Math.round(aggregateDistance(agg, v.values) * 100) / 100
      const reasons: Reason[] = []
      if (distance > threshold) reasons.push({ code: 'TYPING_MISMATCH', weight, detail: { distance, samples: agg.n } })
      return reasons
    },
  })
}
