import type { Limits } from './constants.js'

/** Which structural limit a value breaks, or `undefined` if it keeps them all. */
export type ShapeViolation = 'depth' | 'array' | 'string' | 'keys'

/**
 * Walks a parsed JSON value and reports the first structural limit it breaks. Iterative,
 * so a hostile, deeply nested value cannot overflow the stack.
 */
export function checkShape(root: unknown, limits: Limits): ShapeViolation | undefined {
  const stack: Array<[unknown, number]> = [[root, 1]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength) return 'string'
      continue
    }
    if (typeof value !== 'object' || value === null) continue
    if (depth > limits.maxDepth) return 'depth'
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayLength) return 'array'
      for (const item of value) stack.push([item, depth + 1])
    } else {
      const keys = Object.keys(value)
      if (keys.length > limits.maxObjectKeys) return 'keys'
      for (const key of keys) {
        if (key.length > limits.maxStringLength) return 'string'
        stack.push([(value as Record<string, unknown>)[key], depth + 1])
      }
    }
  }
  return undefined
}
