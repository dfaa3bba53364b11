// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { headless, OUTER_WAIT_MS, outerStaysZero } from './headless.js'

afterEach(() => vi.restoreAllMocks())

describe('headless', () => {
  it('flags the headless user agent, missing window.chrome and plugins, and window oddities', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue('Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36')
    vi.spyOn(window, 'outerWidth', 'get').mockReturnValue(0)
    vi.spyOn(window, 'outerHeight', 'get').mockReturnValue(0)
    vi.spyOn(screen, 'width', 'get').mockReturnValue(800)
    vi.spyOn(screen, 'height', 'get').mockReturnValue(600)
    const found = (await headless.collect()) as string[]
    expect(found).toEqual(expect.arrayContaining(['ua', 'no-chrome-object', 'zero-outer', 'default-screen']))
  })

  it('stays quiet for an ordinary desktop Firefox', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue('Mozilla/5.0 (Windows NT 10.0; rv:140.0) Gecko/20100101 Firefox/140.0')
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['ja-JP'])
    vi.spyOn(window, 'outerWidth', 'get').mockReturnValue(1920)
    vi.spyOn(window, 'outerHeight', 'get').mockReturnValue(1040)
    vi.spyOn(window, 'innerWidth', 'get').mockReturnValue(1900)
    vi.spyOn(window, 'innerHeight', 'get').mockReturnValue(900)
    vi.spyOn(screen, 'width', 'get').mockReturnValue(1920)
    vi.spyOn(screen, 'height', 'get').mockReturnValue(1080)
    vi.spyOn(screen, 'availWidth', 'get').mockReturnValue(1920)
    vi.spyOn(screen, 'availHeight', 'get').mockReturnValue(1040)
    expect(await headless.collect()).toEqual([])
  })
})

describe('headless: the outer window size read racing the browser', () => {
  const desktop = () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    )
    ;(window as unknown as Record<string, unknown>).chrome = {}
    vi.spyOn(navigator, 'plugins', 'get').mockReturnValue({ length: 5 } as PluginArray)
    vi.spyOn(screen, 'width', 'get').mockReturnValue(1920)
    vi.spyOn(screen, 'height', 'get').mockReturnValue(1080)
    vi.spyOn(screen, 'availWidth', 'get').mockReturnValue(1920)
    vi.spyOn(screen, 'availHeight', 'get').mockReturnValue(1040)
    vi.spyOn(window, 'innerWidth', 'get').mockReturnValue(1280)
    vi.spyOn(window, 'innerHeight', 'get').mockReturnValue(900)
  }
  afterEach(() => delete (window as unknown as Record<string, unknown>).chrome)

  it('does not report zero-outer when the browser sends the window size after the first read', async () => {
    desktop()
    let outer = 0
    vi.spyOn(window, 'outerWidth', 'get').mockImplementation(() => outer)
    vi.spyOn(window, 'outerHeight', 'get').mockImplementation(() => (outer ? 1000 : 0))
    setTimeout(() => (outer = 1280), 200)
    const started = Date.now()
    expect(await headless.collect()).toEqual([])
    expect(Date.now() - started).toBeLessThan(OUTER_WAIT_MS)
  })

  it('re-reads on the first resize, focus or input event', async () => {
    let outer = 0
    vi.spyOn(window, 'outerWidth', 'get').mockImplementation(() => outer)
    vi.spyOn(window, 'outerHeight', 'get').mockImplementation(() => outer)
    const pending = outerStaysZero(60_000)
    outer = 800
    window.dispatchEvent(new Event('resize'))
    expect(await pending).toBe(false)
  })

  it('reports zero-outer when the outer window stays 0×0 (old headless mode)', async () => {
    desktop()
    vi.spyOn(window, 'outerWidth', 'get').mockReturnValue(0)
    vi.spyOn(window, 'outerHeight', 'get').mockReturnValue(0)
    expect(await headless.collect()).toEqual(['zero-outer'])
  })

  it('never holds phones and tablets to it (in-app web views may report no outer window)', async () => {
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari Line/14.10.0',
    )
    vi.spyOn(window, 'outerWidth', 'get').mockReturnValue(0)
    vi.spyOn(window, 'outerHeight', 'get').mockReturnValue(0)
    vi.spyOn(screen, 'width', 'get').mockReturnValue(390)
    vi.spyOn(screen, 'height', 'get').mockReturnValue(844)
    const started = Date.now()
    expect(await headless.collect()).not.toContain('zero-outer')
    expect(Date.now() - started).toBeLessThan(100)
  })
})
