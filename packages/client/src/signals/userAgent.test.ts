// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { userAgent } from './userAgent.js'

afterEach(() => vi.restoreAllMocks())

describe('userAgent', () => {
  it('sends navigator.userAgent, cut to the protocol string limit', () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue('HeadlessChrome/156')
    expect(userAgent.collect()).toBe('HeadlessChrome/156')
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue('x'.repeat(600))
    expect((userAgent.collect() as string).length).toBe(512)
  })
})
