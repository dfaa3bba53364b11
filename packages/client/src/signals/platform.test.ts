// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { platform } from './platform.js'

afterEach(() => vi.restoreAllMocks())

describe('platform', () => {
  it('sends platform, vendor and oscpu', () => {
    vi.spyOn(navigator, 'platform', 'get').mockReturnValue('Win32')
    vi.spyOn(navigator, 'vendor', 'get').mockReturnValue('Google Inc.')
    expect(platform.collect()).toEqual(['Win32', 'Google Inc.', ''])
  })
})
