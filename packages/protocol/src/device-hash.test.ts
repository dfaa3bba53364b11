import { describe, expect, it } from 'vitest'
import { deviceHashes, fnv1a64 } from './device-hash.js'

describe('deviceHashes', () => {
  const groups = { screen: 'aaaa', locale: 'bbbb', hardware: 'cccc', fonts: 'dddd', graphics: 'eeee', audio: 'ffff' }

  it('gives a coarse hash that ignores groups a browser update changes, and a fine one that does not', () => {
    const before = deviceHashes({ id: 'x', g: groups })!
    const updated = deviceHashes({ id: 'y', g: { ...groups, graphics: '1111', audio: '2222' } })!
    expect(updated.coarse).toBe(before.coarse)
    expect(updated.fine).not.toBe(before.fine)
    const moved = deviceHashes({ g: { ...groups, locale: '3333' } })!
    expect(moved.coarse).not.toBe(before.coarse)
    expect(before.coarse).toMatch(/^[0-9a-f]{16}$/)
  })

  it('does not depend on member order, and refuses values without groups', () => {
    const reversed = Object.fromEntries(Object.entries(groups).reverse())
    expect(deviceHashes({ g: reversed })).toEqual(deviceHashes({ g: groups }))
    expect(deviceHashes(null)).toBeUndefined()
    expect(deviceHashes({ id: 'x' })).toBeUndefined()
    expect(deviceHashes({ g: [1] })).toBeUndefined()
  })

  it('hashes deterministically', () => {
    expect(fnv1a64('')).toBe(fnv1a64(''))
    expect(fnv1a64('a')).not.toBe(fnv1a64('b'))
  })
})
