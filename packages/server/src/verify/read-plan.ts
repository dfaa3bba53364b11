import type { OpAnswer, StoreOp, StoreOpName } from '../stores/batch.js'
import type { ReadInput, Rule } from '../rules/types.js'

/** Every rule's declared reads, laid out in one batch, and how to hand each rule its answers. */
export interface RuleReads {
  /** The operations, rule after rule, each rule's in its declared order (`undefined`s left out). */
  ops: StoreOp[]
  /**
   * Rule `i`'s answers from the batch's answers to `ops` (same order): `undefined` for a rule
   * without `reads` (it reads the store itself). Throws what the rule's `reads` threw, or a
   * `TypeError` for a declaration that is not a list of store operations: that rule fails
   * (`RULE_FAILED`), the others do not.
   */
  answersFor(i: number, answers: readonly OpAnswer[]): (OpAnswer | undefined)[] | undefined
}

type Slot = { positions: number[] } | { error: unknown } | undefined

/** Calls each rule's `reads` (never throwing) and lays the operations out in one batch. */
export function planRuleReads(rules: readonly Rule[], input: ReadInput): RuleReads {
  const ops: StoreOp[] = []
  const slots: Slot[] = rules.map((rule): Slot => {
    if (typeof rule.reads !== 'function') return undefined
    try {
      const declared: unknown = rule.reads(input)
      if (!Array.isArray(declared)) throw new TypeError(`${rule.name}: reads() must return an array of store operations`)
      const bad = declared.find((op: unknown) => op !== undefined && !isStoreOp(op))
      if (bad !== undefined) throw new TypeError(`${rule.name}: reads() declared something that is not a store operation`)
      return { positions: (declared as (StoreOp | undefined)[]).map((op) => (op === undefined ? -1 : ops.push(op) - 1)) }
    } catch (error) {
      return { error }
    }
  })
  return {
    ops,
    answersFor(i, answers) {
      const slot = slots[i]
      if (slot === undefined) return undefined
      if ('error' in slot) throw slot.error
      return slot.positions.map((at) => (at < 0 ? undefined : answers[at]))
    },
  }
}

// A rule's reads never record events (`recordEvent` is the write-behind queue's batch operation).
const OP_NAMES: Record<Exclude<StoreOpName, 'recordEvent'>, true> = {
  setIfAbsent: true,
  has: true,
  setFlag: true,
  getValue: true,
  setValue: true,
  hit: true,
  countHits: true,
  addDistinct: true,
  touchDevice: true,
  getDevice: true,
  setDeviceStatus: true,
  linkUserDevice: true,
  trustUserDevice: true,
  listUserDevices: true,
  listDeviceUsers: true,
}

function isStoreOp(op: unknown): op is StoreOp {
  return typeof op === 'object' && op !== null && Object.hasOwn(OP_NAMES, (op as { op?: unknown }).op as string)
}
