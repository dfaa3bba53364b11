import { FAILURE_RETENTION_MS } from '../effects.js'
import { KenchiError } from '../errors.js'
import type { ReasonCode } from '../reasons.js'
import { outcomeCounterKey } from '../store-keys/outcomes.js'
import { velocityDistinctKey, velocityRequestKey, type Dimension } from '../store-keys/velocity.js'
import { optionChecks } from '../validate.js'
import type { Reason } from '../verdict.js'
import { answered, readOps, withReads } from './reads.js'
import { ruleMode, type ReadInput, type Rule, type RuleInput, type RuleOptions } from './types.js'

/** What a velocity limit is counted by. */
export type { Dimension }

/** One sliding-window limit. */
export type VelocityLimit =
  | {
      /** Distinct `of` values seen per `by` value, on the listed actions. */
      kind: 'distinct'
      by: Exclude<Dimension, 'site'>
      of: Exclude<Dimension, 'site'>
      code: ReasonCode
      actions?: readonly string[]
      windowMs: number
      /** A reason when the count reaches this. */
      max: number
      weight: number
    }
  | {
      /** Requests per `by` value on the listed actions. */
      kind: 'count'
      by: Dimension
      code: ReasonCode
      actions: readonly string[]
      windowMs: number
      max: number
      weight: number
    }
  | {
      /** Reported failures (`login_failed` or `order_declined` outcomes) per `by` value, optionally with a failure rate. */
      kind: 'failures'
      failure: 'login-failed' | 'order-declined'
      by: Dimension
      code: ReasonCode
      /** Actions the limit is checked on. Default: all. */
      actions?: readonly string[]
      windowMs: number
      max: number
      /** Also require failures ÷ (failures + successes) reported in the window to reach this (0–1). */
      minRate?: number
      weight: number
    }

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const LOGIN = ['login'] as const

/**
 * Default limits. Where the shop platform's manual gives a figure it is used: 30 user ids
 * from one IP, or 15 IPs for one user id, within one minute stop logins; card input with
 * at least 80 % failures in an hour. Weights: 80 denies alone, 50–70 challenge alone.
 */
export const DEFAULT_VELOCITY_LIMITS: readonly VelocityLimit[] = [
  { kind: 'distinct', by: 'ip', of: 'user', code: 'VELOCITY_IP_USERS', actions: LOGIN, windowMs: MINUTE, max: 30, weight: 80 },
  { kind: 'distinct', by: 'ip', of: 'user', code: 'VELOCITY_IP_USERS', actions: LOGIN, windowMs: DAY, max: 100, weight: 60 },
  { kind: 'distinct', by: 'user', of: 'ip', code: 'VELOCITY_USER_IPS', actions: LOGIN, windowMs: MINUTE, max: 15, weight: 80 },
  { kind: 'distinct', by: 'user', of: 'ip', code: 'VELOCITY_USER_IPS', actions: LOGIN, windowMs: DAY, max: 10, weight: 40 },
  { kind: 'distinct', by: 'device', of: 'user', code: 'VELOCITY_DEVICE_USERS', actions: LOGIN, windowMs: HOUR, max: 5, weight: 80 },
  { kind: 'distinct', by: 'user', of: 'device', code: 'VELOCITY_USER_DEVICES', actions: LOGIN, windowMs: DAY, max: 5, weight: 40 },
  { kind: 'failures', failure: 'login-failed', by: 'user', code: 'LOGIN_FAILURES', windowMs: HOUR, max: 5, weight: 50 },
  { kind: 'failures', failure: 'login-failed', by: 'ip', code: 'LOGIN_FAILURES', windowMs: HOUR, max: 20, weight: 60 },
  { kind: 'failures', failure: 'login-failed', by: 'device', code: 'LOGIN_FAILURES', windowMs: HOUR, max: 10, weight: 60 },
  { kind: 'count', by: 'ip', code: 'VELOCITY_REGISTRATIONS', actions: ['register'], windowMs: HOUR, max: 5, weight: 60 },
  { kind: 'count', by: 'device', code: 'VELOCITY_REGISTRATIONS', actions: ['register'], windowMs: DAY, max: 3, weight: 70 },
  { kind: 'count', by: 'user', code: 'VELOCITY_ORDERS', actions: ['checkout'], windowMs: HOUR, max: 10, weight: 50 },
  { kind: 'count', by: 'ip', code: 'VELOCITY_ORDERS', actions: ['checkout'], windowMs: HOUR, max: 20, weight: 50 },
  { kind: 'count', by: 'user', code: 'VELOCITY_CARD_REGISTRATIONS', actions: ['card_register'], windowMs: HOUR, max: 5, weight: 60 },
  { kind: 'count', by: 'ip', code: 'VELOCITY_CARD_REGISTRATIONS', actions: ['card_register'], windowMs: HOUR, max: 10, weight: 60 },
  { kind: 'count', by: 'ip', code: 'VELOCITY_INQUIRIES', actions: ['inquiry'], windowMs: HOUR, max: 5, weight: 50 },
  { kind: 'count', by: 'user', code: 'VELOCITY_INQUIRIES', actions: ['inquiry'], windowMs: HOUR, max: 5, weight: 50 },
  {
    kind: 'failures',
    failure: 'order-declined',
    by: 'ip',
    code: 'CARD_FAILURES',
    actions: ['checkout', 'card_register'],
    windowMs: HOUR,
    max: 10,
    minRate: 0.8,
    weight: 90,
  },
  {
    kind: 'failures',
    failure: 'order-declined',
    by: 'device',
    code: 'CARD_FAILURES',
    actions: ['checkout', 'card_register'],
    windowMs: HOUR,
    max: 10,
    minRate: 0.8,
    weight: 90,
  },
  {
    kind: 'failures',
    failure: 'order-declined',
    by: 'user',
    code: 'CARD_FAILURES',
    actions: ['checkout', 'card_register'],
    windowMs: HOUR,
    max: 5,
    minRate: 0.8,
    weight: 90,
  },
]

export interface VelocityRuleOptions extends RuleOptions {
  /** The limits to apply. Default `DEFAULT_VELOCITY_LIMITS`. */
  limits?: readonly VelocityLimit[]
  /** IPs never counted (office, payment provider, monitoring). */
  exemptIps?: readonly string[]
}

function valueOf(input: ReadInput, dimension: Dimension): string | undefined {
  switch (dimension) {
    case 'ip':
      return input.context.ip
    case 'device':
      return input.deviceId
    case 'user':
      // The identifier tried (context.loginId), else the account's: guesses at unknown
      // addresses count towards "user ids per IP / device" too.
      return input.loginHash ?? input.userHash
    default:
      return 'all'
  }
}

function validate(limit: VelocityLimit, i: number): void {
  const where = `velocityRule: limits[${i}]`
  const check = optionChecks('CONFIG_RULE', where)
  check.positiveNumber('windowMs', limit.windowMs)
  check.positiveInteger('max', limit.max)
  if (limit.windowMs > 7 * DAY) check.fail('windowMs at most 7 days')
  check.number('weight', limit.weight, { min: 1, max: 100 })
  if (!['distinct', 'count', 'failures'].includes(limit.kind)) throw new KenchiError('CONFIG_RULE', `${where}: unknown kind`)
  if (limit.kind === 'failures' && limit.windowMs > FAILURE_RETENTION_MS) {
    throw new KenchiError('CONFIG_RULE', `${where}: failures are kept ${FAILURE_RETENTION_MS / HOUR} hours; use a shorter window`)
  }
  if (limit.kind === 'failures' && limit.minRate !== undefined && !(limit.minRate > 0 && limit.minRate <= 1)) {
    throw new KenchiError('CONFIG_RULE', `${where}: minRate must be in (0, 1]`)
  }
  if (limit.kind === 'count' && (!Array.isArray(limit.actions) || limit.actions.length === 0))
    throw new KenchiError('CONFIG_RULE', `${where}: count limits need actions`)
}

/**
 * Velocity and linking over sliding windows in the store: distinct user ids per IP and per
 * device, distinct IPs and devices per user, failed logins, registrations, orders, card
 * registrations and inquiries per user / IP / device, and card failures with a failure
 * rate. Every request on a counted action is counted, whatever its verdict. One reason per
 * limit reached; `detail` says what was counted, how many, and over which window.
 */
export function velocityRule(options: VelocityRuleOptions = {}): Rule {
  const limits = options.limits ?? DEFAULT_VELOCITY_LIMITS
  limits.forEach(validate)
  // Request counters keep hits as long as the longest window that reads them.
  const retention = Math.max(...limits.map((l) => l.windowMs), 1)
  const exempt = new Set(options.exemptIps ?? [])
  type CountOp = ReturnType<typeof readOps.hit | typeof readOps.countHits | typeof readOps.addDistinct>
  /** A limit this request is checked against, with the positions of its answers among the reads. */
  interface Planned {
    limit: VelocityLimit
    detail: Record<string, unknown>
    /** The count (the distinct set's size, or the counter read for the limit's window). */
    at: number
    /** The request counter's hit, for `count` limits: a failed hit fails the limit, as before. */
    hitAt?: number
    /** The successes' counter, for `failures` limits with `minRate`. */
    rateAt?: number
  }
  /** The store calls of a request, in order, and where each limit's answers are; the same for `reads` and `evaluate`. */
  const plan = (input: ReadInput): { ops: CountOp[]; planned: Planned[] } => {
    const { context, now } = input
    const ops: CountOp[] = []
    const planned: Planned[] = []
    if (context.ip !== undefined && exempt.has(context.ip)) return { ops, planned }
    const push = (op: CountOp) => ops.push(op) - 1
    // Each request counter is hit once per request, then read for each window (after the
    // hit: a batch runs in order).
    const hits = new Map<string, number>()
    for (const limit of limits) {
      if (limit.actions && !limit.actions.includes(context.action)) continue
      const by = valueOf(input, limit.by)
      if (by === undefined) continue
      if (limit.kind === 'distinct') {
        const of = valueOf(input, limit.of)
        if (of === undefined) continue
        // One set per window: pruning a short window must not shorten a longer one.
        const key = velocityDistinctKey(limit.of, limit.by, limit.windowMs, by)
        planned.push({
          limit,
          detail: { counted: `distinct ${limit.of}s per ${limit.by}` },
          at: push(readOps.addDistinct(key, of, limit.windowMs, now)),
        })
      } else if (limit.kind === 'count') {
        const key = velocityRequestKey(limit.actions, limit.by, by)
        let hitAt = hits.get(key)
        if (hitAt === undefined) hits.set(key, (hitAt = push(readOps.hit(key, retention, now))))
        const at = push(readOps.countHits(key, limit.windowMs, now))
        planned.push({ limit, detail: { counted: `${limit.actions.join('/')} per ${limit.by}` }, at, hitAt })
      } else {
        const at = push(readOps.countHits(outcomeCounterKey(limit.failure, limit.by, by), limit.windowMs, now))
        const success = limit.failure === 'login-failed' ? 'login-succeeded' : 'order-accepted'
        // Read with the failures (same round trip); used only when the failures reach `max`.
        const rateAt =
          limit.minRate === undefined ? undefined : push(readOps.countHits(outcomeCounterKey(success, limit.by, by), limit.windowMs, now))
        planned.push({ limit, detail: { counted: `${limit.failure} per ${limit.by}` }, at, ...(rateAt !== undefined ? { rateAt } : {}) })
      }
    }
    return { ops, planned }
  }
  // The plan `reads` made, for `evaluate` of the same request (keyed by its context object,
  // so the IP and action are the same; checked against the time, device and identities),
  // used once: no second plan per request.
  const planned = new WeakMap<object, { input: ReadInput; planned: Planned[] }>()
  const plannedFor = (input: RuleInput): Planned[] => {
    const made = planned.get(input.context)
    planned.delete(input.context)
    const same =
      made !== undefined &&
      made.input.now === input.now &&
      made.input.deviceId === input.device.id &&
      made.input.loginHash === input.loginHash &&
      made.input.userHash === input.userHash
    return same ? made.planned : plan({ ...input, deviceId: input.device.id }).planned
  }
  return withReads({
    name: 'velocity',
    mode: ruleMode('velocityRule', options),
    reads: (input) => {
      const made = plan(input)
      planned.set(input.context, { input, planned: made.planned })
      return made.ops
    },
    evaluate(input, answers) {
      const found = plannedFor(input).map(({ limit, detail, at, hitAt, rateAt }): Reason | undefined => {
        if (hitAt !== undefined) answered(answers[hitAt]!)
        const count = answered(answers[at]!)
        if (limit.kind === 'failures' && limit.minRate !== undefined && rateAt !== undefined && count >= limit.max) {
          const successes = answered(answers[rateAt]!)
          const rate = count / (count + successes)
          detail.rate = Math.round(rate * 100) / 100
          if (rate < limit.minRate) return undefined
        }
        return count >= limit.max
          ? { code: limit.code, weight: limit.weight, detail: { ...detail, count, max: limit.max, windowMs: limit.windowMs } }
          : undefined
      })
      const reasons = found.filter((r): r is Reason => r !== undefined)
      // One reason per code and dimension (the heaviest window): a short and a long window on
      // the same counter are one finding, an IP and a device reaching a limit are two.
      const best = new Map<string, Reason>()
      for (const r of reasons) {
        const key = `${r.code}/${String(r.detail?.counted)}`
        if ((best.get(key)?.weight ?? -1) < r.weight) best.set(key, r)
      }
      return [...best.values()]
    },
  })
}
