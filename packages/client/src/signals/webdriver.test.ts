// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { webdriver } from './webdriver.js'

afterEach(() => vi.restoreAllMocks())

describe('webdriver', () => {
  it('is true only when navigator.webdriver is exactly true', () => {
    const spy = vi.spyOn(navigator, 'webdriver', 'get')
    spy.mockReturnValue(true)
    expect(webdriver.collect()).toBe(true)
    spy.mockReturnValue(false)
    expect(webdriver.collect()).toBe(false)
  })
})
