// Server-side re-check of the device class a token's raw signals describe. The client's
// `consistency` signal reports its own contradictions, but a script can drop them; the raw
// values (user agent, platform, vendor, client hints, touch points, screen, WebGL renderer,
// desktop font families) travel in their own signals, so the server recomputes the
// contradictions that matter most for phones and tablets here. Each check names a fact
// every genuine device of that class shows (docs/rules.md says why a real phone, tablet,
// in-app browser, Firefox or WebKit does not trip it); a desktop browser told to pretend to
// be a phone (device emulation, a user-agent switcher) contradicts several at once.
import {
  UA_OS_HINT_PLATFORM as HINT_PLATFORM,
  UA_OS_PLATFORM as PLATFORM,
  uaOs,
  type Json,
  type SignalResult,
  type UaOs,
} from '@kenchi/protocol'
import { signalValue } from './types.js'

export { uaOs, type UaOs }

/**
 * WebGL renderers only desktop computers (or software rasterisers) have: no phone or tablet
 * GPU is called this. Phones report Apple GPU, Adreno, Mali, PowerVR, Xclipse, Immortalis,
 * Maleoon, often wrapped in `ANGLE (…)`.
 */
const DESKTOP_GPU =
  /SwiftShader|llvmpipe|softpipe|lavapipe|Direct3D|D3D11|NVIDIA|GeForce|Quadro|Radeon|\bAMD\b|Intel\(R\)|Intel, |Iris|UHD Graphics|HD Graphics|Apple M\d|Microsoft Basic Render|VMware|VirtualBox|Parallels/i

/** A user agent claiming a phone or tablet other than iOS and Android. (KaiOS feature phones, touchless, are never held to phone checks.) */
const MOBILE_CLAIM = /Mobi|BB10|PlayBook|Windows Phone|Silk\//

/** Values of the `fontOs` signal (marker font families) each phone system cannot have. */
const FOREIGN_FONT_OS: Partial<Record<UaOs, ReadonlySet<string>>> = {
  ios: new Set(['windows', 'linux']),
  android: new Set(['windows', 'linux', 'apple']),
}

const str = (v: Json | undefined, i: number): string | undefined =>
  Array.isArray(v) && typeof v[i] === 'string' ? (v[i] as string) : undefined
const num = (v: Json | undefined, i: number): number | undefined =>
  Array.isArray(v) && typeof v[i] === 'number' && Number.isFinite(v[i] as number) ? (v[i] as number) : undefined

/**
 * Contradictions between the raw signals of a token, as `consistency` finding codes:
 * `ua-platform`, `ua-hints-platform`, `ua-hints-mobile`, `ua-hints-webkit`, `ua-vendor`,
 * `touch-points`, `platform-arch`, `webgl-mobile`, `screen-mobile`, `fonts-os`.
 * Only a phone or tablet user agent (iOS, Android, or another mobile system) is held to the
 * phone checks; a desktop user agent on a touch screen is an ordinary laptop. Malformed values are skipped, never
 * an error: a check that cannot run is no evidence.
 */
export function environmentFindings(signals: Record<string, SignalResult>): string[] {
  const ua = signalValue(signals, 'userAgent')
  if (typeof ua !== 'string') return []
  const os = uaOs(ua)
  // Phones and tablets: iOS, Android, and the other mobile systems a user agent can still
  // claim (BlackBerry, Windows Phone, Kindle's Silk) — device emulation offers them all.
  const phoneOs = !/KAIOS/i.test(ua) && (os === 'ios' || os === 'android' || MOBILE_CLAIM.test(ua))
  const found: string[] = []
  const platformSignal = signalValue(signals, 'platform')
  const platform = str(platformSignal, 0)
  const vendor = str(platformSignal, 1)
  if (platform !== undefined && (platform !== '' || os !== 'other') && !PLATFORM[os].test(platform)) found.push('ua-platform')
  // Every iOS browser (Safari, Chrome, Firefox, LINE, Instagram) is WebKit: Apple's vendor string.
  if (os === 'ios' && vendor !== undefined && vendor !== 'Apple Computer, Inc.') found.push('ua-vendor')
  if (os === 'android' && platform !== undefined && /x86|i[3-6]86|amd64/i.test(platform)) found.push('platform-arch')

  const hints = signalValue(signals, 'clientHints')
  if (Array.isArray(hints)) {
    // WebKit (all of iOS) has no User-Agent Client Hints: a page that has them is Chromium.
    if (os === 'ios') found.push('ua-hints-webkit')
    const hintPlatform = str(hints, 0)
    // Chrome on Android asking for desktop sites: a Linux user agent, hints still Android, a touch screen.
    const touchPoints = num(signalValue(signals, 'hardware'), 2) ?? 0
    const desktopSite = os === 'linux' && hintPlatform === 'Android' && touchPoints > 1
    if (hintPlatform && !HINT_PLATFORM[os].test(hintPlatform) && !desktopSite) found.push('ua-hints-platform')
    // Android tablets send no "Mobile" token and say mobile: false, as the hints should.
    if (typeof hints[1] === 'boolean' && hints[1] !== /Mobi/.test(ua)) found.push('ua-hints-mobile')
  }

  const points = num(signalValue(signals, 'hardware'), 2)
  // Real phones and tablets report 5 or 10 touch points; device emulation reports 1, a
  // desktop browser with a phone's user agent 0.
  if (phoneOs && points !== undefined && points < 2) found.push('touch-points')

  const renderer = str(signalValue(signals, 'webgl'), 1)
  if (phoneOs && renderer && DESKTOP_GPU.test(renderer)) found.push('webgl-mobile')

  const screen = signalValue(signals, 'screen')
  const width = num(screen, 0)
  const height = num(screen, 1)
  const ratio = num(screen, 5)
  // Every iPhone's screen is 320–440 CSS pixels on its short side at a pixel ratio of 2 or 3.
  if (/iPhone|iPod/.test(ua) && width !== undefined && height !== undefined && width > 0 && height > 0) {
    const short = Math.min(width, height)
    if (short > 480 || (ratio !== undefined && ratio > 0 && ratio < 1.5)) found.push('screen-mobile')
  }

  const fontOs = signalValue(signals, 'fontOs')
  const foreign = os === 'other' && phoneOs ? FOREIGN_FONT_OS.ios : FOREIGN_FONT_OS[os]
  if (foreign && Array.isArray(fontOs) && fontOs.some((f) => typeof f === 'string' && foreign.has(f))) found.push('fonts-os')
  return found
}
