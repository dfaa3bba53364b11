import { UA_OS_HINT_PLATFORM as HINT_PLATFORM, UA_OS_PLATFORM as PLATFORM, uaOs } from '@kenchi/protocol'
import { glInfo } from './gl.js'
import type { Signal } from './types.js'

export { uaOs }

interface UAData {
  brands?: Array<{ brand: string; version: string }>
  mobile?: boolean
  platform?: string
}

/** Offset of an IANA zone from UTC at `date`, in minutes, the way `getTimezoneOffset` signs it. */
export function zoneOffset(timeZone: string, date: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(date)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'))
  const utc = Math.floor(date.getTime() / 60_000) * 60_000
  return Math.round((utc - local) / 60_000)
}

/**
 * Contradictions between values a real browser keeps consistent ("lies" left by spoofing
 * tools and stealth plugins). Value: array of codes, empty when everything agrees:
 * `ua-platform`, `ua-hints-platform`, `ua-hints-mobile`, `ua-hints-version`, `ua-vendor`,
 * `language`, `timezone`, `touch`, `webgl-software`, `webgl-os`. Raw values travel in
 * their own signals so the server can re-check.
 */
export const consistency: Signal = {
  name: 'consistency',
  collect: () => {
    const found: string[] = []
    const n = navigator as Navigator & { userAgentData?: UAData }
    const ua = n.userAgent
    const os = uaOs(ua)
    check(found, 'ua-platform', () => !PLATFORM[os].test(n.platform ?? ''))
    const hints = n.userAgentData
    if (hints) {
      // Chrome on Android asking for desktop sites: a Linux user agent, hints still Android, a touch screen.
      const desktopSite = os === 'linux' && hints.platform === 'Android' && (n.maxTouchPoints ?? 0) > 1
      check(found, 'ua-hints-platform', () => !!hints.platform && !HINT_PLATFORM[os].test(hints.platform) && !desktopSite)
      // Android tablets have no "Mobile" token and say mobile: false, as they should.
      check(found, 'ua-hints-mobile', () => hints.mobile !== /Mobi/.test(ua))
      check(found, 'ua-hints-version', () => {
        const major = /Chrome\/(\d+)/.exec(ua)?.[1]
        const brand = hints.brands?.find((b) => /Chromium|Google Chrome|Microsoft Edge/.test(b.brand))
        return !!major && !!brand && brand.version !== major
      })
    }
    check(found, 'ua-vendor', () =>
      /Chrome\//.test(ua) && !/Edg\/|OPR\//.test(ua) ? n.vendor !== 'Google Inc.' : /Firefox\//.test(ua) ? n.vendor !== '' : false,
    )
    check(found, 'language', () => !!n.languages?.length && n.language !== n.languages[0])
    check(found, 'timezone', () => {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
      const date = new Date()
      return !!zone && zoneOffset(zone, date) !== date.getTimezoneOffset()
    })
    check(found, 'touch', () => {
      const points = n.maxTouchPoints ?? 0
      return (/Android|iPhone/.test(ua) && points === 0) || ('ontouchstart' in window && points === 0)
    })
    const renderer = glInfo()?.[1]
    if (renderer) {
      check(found, 'webgl-software', () => /SwiftShader|llvmpipe|softpipe|Software/i.test(renderer))
      // WebKit says "Apple GPU" on every system (WebKitGTK on Linux too): only another engine saying it is a lie.
      const webkit = /AppleWebKit\//.test(ua) && !/Chrome\/|Chromium\//.test(ua)
      check(
        found,
        'webgl-os',
        () =>
          (/Apple (M\d|GPU)/.test(renderer) && os !== 'mac' && os !== 'ios' && !webkit) || (/Direct3D/.test(renderer) && os !== 'windows'),
      )
    }
    return found
  },
}

function check(found: string[], code: string, test: () => boolean): void {
  try {
    if (test()) found.push(code)
  } catch {
    // a check that cannot run is no evidence
  }
}
