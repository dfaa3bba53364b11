// The thin path in a real browser: the demo shop's login page (/login) loads the built IIFE, gets a challenge,
// the client signs a token, the form posts it, and the server's verify() decides.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'
import { launchChromium } from '../support/browser.js'
import { unexpectedReasons } from '../support/verdicts.js'
import type { Verdict } from '@kenchi/server'

let demo: Demo
let browser: Browser
// A fresh data folder (SQLite store, secrets, accounts), not the demo's own demo/.data/.
const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-demo-'))

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/**
 * Fills the form and submits it. `page.click` releases the button within a millisecond,
 * which SCRIPTED_POINTER counts as a doubt (instant-click, ≤ 4 ms); `holdMs` presses and releases
 * like a hand instead (no path either way: Playwright's move steps arrive at once).
 */
async function submitLogin(page: Page, holdMs?: number): Promise<Verdict> {
  const before = demo.verdicts.length
  await page.goto(new URL('login', demo.url).href)
  await page.fill('input[name=email]', 'customer@example.com')
  await page.fill('input[name=password]', 'correct horse battery staple')
  const click = async () => {
    if (holdMs === undefined) return page.click('button[type=submit]')
    const box = (await page.locator('button[type=submit]').boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 })
    await page.mouse.down()
    await page.waitForTimeout(holdMs)
    await page.mouse.up()
  }
  await Promise.all([page.waitForURL('**/login'), click()])
  await page.waitForSelector('#decision')
  expect(demo.verdicts.length).toBe(before + 1)
  return demo.verdicts.at(-1)!
}

function watchCsp(page: Page): string[] {
  const violations: string[] = []
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text())
  })
  page.on('pageerror', (error) => violations.push(`pageerror: ${error.message}`))
  return violations
}

describe('script-tag mode in Chromium', () => {
  it('denies plain headless automation with AUTOMATION, after every token check passed', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems = watchCsp(page)
    const verdict = await submitLogin(page)
    expect(verdict.decision).toBe('deny')
    const codes = verdict.reasons.map((r) => r.code)
    expect(codes).toContain('AUTOMATION')
    // The token itself was good: its device signature verified, so a device is attached,
    // and the automation finding came from the signals, not from a token error.
    expect(verdict.device?.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    // page.click() releases within a few ms, which the scripted-input rule usually sees
    // too (SCRIPTED_POINTER, instant-click); not asserted, as a loaded machine can stretch it.
    expect(unexpectedReasons(verdict.reasons, ['AUTOMATION', 'SCRIPTED_POINTER'])).toEqual([])
    expect(verdict.reasons.find((r) => r.detail?.signal === 'webdriver')).toBeDefined()
    expect(await page.textContent('#decision')).toBe('deny')
    expect(problems).toEqual([])
    await context.close()
  })

  it('keeps the device key in IndexedDB: the second visit is the same, known device', async () => {
    const context = await browser.newContext()
    const first = await submitLogin(await context.newPage())
    const second = await submitLogin(await context.newPage())
    expect(first.device?.known).toBe(false)
    expect(second.device?.id).toBe(first.device?.id)
    expect(second.device?.known).toBe(true)
    expect(second.device?.firstSeen).toBe(first.device?.firstSeen)
    // A fresh profile is a different device.
    const other = await browser.newContext()
    const third = await submitLogin(await other.newPage())
    expect(third.device?.id).not.toBe(first.device?.id)
    await context.close()
    await other.close()
  })

  it('allows a browser that shows no automation (flags hidden), so the allow path is real too', async () => {
    const stealthy = await launchChromium({
      ignoreDefaultArgs: ['--enable-automation'],
      args: ['--disable-blink-features=AutomationControlled'],
    })
    try {
      const context = await stealthy.newContext({
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
      })
      const page = await context.newPage()
      expect(await page.evaluate(() => navigator.webdriver)).toBe(false)
      const verdict = await submitLogin(page, 90)
      expect(unexpectedReasons(verdict.reasons)).toEqual([])
      expect(verdict.decision).toBe('allow')
      expect(verdict.score).toBeLessThan(40)
    } finally {
      await stealthy.close()
    }
  })

  it('submits without a token when the challenge endpoint is down, and the policy decides', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.route('**/kenchi/challenge', (route) => route.abort())
    const verdict = await submitLogin(page)
    expect(verdict.reasons.map((r) => r.code)).toEqual(['TOKEN_MISSING'])
    expect(verdict.decision).toBe('challenge')
    await context.close()
  })
})
