// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { consistency, uaOs, zoneOffset } from './consistency.js'

const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'

afterEach(() => {
  vi.restoreAllMocks()
  delete (navigator as unknown as Record<string, unknown>).userAgentData
})

function desktopChrome() {
  vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(CHROME_WIN)
  vi.spyOn(navigator, 'platform', 'get').mockReturnValue('Win32')
  vi.spyOn(navigator, 'vendor', 'get').mockReturnValue('Google Inc.')
  vi.spyOn(navigator, 'language', 'get').mockReturnValue('ja-JP')
  vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['ja-JP', 'en-US'])
  vi.spyOn(navigator, 'maxTouchPoints', 'get').mockReturnValue(0)
  Object.defineProperty(navigator, 'userAgentData', {
    configurable: true,
    value: { platform: 'Windows', mobile: false, brands: [{ brand: 'Chromium', version: '156' }] },
  })
}

describe('consistency', () => {
  it('finds nothing when user agent, platform, hints and languages agree', () => {
    desktopChrome()
    expect(consistency.collect()).toEqual([])
  })

  it('names each contradiction a spoofing tool leaves', () => {
    desktopChrome()
    vi.spyOn(navigator, 'platform', 'get').mockReturnValue('Linux x86_64')
    vi.spyOn(navigator, 'language', 'get').mockReturnValue('en-US')
    Object.defineProperty(navigator, 'userAgentData', {
      configurable: true,
      value: { platform: 'Linux', mobile: true, brands: [{ brand: 'Chromium', version: '120' }] },
    })
    expect(consistency.collect()).toEqual(['ua-platform', 'ua-hints-platform', 'ua-hints-mobile', 'ua-hints-version', 'language'])
  })

  it('sees a Date offset that disagrees with the Intl zone', () => {
    desktopChrome()
    vi.spyOn(Date.prototype, 'getTimezoneOffset').mockReturnValue(
      zoneOffset(Intl.DateTimeFormat().resolvedOptions().timeZone, new Date()) + 60,
    )
    expect(consistency.collect()).toContain('timezone')
  })

  it('classifies operating systems and computes zone offsets', () => {
    expect(uaOs(CHROME_WIN)).toBe('windows')
    expect(uaOs('Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)')).toBe('ios')
    expect(uaOs('Mozilla/5.0 (Linux; Android 15)')).toBe('android')
    expect(zoneOffset('Asia/Tokyo', new Date('2026-01-01T00:00:00Z'))).toBe(-540)
    expect(zoneOffset('UTC', new Date())).toBe(0)
  })
})
