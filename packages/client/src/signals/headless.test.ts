// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { headless } from './headless.js'

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
