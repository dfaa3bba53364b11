// Issue 14, finding 6, calibration in a real browser: SIGNALS_MISSING must not fire on a
// genuine browser whose lazily loaded part (kenchi-signals.min.js) never arrived. Real
// Chromium, the real built script tag, real HTTP, verify() with the default rules.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/browser.js'
import { CUSTOMER_UA, HIDE_AUTOMATION } from '../support/demo-browser.js'
import { page as html, startSite, tokenBody, type Site } from '../support/site.js'

let site: Site
let browser: Browser

beforeAll(async () => {
  site = await startSite()
  site.serve(
    '/login.html',
    html(`<form method="post" action="/verify" data-kenchi-action="login">
  <input type="email" name="email" id="email" autocomplete="username">
  <button type="submit" id="go">Log in</button>
</form>`),
  )
  browser = await launchChromium(HIDE_AUTOMATION)
})

afterAll(async () => {
  await browser?.close()
  await site?.close()
})

/** Fills the field (as autofill does) and presses submit like a hand, as the demo tests do. */
async function fillAndSubmit(page: Page): Promise<string> {
  await page.fill('#email', 'hanako@example.jp')
  const before = site.tokens.length
  const go = (await page.locator('#go').boundingBox())!
  await page.mouse.move(go.x + 5, go.y + 5, { steps: 4 })
  await page.mouse.down()
  await page.waitForTimeout(90)
  await Promise.all([page.waitForURL('**/verify'), page.mouse.up()])
  expect(site.tokens.length).toBe(before + 1)
  return site.tokens.at(-1)!
}

describe('missing signals in Chromium', { timeout: 60_000 }, () => {
  it('a genuine browser whose lazy part was blocked sends core signals and behaviour, and gets no SIGNALS_MISSING', async () => {
    const context = await browser.newContext({ userAgent: CUSTOMER_UA })
    const page = await context.newPage()
    await page.route('**/kenchi-signals.min.js', (route) => route.abort())
    await page.goto(`${site.url}/login.html`)
    const body = tokenBody(await fillAndSubmit(page)) as { s: Record<string, unknown>; b?: Record<string, number[]> }
    // The lazy part really was missing: only the early script's signals are in the token.
    expect(Object.keys(body.s).sort()).toEqual(['automation', 'userAgent', 'webdriver'])
    expect(Object.keys(body.b ?? {})).toEqual(expect.arrayContaining(['f', 'p', 'x']))
    const verdict = site.verdicts.at(-1)!
    expect(verdict.reasons.map((r) => r.code)).not.toContain('SIGNALS_MISSING')
    expect(verdict.reasons).toEqual([])
    expect(verdict.decision).toBe('allow')
    await context.close()
  })
})
