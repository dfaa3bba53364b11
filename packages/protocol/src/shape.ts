import type { Limits } from './constants.js'

/** Which structural limit a value breaks, or `undefined` if it keeps them all. */
export type ShapeViolation = 'depth' | 'array' | 'string' | 'keys'

export interface Inspection {
  /** The first structural limit broken, if any. */
  violation: ShapeViolation | undefined
  /**
   * True when every object's keys are in canonical (UTF-16 code unit) order and no string
   * holds a lone surrogate: then `JSON.stringify(value)` is its canonical serialisation.
   */
  ordered: boolean
  /**
   * True when some object has two keys, neither starting with a digit, out of canonical
   * order. JavaScript enumerates such keys in the order the text gave them (only
   * integer-like keys are moved first), so the text is not canonical: no need to
   * canonicalise it to know.
   */
  unsorted: boolean
}

const wellFormed: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (text) => (text as string & { isWellFormed(): boolean }).isWellFormed()
    : (text) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)

/**
 * Walks a parsed JSON value once: reports the first structural limit it breaks and
 * whether it is in canonical order. Iterative, so a hostile, deeply nested value cannot
 * overflow the stack.
 */
export function inspectJson(root: unknown, limits: Limits): Inspection {
  let ordered = true
  let unsorted = false
  // Values and their depths on two stacks (no pair allocated per value). Numbers, booleans
  // and null are never pushed: they break no limit and do not change the order.
  const values: unknown[] = [root]
  const depths: number[] = [1]
  while (values.length > 0) {
    const value = values.pop()
    const depth = depths.pop()!
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) return { violation: 'string', ordered, unsorted }
      if (ordered && !wellFormed(value)) ordered = false
      continue
    }
    if (typeof value !== 'object' || value === null) continue
    if (depth > limits.maxDepth) return { violation: 'depth', ordered, unsorted }
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) return { violation: 'array', ordered, unsorted }
      for (const item of value as unknown[]) {
        if (typeof item === 'object' ? item !== null : typeof item === 'string') {
          values.push(item)
          depths.push(depth + 1)
        }
      }
    } else {
      const keys = Object.keys(value)
      if (keys.length > limits.maxObjectKeys) return { violation: 'keys', ordered, unsorted }
      let previous: string | undefined
      for (const key of keys) {
        if (key.length > limits.maxStringLength) return { violation: 'string', ordered, unsorted }
        if (previous !== undefined && !(previous < key)) {
          ordered = false
          if (!isDigit(previous.charCodeAt(0)) && !isDigit(key.charCodeAt(0))) unsorted = true
        } else if (ordered && !wellFormed(key)) {
          ordered = false
        }
        previous = key
        const member = (value as Record<string, unknown>)[key]
        if (typeof member === 'object' ? member !== null : typeof member === 'string') {
          values.push(member)
          depths.push(depth + 1)
        }
      }
    }
  }
  return { violation: undefined, ordered, unsorted }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39

/** The first structural limit a parsed JSON value breaks, or `undefined`. Never recurses. */
export function checkShape(root: unknown, limits: Limits): ShapeViolation | undefined {
  return inspectJson(root, limits).violation
}
