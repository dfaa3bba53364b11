// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { screen as screenSignal } from './screen.js'

afterEach(() => vi.restoreAllMocks())

describe('screen', () => {
  it('sends ten numbers of screen and window geometry, pixel ratio rounded', () => {
    vi.spyOn(window, 'devicePixelRatio', 'get').mockReturnValue(1.33333)
    const value = screenSignal.collect() as number[]
    expect(value).toHaveLength(10)
    expect(value[5]).toBe(1.33)
    expect(value.every((n) => typeof n === 'number')).toBe(true)
  })
})
