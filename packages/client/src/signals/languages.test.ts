// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { languages } from './languages.js'

afterEach(() => vi.restoreAllMocks())

describe('languages', () => {
  it('sends language then languages, at most 10 of them', () => {
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('ja-JP')
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(Array.from({ length: 12 }, (_, i) => `l${i}`))
    const value = languages.collect() as string[]
    expect(value[0]).toBe('ja-JP')
    expect(value.length).toBe(11)
  })
})
