import { describe, expect, it } from 'vitest'
import type { SignalResult } from '@kenchi/protocol'
import { environmentFindings, uaOs } from './environment.js'

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const ANDROID = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36'
const v = (value: unknown): SignalResult => ({ v: value as never, d: 0 })

const iphone = (over: Record<string, SignalResult> = {}) => ({
  userAgent: v(IPHONE),
  platform: v(['iPhone', 'Apple Computer, Inc.', '']),
  clientHints: { e: 'unsupported', d: 0 } as SignalResult,
  hardware: v([-1, 4, 5]),
  screen: v([393, 852, 393, 852, 24, 3, 393, 659, 393, 852]),
  webgl: v(['Apple Inc.', 'Apple GPU']),
  fontOs: v(['apple']),
  ...over,
})

describe('environmentFindings', () => {
  it('finds nothing on a genuine iPhone', () => {
    expect(environmentFindings(iphone())).toEqual([])
  })

  it('names each contradiction of an iPhone user agent on a desktop browser', () => {
    expect(environmentFindings(iphone({ platform: v(['Linux x86_64', 'Google Inc.', '']) }))).toEqual(['ua-platform', 'ua-vendor'])
    expect(environmentFindings(iphone({ clientHints: v(['iOS', true, 'Chromium/156']) }))).toEqual(['ua-hints-webkit'])
    expect(environmentFindings(iphone({ hardware: v([16, 2, 1]) }))).toEqual(['touch-points'])
    expect(environmentFindings(iphone({ hardware: v([16, 2, 0]) }))).toEqual(['touch-points'])
    expect(
      environmentFindings(
        iphone({ webgl: v(['Google Inc. (NVIDIA)', 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)']) }),
      ),
    ).toEqual(['webgl-mobile'])
    expect(environmentFindings(iphone({ screen: v([1920, 1080, 1920, 1040, 24, 1, 1920, 961, 1920, 1040]) }))).toEqual(['screen-mobile'])
    expect(environmentFindings(iphone({ screen: v([390, 844, 390, 844, 24, 1, 390, 664, 390, 844]) }))).toEqual(['screen-mobile'])
    expect(environmentFindings(iphone({ fontOs: v(['windows']) }))).toEqual(['fonts-os'])
  })

  it('holds Android to Android: ARM platform, touch, a phone GPU, no desktop or Apple fonts, hints that match', () => {
    const android = {
      userAgent: v(ANDROID),
      platform: v(['Linux armv81', 'Google Inc.', '']),
      clientHints: v(['Android', true, 'Google Chrome/131,Chromium/131']),
      hardware: v([8, 8, 5]),
      webgl: v(['ARM', 'Mali-G715']),
      fontOs: v([]),
    }
    expect(environmentFindings(android)).toEqual([])
    expect(environmentFindings({ ...android, platform: v(['Linux x86_64', 'Google Inc.', '']) })).toEqual(['platform-arch'])
    expect(environmentFindings({ ...android, clientHints: v(['Linux', false, 'Chromium/131']) })).toEqual([
      'ua-hints-platform',
      'ua-hints-mobile',
    ])
    expect(environmentFindings({ ...android, fontOs: v(['apple']) })).toEqual(['fonts-os'])
    expect(
      environmentFindings({
        ...android,
        webgl: v(['Google Inc. (Google)', 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)']),
      }),
    ).toEqual(['webgl-mobile'])
  })

  it('does not hold desktops to phone checks: a touch-screen laptop, an iPad asking for desktop sites', () => {
    const windows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
    expect(
      environmentFindings({
        userAgent: v(windows),
        platform: v(['Win32', 'Google Inc.', '']),
        hardware: v([8, 8, 10]),
        webgl: v(['Google Inc. (Intel)', 'ANGLE (Intel, Intel(R) Iris(R) Xe Graphics Direct3D11)']),
        fontOs: v(['windows']),
      }),
    ).toEqual([])
    const ipad = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15'
    expect(
      environmentFindings({
        userAgent: v(ipad),
        platform: v(['MacIntel', 'Apple Computer, Inc.', '']),
        hardware: v([-1, 4, 5]),
        webgl: v(['Apple Inc.', 'Apple GPU']),
        fontOs: v(['apple']),
      }),
    ).toEqual([])
  })

  it('holds other mobile claims (BlackBerry, Windows Phone) to touch and GPU, never a KaiOS feature phone', () => {
    const bb = 'Mozilla/5.0 (BB10; Touch) AppleWebKit/537.10+ (KHTML, like Gecko) Version/10.0.9.2372 Mobile Safari/537.10+'
    expect(
      environmentFindings({
        userAgent: v(bb),
        hardware: v([8, 2, 1]),
        webgl: v(['Google Inc.', 'ANGLE (SwiftShader)']),
        fontOs: v(['linux']),
      }),
    ).toEqual(['touch-points', 'webgl-mobile', 'fonts-os'])
    const kaios = 'Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B-001-01-15-130718-i; Android; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5'
    expect(uaOs(kaios)).toBe('android')
    expect(environmentFindings({ userAgent: v(kaios), hardware: v([0.5, 2, 0]), fontOs: v([]) })).toEqual([])
  })

  it('skips what it cannot read, and never throws on hostile values', () => {
    expect(environmentFindings({})).toEqual([])
    expect(environmentFindings({ userAgent: v(42) })).toEqual([])
    for (const junk of [null, 'x', 7, [], [null, null, null], { a: 1 }, [1e308, -1, 'x']]) {
      const s = {
        userAgent: v(IPHONE),
        platform: v(junk),
        clientHints: v(junk),
        hardware: v(junk),
        screen: v(junk),
        webgl: v(junk),
        fontOs: v(junk),
      }
      expect(() => environmentFindings(s)).not.toThrow()
    }
  })
})
