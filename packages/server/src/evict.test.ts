import { describe, expect, it } from 'vitest'
import { evictOldest } from './evict.js'

describe('evictOldest', () => {
  const filled = (n: number) => new Map(Array.from({ length: n }, (_, i) => [i, `v${i}`]))

  it('does nothing at or under the bound', () => {
    const map = filled(10)
    evictOldest(map, 10)
    expect(map.size).toBe(10)
  })

  it('under 64, removes exactly the excess, oldest first, and reports each', () => {
    const map = filled(12)
    const gone: Array<[number, string]> = []
    evictOldest(map, 10, (k, v) => gone.push([k, v]))
    expect([...map.keys()]).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expect(gone).toEqual([
      [0, 'v0'],
      [1, 'v1'],
    ])
  })

  it('from 64 up, goes down to the bound less 1/64, oldest first', () => {
    const map = filled(1000)
    map.delete(5)
    map.set(5, 'moved') // now the newest
    map.set(2000, 'new')
    evictOldest(map, 1000)
    expect(map.size).toBe(1000 - 15) // 1000 - floor(1000 / 64)
    // The 16 oldest went: 0–4 and 6–16 (5 had moved to the back).
    expect(map.has(16)).toBe(false)
    expect(map.has(17)).toBe(true)
    expect(map.get(5)).toBe('moved')
  })
})
