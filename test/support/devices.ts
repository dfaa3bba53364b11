// Device fixtures (test/fixtures/devices/): what genuine phones, tablets, in-app browsers,
// Firefox and WebKit expose to a page, and what desktop browsers pretending to be phones
// expose. `applyDevice` makes happy-dom's window look like one (so the client's own
// collectors run over the values), `deviceSignals` builds the signals a token carries.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SignalResult } from '@kenchi/protocol'
import { vi } from 'vitest'
import { resetGlInfo } from '../../packages/client/src/signals/gl.js'

export interface DeviceFixture {
  name: string
  source: string
  ua: string
  platform: string
  vendor: string
  oscpu: string
  uaData: { platform: string; mobile: boolean; brands: Array<{ brand: string; version: string }> } | null
  maxTouchPoints: number
  deviceMemory: number
  hardwareConcurrency: number
  /** `[width, height, availWidth, availHeight, colorDepth, devicePixelRatio, innerWidth, innerHeight, outerWidth, outerHeight]` */
  screen: number[]
  webgl: [string, string] | null
  languages: string[]
  timeZone: string
  plugins: number
  chromeObject: boolean
  ontouchstart: boolean
  fontOs: string[]
}

// A path, not a URL: happy-dom replaces the global URL in its test environment.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'devices')
const load = (file: string): DeviceFixture[] => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'))

/** Genuine browsers: phones, tablets, in-app browsers, Firefox, WebKit. */
export const GENUINE_DEVICES: DeviceFixture[] = load('genuine.json')
/** Desktop browsers pretending to be phones. */
export const PRETENDING_DEVICES: DeviceFixture[] = load('pretending.json')

/**
 * Makes happy-dom's navigator, screen and window report `d` (restore with
 * `vi.restoreAllMocks()` and `resetDevice()`), WebGL included.
 */
export function applyDevice(d: DeviceFixture): void {
  const nav = navigator as unknown as Record<string, unknown>
  vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(d.ua)
  vi.spyOn(navigator, 'platform', 'get').mockReturnValue(d.platform)
  vi.spyOn(navigator, 'vendor', 'get').mockReturnValue(d.vendor)
  vi.spyOn(navigator, 'maxTouchPoints', 'get').mockReturnValue(d.maxTouchPoints)
  vi.spyOn(navigator, 'language', 'get').mockReturnValue(d.languages[0]!)
  vi.spyOn(navigator, 'languages', 'get').mockReturnValue(d.languages)
  vi.spyOn(navigator, 'plugins', 'get').mockReturnValue({ length: d.plugins } as PluginArray)
  if (d.uaData) Object.defineProperty(nav, 'userAgentData', { configurable: true, value: d.uaData })
  const [w, h, aw, ah, , dpr, iw, ih, ow, oh] = d.screen as [number, number, number, number, number, number, number, number, number, number]
  vi.spyOn(screen, 'width', 'get').mockReturnValue(w)
  vi.spyOn(screen, 'height', 'get').mockReturnValue(h)
  vi.spyOn(screen, 'availWidth', 'get').mockReturnValue(aw)
  vi.spyOn(screen, 'availHeight', 'get').mockReturnValue(ah)
  vi.spyOn(window, 'devicePixelRatio', 'get').mockReturnValue(dpr)
  vi.spyOn(window, 'innerWidth', 'get').mockReturnValue(iw)
  vi.spyOn(window, 'innerHeight', 'get').mockReturnValue(ih)
  vi.spyOn(window, 'outerWidth', 'get').mockReturnValue(ow)
  vi.spyOn(window, 'outerHeight', 'get').mockReturnValue(oh)
  const win = window as unknown as Record<string, unknown>
  if (d.chromeObject) win.chrome = {}
  else delete win.chrome
  if (d.ontouchstart) win.ontouchstart = null
  else delete win.ontouchstart
  // WebGL: a context answering the fixture's unmasked vendor and renderer.
  resetGlInfo()
  const gl = d.webgl && {
    VENDOR: 0x1f00,
    RENDERER: 0x1f01,
    getExtension: (name: string) =>
      name === 'WEBGL_debug_renderer_info' ? { UNMASKED_VENDOR_WEBGL: 0x9245, UNMASKED_RENDERER_WEBGL: 0x9246 } : null,
    getParameter: (p: number) => (p === 0x9245 ? d.webgl![0] : p === 0x9246 ? d.webgl![1] : null),
  }
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(gl as never)
}

/** Undoes what `applyDevice` set outside spies. */
export function resetDevice(): void {
  resetGlInfo()
  delete (navigator as unknown as Record<string, unknown>).userAgentData
  const win = window as unknown as Record<string, unknown>
  delete win.chrome
  delete win.ontouchstart
}

/**
 * The signals a token from `d` carries: the raw values, plus the client's own findings
 * (`headless`, `consistency`, `tampering`, `worker`) as given (default: none).
 */
export function deviceSignals(
  d: DeviceFixture,
  client: { headless?: string[]; consistency?: string[]; tampering?: string[]; worker?: Record<string, string> } = {},
): Record<string, SignalResult> {
  const v = (value: unknown): SignalResult => ({ v: value as never, d: 0 })
  const signals: Record<string, SignalResult> = {
    webdriver: v(false),
    automation: v([]),
    userAgent: v(d.ua.slice(0, 512)),
    headless: v(client.headless ?? []),
    tampering: v(client.tampering ?? []),
    platform: v([d.platform, d.vendor, d.oscpu]),
    clientHints: d.uaData
      ? v([d.uaData.platform, d.uaData.mobile, d.uaData.brands.map((b) => `${b.brand}/${b.version}`).join(',')])
      : { e: 'unsupported', d: 0 },
    languages: v([d.languages[0], ...d.languages]),
    timezone: v([d.timeZone, d.timeZone === 'Asia/Tokyo' ? -540 : 0]),
    screen: v(d.screen),
    hardware: v([d.deviceMemory, d.hardwareConcurrency, d.maxTouchPoints]),
    webgl: d.webgl ? v(d.webgl) : { e: 'unsupported', d: 0 },
    consistency: v(client.consistency ?? []),
    worker: v(client.worker ?? {}),
    fontOs: v(d.fontOs),
  }
  return signals
}
