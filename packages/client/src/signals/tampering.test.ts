// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import { tampering } from './tampering.js'

const original = Object.getOwnPropertyDescriptor(Date.prototype, 'getTimezoneOffset')!

afterEach(() => {
  Object.defineProperty(Date.prototype, 'getTimezoneOffset', original)
  delete (navigator as unknown as Record<string, unknown>).webdriver
})

describe('tampering', () => {
  it('names functions whose source is no longer native code, and getters shadowed on navigator', () => {
    const before = tampering.collect() as string[]
    expect(before).not.toContain('getTimezoneOffset')
    Date.prototype.getTimezoneOffset = function patched() {
      return -540
    }
    Object.defineProperty(navigator, 'webdriver', { get: () => false, configurable: true })
    const after = tampering.collect() as string[]
    expect(after).toContain('getTimezoneOffset')
    expect(after).toContain('navigator.webdriver')
  })
})
