// Declared reads (issue 19): a rule says which store calls it needs before any store answer,
// `verify()` sends them in its one read batch, and the rule evaluates their answers. These
// helpers give a rule author typed answers without casts (docs/rules.md, "Custom rules").
import type { DevicePublicKey } from '@kenchi/protocol'
import { runBatch, type OpAnswer, type StoreOp } from '../stores/batch.js'
import type { Store } from '../stores/types.js'
import type { Reason } from '../verdict.js'
import type { ReadInput, ReadOps, Rule, RuleInput, RuleMode } from './types.js'

/** The answer to one declared read: `undefined` where `undefined` was declared. */
export type ReadAnswer<O> = O extends StoreOp ? OpAnswer<O> : undefined

/** The answers to a rule's declared reads, position by position. */
export type ReadAnswers<Ops extends ReadOps> = { -readonly [I in keyof Ops]: ReadAnswer<Ops[I]> }

/** A rule as `withReads` takes it: `reads` declares, `evaluate` gets the typed answers. */
export interface RuleWithReads<Ops extends ReadOps, Extra extends object = object> {
  readonly name: string
  readonly mode: RuleMode
  /** The store calls, from what is known before any answer; return a tuple (`[a, b]`, built with `readOps`). */
  reads(input: ReadInput): Ops
  /** Evaluates with the answers, in the order `reads` declared them. A rejected answer is the rule's failure: use `answered`. */
  evaluate(input: RuleInput, answers: ReadAnswers<Ops>): Reason[] | Promise<Reason[]>
  /** Anything else the rule object carries (`learn`, ...), copied as is. */
  extra?: Extra
}

/**
 * Makes a `Rule` from declared reads and an evaluation of their answers. In `verify()` the
 * answers come from the verification's one read batch (`input.answers`); run outside it (a
 * unit test, a rule calling another) it reads them itself with `runBatch` on `input.store`.
 *
 * ```ts
 * const rule = withReads({
 *   name: 'vip-ip', mode: 'live',
 *   reads: ({ context }) => [context.ip === undefined ? undefined : readOps.has(myKey(context.ip))] as const,
 *   evaluate: (_input, [vip]) => (vip && answered(vip) ? [] : [{ code: 'CUSTOM', weight: 10 }]),
 * })
 * ```
 */
export function withReads<const Ops extends ReadOps, Extra extends object = object>(rule: RuleWithReads<Ops, Extra>): Rule & Extra {
  return {
    ...(rule.extra as Extra),
    name: rule.name,
    mode: rule.mode,
    reads: (input: ReadInput) => rule.reads(input),
    async evaluate(input: RuleInput) {
      const answers = input.answers ?? (await readNow(input.store, rule.reads(readInputOf(input))))
      return rule.evaluate(input, answers as ReadAnswers<Ops>)
    },
  }
}

/** The value of an answer, or its error thrown (a failed read fails the rule, `RULE_FAILED`, as a store call that threw). */
export function answered<T>(answer: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!answer.ok) throw answer.error
  return answer.value
}

/** Runs declared reads now, on `store` (one `runBatch`); `undefined` positions answer `undefined`. */
export async function readNow(store: Store, ops: ReadOps): Promise<(OpAnswer | undefined)[]> {
  const present = ops.filter((op): op is StoreOp => op !== undefined)
  const got: readonly OpAnswer[] = present.length > 0 ? await runBatch(store, present) : []
  let i = 0
  return ops.map((op) => (op === undefined ? undefined : got[i++]))
}

/** What a rule's `reads` sees, from a full rule input. */
export function readInputOf(input: RuleInput): ReadInput {
  const { context, token, device, clues, now, userHash, loginHash, emailHash } = input
  return {
    context,
    token,
    deviceId: device.id,
    clues,
    now,
    ...(userHash !== undefined ? { userHash } : {}),
    ...(loginHash !== undefined ? { loginHash } : {}),
    ...(emailHash !== undefined ? { emailHash } : {}),
  }
}

/**
 * Builders of declared reads, one per batchable `Store` method, each typed by its method so
 * `withReads` types the answer. Keys come from the store-keys builders, as for direct calls.
 */
export const readOps = {
  has: (key: string) => ({ op: 'has' as const, key }),
  getValue: (key: string) => ({ op: 'getValue' as const, key }),
  setIfAbsent: (key: string, ttlMs: number) => ({ op: 'setIfAbsent' as const, key, ttlMs }),
  hit: (key: string, windowMs: number, now: number) => ({ op: 'hit' as const, key, windowMs, now }),
  countHits: (key: string, windowMs: number, now: number) => ({ op: 'countHits' as const, key, windowMs, now }),
  addDistinct: (key: string, member: string, windowMs: number, now: number) => ({ op: 'addDistinct' as const, key, member, windowMs, now }),
  getDevice: (id: string) => ({ op: 'getDevice' as const, id }),
  touchDevice: (id: string, publicKey: DevicePublicKey, now: number) => ({ op: 'touchDevice' as const, id, publicKey, now }),
  linkUserDevice: (userHash: string, deviceId: string, now: number) => ({ op: 'linkUserDevice' as const, userHash, deviceId, now }),
  listUserDevices: (userHash: string, limit?: number) => ({
    op: 'listUserDevices' as const,
    userHash,
    ...(limit !== undefined ? { limit } : {}),
  }),
  listDeviceUsers: (deviceId: string, limit?: number) => ({
    op: 'listDeviceUsers' as const,
    deviceId,
    ...(limit !== undefined ? { limit } : {}),
  }),
}
