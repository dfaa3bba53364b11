// A genuine headed Chromium (on Xvfb) reopening the login page gets no HEADLESS reason.
// A page a headed browser opens in a new renderer reads outerWidth/outerHeight 0 until the
// browser sends the window size, which on a busy machine comes after the signals are read
// (issue 13: `zero-outer` fired in 17 of 20 such logins). The client now re-reads a zero
// size until it changes (at most a second); this test records, before any page script
// runs, whether the page started at 0×0, so its output says how often the race happened.
// Whether the signals' read itself loses the race depends on the machine's load: on an
// idle 2-core machine the size arrives before the idle-time read even with the old client
// (checked: the first test passed with it too). The second test makes the race certain: it
// runs the built lazy bundle's headless collector from an init script, before any page
// script, while the outer size is still 0×0 (the old one-shot read said `zero-outer` in
// 3 of 3 pages there; the re-read says nothing).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'
import { launchChromium } from '../support/browser.js'
import { CUSTOMER_UA, HIDE_AUTOMATION, submitLikeAHand } from '../support/demo-browser.js'
import { displayAvailable, NO_DISPLAY, startDisplay } from '../support/engines.js'

const LOGINS = Number(process.env.KENCHI_HEADED_LOGINS ?? 5)

/** `work`, or an error naming `what` after `ms`. */
function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms)))
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}
const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-headed-'))
let demo: Demo
let display: Awaited<ReturnType<typeof startDisplay>>
let browser: Browser | undefined

beforeAll(async () => {
  if (!displayAvailable()) return
  demo = await startDemo({ port: 0, dataDir })
  display = await startDisplay()
  browser = await launchChromium({ ...HIDE_AUTOMATION, headless: false, env: { ...process.env, DISPLAY: display!.display } })
})

afterAll(async () => {
  await browser?.close()
  await display?.close()
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('headed Chromium reopening the login page', () => {
  it.skipIf(!displayAvailable())(
    `gets no HEADLESS reason in ${LOGINS} logins, each in a new renderer${displayAvailable() ? '' : ` (${NO_DISPLAY})`}`,
    async () => {
      const context = await browser!.newContext({ userAgent: CUSTOMER_UA, viewport: null, locale: 'ja-JP' })
      // Before any page script: was the outer window still 0×0 when the page began?
      await context.addInitScript(() => {
        ;(window as unknown as { __outerAtStart: number[] }).__outerAtStart = [window.outerWidth, window.outerHeight]
      })
      let raced = 0
      const found: string[][] = []
      try {
        for (let i = 0; i < LOGINS; i++) {
          // A new tab each time: a browser-initiated navigation in a fresh renderer, as typing
          // the address does.
          const page = await context.newPage()
          page.setDefaultTimeout(20_000)
          await bounded(page.goto(new URL('login', demo.url).href), 30_000, `login ${i + 1}: opening the page`)
          const atStart = await page.evaluate(() => (window as unknown as { __outerAtStart: number[] }).__outerAtStart)
          if (atStart[0] === 0 && atStart[1] === 0) raced++
          await page.fill('input[name=email]', 'hanako@example.com')
          await page.fill('input[name=password]', 'sakura-2026')
          const before = demo.verdicts.length
          await bounded(submitLikeAHand(page, '/login'), 30_000, `login ${i + 1}: submitting`)
          expect(demo.verdicts.length).toBe(before + 1)
          const headless = demo.verdicts.at(-1)!.reasons.find((r) => r.code === 'HEADLESS')
          found.push((headless?.detail?.found as string[] | undefined) ?? [])
          // Tabs stay open until the context closes: closing the last tab of a headed window
          // now and then never answers here.
        }
      } finally {
        await bounded(context.close(), 10_000, 'closing the context').catch((e) => console.warn(String(e)))
      }
      console.log(
        `headed Chromium: the page started at outer 0×0 in ${raced} of ${LOGINS} logins; HEADLESS findings per login: ${JSON.stringify(found)}`,
      )
      expect(found.flat()).toEqual([])
    },
    180_000,
  )

  it.skipIf(!displayAvailable())(
    'the built headless signal, read as the page starts (outer 0×0), waits for the window size instead of reporting zero-outer',
    async () => {
      // The lazy bundle's own `headless` collector, run from an init script: before any page
      // script, when a new renderer's outer size is still 0×0. The old one-shot read reported
      // `zero-outer` here; the re-read waits for the browser's window size.
      const bundle = readFileSync(new URL('../../packages/client/dist/kenchi-signals.min.js', import.meta.url), 'utf8')
      const context = await browser!.newContext({ userAgent: CUSTOMER_UA, viewport: null })
      await context.addInitScript({
        content: `${bundle}
;(function () {
  var start = [window.outerWidth, window.outerHeight]
  var signal = KenchiSignals.DEVICE_SIGNALS.find(function (s) { return s.name === 'headless' })
  signal.collect().then(function (v) { window.__headless = { start: start, found: v } })
})()`,
      })
      const results: Array<{ start: number[]; found: string[] }> = []
      try {
        for (let i = 0; i < 3; i++) {
          const page = await context.newPage()
          await bounded(page.goto(new URL('login', demo.url).href), 30_000, `page ${i + 1}: opening`)
          results.push(
            await bounded(
              page
                .waitForFunction(() => (window as unknown as { __headless?: unknown }).__headless)
                .then((h) => h.jsonValue() as Promise<{ start: number[]; found: string[] }>),
              10_000,
              `page ${i + 1}: the headless signal`,
            ),
          )
        }
      } finally {
        await bounded(context.close(), 10_000, 'closing the context').catch((e) => console.warn(String(e)))
      }
      console.log(`headless signal read at page start: ${JSON.stringify(results)}`)
      expect(
        results.some((r) => r.start[0] === 0 && r.start[1] === 0),
        'the race did not happen: nothing was tested',
      ).toBe(true)
      for (const r of results) expect(r.found).toEqual([])
    },
    120_000,
  )
})
