// Real customers on phones, tablets and with a Japanese IME, in real Chromium with mobile
// profiles (touch, mobile viewport, pixel ratio), against verify(): touch taps through
// `Input.dispatchTouchEvent` with human contact times, on-screen typing as key-down 229 +
// `Input.insertText` + key-up 5–20 ms later at human intervals (iOS-style: the real key with
// down and up 0–3 ms apart), kana-kanji conversion through `Input.imeSetComposition`.
// The viewport shrinks as an on-screen keyboard opens. None may get a SCRIPTED_* or
// behaviour reason. Environment reasons are not asserted here: desktop Chromium emulating a phone is rightly inconsistent (ENVIRONMENT_INCONSISTENT), and
// headless Chromium is AUTOMATION; only what the behaviour model says is checked.
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { extractTiming } from '../../packages/server/src/behaviour/timing.js'
import { launchChromium } from '../support/browser.js'
import { page as html, startSite, tokenBody, type Site } from '../support/site.js'

const BEHAVIOUR = new Set(['NO_INTERACTION', 'BEHAVIOR_REPLAYED', 'TYPING_MISMATCH'])
const behaviourReasons = (codes: string[]) => codes.filter((c) => c.startsWith('SCRIPTED_') || BEHAVIOUR.has(c))

const PROFILES = {
  'android-phone': {
    viewport: { width: 412, height: 915 },
    deviceScaleFactor: 2.625,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
    keys: 'android',
  },
  iphone: {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 3,
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    keys: 'ios',
  },
  'android-tablet': {
    viewport: { width: 800, height: 1280 },
    deviceScaleFactor: 2,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    keys: 'android',
  },
  ipad: {
    viewport: { width: 820, height: 1180 },
    deviceScaleFactor: 2,
    userAgent:
      'Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1',
    keys: 'ios',
  },
} as const
type Profile = keyof typeof PROFILES

const LOGIN = html(`<form method="post" action="/verify" data-kenchi-action="login">
  <input type="text" name="name" id="name" autocomplete="name" style="display:block;width:90%;height:44px">
  <input type="email" name="email" id="email" autocomplete="username" style="display:block;width:90%;height:44px">
  <input type="password" name="password" id="password" autocomplete="current-password" style="display:block;width:90%;height:44px">
  <button type="submit" id="go" style="display:block;width:90%;height:48px">Log in</button>
</form>`)

let site: Site
let browser: Browser
beforeAll(async () => {
  site = await startSite()
  site.serve('/login.html', LOGIN)
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await site?.close()
})

/** Seeded PRNG (mulberry32): repeatable "human" timings, no recorded data. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

class Finger {
  constructor(
    private readonly page: Page,
    private readonly cdp: CDPSession,
    private readonly r: () => number,
  ) {}

  /** Log-normal latency between characters (median about 280 ms) with a pause now and then. */
  interval(): number {
    const g = Math.sqrt(-2 * Math.log(1 - this.r())) * Math.cos(2 * Math.PI * this.r())
    return Math.round(280 * Math.exp(0.5 * g) + (this.r() < 0.06 ? 600 + this.r() * 900 : 0))
  }

  async tap(selector: string): Promise<void> {
    const box = (await this.page.locator(selector).boundingBox())!
    const x = box.x + box.width * (0.3 + 0.4 * this.r())
    const y = box.y + box.height * (0.3 + 0.4 * this.r())
    const point = { x, y, radiusX: 9 + this.r() * 5, radiusY: 10 + this.r() * 6, force: 0.4 + this.r() * 0.3, id: 1 }
    await this.cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] })
    await sleep(60 + this.r() * 90)
    await this.cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] })
    await sleep(250 + this.r() * 400)
  }

  /** An on-screen keyboard: Android's 229 pair around insertText, or iOS's real key with down and up together. */
  async type(text: string, keys: 'android' | 'ios'): Promise<void> {
    for (const ch of text) {
      if (keys === 'android') {
        await this.cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', windowsVirtualKeyCode: 229, key: 'Unidentified' })
        await this.cdp.send('Input.insertText', { text: ch })
        await sleep(5 + this.r() * 15)
        await this.cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', windowsVirtualKeyCode: 229, key: 'Unidentified' })
      } else {
        const code = ch.toUpperCase().charCodeAt(0)
        await this.cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: ch, text: ch, windowsVirtualKeyCode: code })
        await sleep(this.r() * 3)
        await this.cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: ch, windowsVirtualKeyCode: code })
      }
      await sleep(this.interval())
    }
  }

  /** Japanese IME: kana composed one step at a time (229 keys while composing), then converted and committed. */
  async compose(words: Array<{ kana: string; kanji: string }>): Promise<void> {
    for (const { kana, kanji } of words) {
      for (let i = 1; i <= kana.length; i++) {
        await this.cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', windowsVirtualKeyCode: 229, key: 'Process' })
        await this.cdp.send('Input.imeSetComposition', { text: kana.slice(0, i), selectionStart: i, selectionEnd: i })
        await sleep(5 + this.r() * 15)
        await this.cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', windowsVirtualKeyCode: 229, key: 'Process' })
        await sleep(this.interval())
      }
      // Conversion: the candidate replaces the kana, then the commit.
      await this.cdp.send('Input.imeSetComposition', { text: kanji, selectionStart: kanji.length, selectionEnd: kanji.length })
      await sleep(300 + this.r() * 500)
      await this.cdp.send('Input.insertText', { text: kanji })
      await sleep(this.interval())
    }
  }
}

async function session(profile: Profile, seed: number, fill: (finger: Finger, page: Page) => Promise<void>) {
  const p = PROFILES[profile]
  const context: BrowserContext = await browser.newContext({
    viewport: p.viewport,
    deviceScaleFactor: p.deviceScaleFactor,
    userAgent: p.userAgent,
    isMobile: true,
    hasTouch: true,
  })
  try {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await page.goto(`${site.url}/login.html`)
    await page.evaluate(() => (window as unknown as { Kenchi: { ready(): Promise<void> } }).Kenchi.ready())
    const finger = new Finger(page, cdp, rng(seed))
    await fill(finger, page)
    const before = site.tokens.length
    await Promise.all([page.waitForURL('**/verify'), finger.tap('#go')])
    expect(site.tokens.length).toBe(before + 1)
    const body = tokenBody(site.tokens.at(-1)!) as { b: Record<string, number[]> }
    return { verdict: site.verdicts.at(-1)!, timing: extractTiming(body.b), b: body.b }
  } finally {
    await context.close()
  }
}

describe('phones, tablets and IME in Chromium: no SCRIPTED_* or behaviour reason', () => {
  it.each(Object.keys(PROFILES) as Profile[])(
    '%s: taps and on-screen typing',
    async (profile) => {
      const keys = PROFILES[profile].keys
      const { width, height } = PROFILES[profile].viewport
      const { verdict, timing, b } = await session(profile, profile.length * 31, async (finger, page) => {
        await finger.tap('#email')
        // The on-screen keyboard opens: the viewport loses 40 % of its height.
        await page.setViewportSize({ width, height: Math.round(height * 0.6) })
        await finger.type('hanako.yamada@example.jp', keys)
        await finger.tap('#password')
        await finger.type('sakura2026x', keys)
      })
      // The token says what produced the input: on-screen keys, touch contacts, no physical keyboard.
      expect(timing.modality.onScreen.downs).toBeGreaterThanOrEqual(30)
      expect(timing.modality.physical.downs).toBe(0)
      // Every character came with its key (stream k carries it): an insert is recorded only
      // when the key-down was over 80 ms earlier, which only a stalled machine produces.
      expect(timing.modality.inputs.insert).toBeLessThanOrEqual(timing.modality.onScreen.downs / 5)
      expect(timing.modality.contacts.n).toBe(3)
      for (const d of timing.modality.contacts.durations) expect(d).toBeGreaterThanOrEqual(50)
      expect(timing.touches).toBe(3)
      expect(timing.modality.keyboardOpens).toBe(1)
      expect(JSON.stringify(b)).not.toMatch(/hanako|sakura/)
      expect(behaviourReasons(verdict.reasons.map((r) => r.code)), JSON.stringify(verdict.reasons)).toEqual([])
    },
    90_000,
  )

  it('android-phone: Japanese name and address through the IME', async () => {
    const { verdict, timing } = await session('android-phone', 77, async (finger) => {
      await finger.tap('#name')
      await finger.compose([
        { kana: 'やまだ', kanji: '山田' },
        { kana: 'はなこ', kanji: '花子' },
        { kana: 'とうきょう', kanji: '東京' },
      ])
      await finger.tap('#email')
      await finger.type('hanako@example.jp', 'android')
    })
    expect(timing.modality.composition.sessions).toBeGreaterThanOrEqual(3)
    expect(timing.modality.composition.updates).toBeGreaterThanOrEqual(11)
    expect(timing.modality.imeKeys).toBeGreaterThan(0)
    expect(behaviourReasons(verdict.reasons.map((r) => r.code)), JSON.stringify(verdict.reasons)).toEqual([])
  }, 90_000)

  it('a phone bot that taps and then types with keyboard.type is still caught (instant-next-key, judged as on-screen)', async () => {
    const { verdict, timing } = await session('android-phone', 5, async (finger, page) => {
      await finger.tap('#email')
      await page.keyboard.type('hanako.yamada@example.jp', { delay: 40 })
    })
    // The keys came after a touch, so they are judged as an on-screen keyboard: no hold test,
    // but Playwright's next key still goes down 1–2 ms after the last came up.
    expect(timing.modality.onScreen.downs).toBeGreaterThanOrEqual(20)
    expect(timing.modality.physical.downs).toBe(0)
    const typing = verdict.reasons.find((r) => r.code === 'SCRIPTED_TYPING')
    expect(typing?.detail?.found, JSON.stringify(verdict.reasons)).toContain('instant-next-key')
  }, 90_000)
})
