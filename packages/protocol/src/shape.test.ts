import { describe, expect, it } from 'vitest'
import { LIMITS } from './constants.js'
import { checkShape } from './shape.js'

describe('checkShape', () => {
  it('accepts values within every limit', () => {
    expect(checkShape({ a: [1, 'x', { b: null }] }, LIMITS)).toBeUndefined()
  })

  it('reports each kind of violation', () => {
    let deep: unknown = 1
    for (let i = 0; i < LIMITS.maxDepth + 1; i++) deep = [deep]
    expect(checkShape(deep, LIMITS)).toBe('depth')
    expect(checkShape({ a: new Array(LIMITS.maxArrayLength + 1).fill(0) }, LIMITS)).toBe('array')
    expect(checkShape({ a: 'x'.repeat(LIMITS.maxStringLength + 1) }, LIMITS)).toBe('string')
    expect(checkShape({ ['k'.repeat(LIMITS.maxStringLength + 1)]: 1 }, LIMITS)).toBe('string')
    expect(checkShape(Object.fromEntries(Array.from({ length: LIMITS.maxObjectKeys + 1 }, (_, i) => [`k${i}`, i])), LIMITS)).toBe('keys')
  })

  it('survives nesting far deeper than the call stack', () => {
    const text = '['.repeat(200_000) + ']'.repeat(200_000)
    expect(checkShape(JSON.parse(text), LIMITS)).toBe('depth')
  })
})
