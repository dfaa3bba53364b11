// Firefox ESR (over WebDriver BiDi) and WebKitGTK (over classic WebDriver, WebKitWebDriver)
// load the demo shop with the real built script and log in with input like a person's:
// the verdict has no bot, environment or behaviour reason. The one exception is what the
// WebDriver standard makes every driven browser say: `navigator.webdriver` is true, so
// `AUTOMATION` (signal `webdriver`) is expected and nothing else. Each browser runs headed
// on the display, or on a private Xvfb when there is none; a test skips, saying why, only
// when its browser is not installed (CI installs both: .ci/run).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Reason, Verdict } from '@kenchi/server'
import { startDemo, type Demo } from '../../demo/app.mjs'
import {
  displayAvailable,
  findFirefox,
  findMiniBrowser,
  findWebKitDriver,
  launchFirefox,
  launchWebKit,
  NO_DISPLAY,
  NO_FIREFOX,
  NO_WEBKIT,
  startDisplay,
  type DrivenBrowser,
} from '../support/engines.js'
import { fillAndSubmit } from '../support/human-actions.js'

const BOT_OR_BEHAVIOUR = new Set([
  'AUTOMATION',
  'HEADLESS',
  'ENVIRONMENT_TAMPERED',
  'ENVIRONMENT_INCONSISTENT',
  'SCRIPTED_TYPING',
  'SCRIPTED_POINTER',
  'NO_INTERACTION',
  'BEHAVIOR_REPLAYED',
  'BOT',
])

/**
 * Bot or behaviour reasons other than WebDriver's own `navigator.webdriver` and the
 * software-WebGL doubt of a machine without a GPU (weight 5: this test machine's llvmpipe).
 */
function botReasons(reasons: readonly Reason[]): Reason[] {
  return reasons.filter(
    (r) =>
      BOT_OR_BEHAVIOUR.has(r.code) &&
      !(r.code === 'AUTOMATION' && r.detail?.signal === 'webdriver') &&
      !(r.code === 'ENVIRONMENT_INCONSISTENT' && JSON.stringify(r.detail?.found) === '["webgl-software"]'),
  )
}

/** The values the device fixtures hold (test/fixtures/devices/README.md), read from the page. */
const ENVIRONMENT = `(async () => {
  const c = document.createElement('canvas'); const gl = c.getContext('webgl'); const i = gl && gl.getExtension('WEBGL_debug_renderer_info')
  const d = navigator.userAgentData
  return { ua: navigator.userAgent, platform: navigator.platform, vendor: navigator.vendor, oscpu: navigator.oscpu ?? '',
    uaData: d ? { platform: d.platform, mobile: d.mobile, brands: d.brands } : null,
    maxTouchPoints: navigator.maxTouchPoints ?? 0, deviceMemory: navigator.deviceMemory ?? -1, hardwareConcurrency: navigator.hardwareConcurrency ?? -1,
    screen: [screen.width, screen.height, screen.availWidth, screen.availHeight, screen.colorDepth, Math.round(devicePixelRatio * 100) / 100, innerWidth, innerHeight, outerWidth, outerHeight],
    webgl: gl ? [String(gl.getParameter(i ? i.UNMASKED_VENDOR_WEBGL : gl.VENDOR)), String(gl.getParameter(i ? i.UNMASKED_RENDERER_WEBGL : gl.RENDERER))] : null,
    languages: [...navigator.languages], timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, plugins: navigator.plugins.length,
    chromeObject: 'chrome' in window, ontouchstart: 'ontouchstart' in window }
})()`

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-engines-'))
let demo: Demo
let display: Awaited<ReturnType<typeof startDisplay>>

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir })
  display = await startDisplay()
})

afterAll(async () => {
  await display?.close()
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Opens the login page, waits for the script's signals, logs in like a person; returns the verdict and the page's environment. */
async function logIn(
  browser: DrivenBrowser,
  email: string,
  password: string,
  seed: number,
): Promise<{ verdict: Verdict; environment: unknown }> {
  await browser.goto(new URL('login', demo.url).href)
  await waitFor(`${browser.name}: login form`, 20_000, async () =>
    (await browser.evaluate<boolean>(`!!document.querySelector('input[name=password]')`)) ? true : undefined,
  )
  const environment = await browser.evaluate(ENVIRONMENT)
  // Let the lazily loaded signals run as they would while a person looks at the page.
  await new Promise((r) => setTimeout(r, 1500))
  const before = demo.verdicts.length
  await fillAndSubmit(
    browser,
    [
      ['input[name=email]', email],
      ['input[name=password]', password],
    ],
    'main form[data-kenchi-action] button[type=submit]',
    seed,
  )
  await waitFor(`${browser.name}: the login's verdict`, 30_000, () => (demo.verdicts.length > before ? true : undefined))
  return { verdict: demo.verdicts.at(-1)!, environment }
}

describe('other engines log in without a bot or behaviour reason', () => {
  const firefox = findFirefox()
  it.skipIf(!firefox)(
    `Firefox over WebDriver BiDi${firefox ? '' : ` (${NO_FIREFOX})`}`,
    async () => {
      const browser = await launchFirefox(firefox!, display?.display)
      try {
        const { verdict, environment } = await logIn(browser, 'hanako@example.com', 'sakura-2026', 7)
        console.log(
          `Firefox environment: ${JSON.stringify(environment)}\nFirefox verdict: ${verdict.decision} ${JSON.stringify(verdict.reasons)}`,
        )
        expect(botReasons(verdict.reasons)).toEqual([])
      } finally {
        await browser.close()
      }
    },
    120_000,
  )

  const driver = findWebKitDriver()
  const canDisplay = displayAvailable()
  it.skipIf(!driver || !canDisplay)(
    `WebKitGTK over WebDriver${!driver ? ` (${NO_WEBKIT})` : !canDisplay ? ` (${NO_DISPLAY})` : ''}`,
    async () => {
      const browser = await launchWebKit(driver!, findMiniBrowser(), display!.display)
      try {
        const { verdict, environment } = await logIn(browser, 'taro@example.com', 'fuji-san-3776', 11)
        console.log(
          `WebKit environment: ${JSON.stringify(environment)}\nWebKit verdict: ${verdict.decision} ${JSON.stringify(verdict.reasons)}`,
        )
        expect(botReasons(verdict.reasons)).toEqual([])
      } finally {
        await browser.close()
      }
    },
    120_000,
  )
})
