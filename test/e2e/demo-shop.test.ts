// The demo shop in Chromium: register, log in (first device: allow), log in from a new
// browser profile (challenge, code from the mailbox page), then allowed on that device,
// checkout, and the admin API linking the user and the device. The other touchpoints
// (account, password reset, forms, quick shop) are in demo-touchpoints.test.ts. The browser hides its
// automation flags, as the allow test in script-tag.test.ts does, so verdicts are real.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'
import { launchChromium } from '../support/browser.js'
import { customerContext, HIDE_AUTOMATION, submitLikeAHand } from '../support/demo-browser.js'
import { unexpectedReasons } from '../support/verdicts.js'
import type { Verdict } from '@kenchi/server'

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-shop-'))
const EMAIL = 'yuki@example.com'
const PASSWORD = 'kawa-no-nagare-42'
let demo: Demo
let browser: Browser

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir })
  browser = await launchChromium(HIDE_AUTOMATION)
})

afterAll(async () => {
  await browser?.close()
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const newContext = (n: 0 | 1) => customerContext(browser, n)
const submit = (page: Page, path: string) => submitLikeAHand(page, path, 'main form[data-kenchi-action] button[type=submit]')

async function logIn(page: Page): Promise<Verdict> {
  const before = demo.verdicts.length
  await page.goto(new URL('login', demo.url).href)
  await page.fill('input[name=email]', EMAIL)
  await page.fill('input[name=password]', PASSWORD)
  await submit(page, '/login')
  await page.waitForSelector('#decision')
  expect(demo.verdicts.length).toBe(before + 1)
  return demo.verdicts.at(-1)!
}

let first: BrowserContext
let deviceId: string

describe('demo shop in Chromium', () => {
  it('registers a new account', async () => {
    first = await newContext(0)
    const page = await first.newPage()
    await page.goto(new URL('register', demo.url).href)
    await page.fill('input[name=name]', 'Yuki')
    await page.fill('input[name=email]', EMAIL)
    await page.fill('input[name=password]', PASSWORD)
    await submit(page, '/register')
    const verdict = demo.verdicts.at(-1)!
    expect(verdict.decision).toBe('allow')
    expect(unexpectedReasons(verdict.reasons)).toEqual([])
    expect(await page.textContent('main .notice')).toContain('Welcome, Yuki. Your account is ready')
  })

  it('logs in on the first device (allow), and checks out', async () => {
    const page = await first.newPage()
    const verdict = await logIn(page)
    expect(unexpectedReasons(verdict.reasons, ['FIRST_USER'])).toEqual([])
    expect(verdict.decision).toBe('allow')
    expect(await page.textContent('nav')).toContain(`Logged in as ${EMAIL}`)
    deviceId = verdict.device!.id

    await page.goto(demo.url)
    await Promise.all([page.waitForURL('**/cart'), page.click('#product-mug button[type=submit]')])
    await page.goto(new URL('checkout', demo.url).href)
    await page.fill('input[name=card-name]', 'YUKI TEST')
    await page.fill('input[name=card-number]', '4242 4242 4242 4242')
    await page.fill('input[name=card-expiry]', '12/30')
    await page.fill('input[name=card-cvc]', '123')
    await submit(page, '/checkout')
    const order = demo.verdicts.at(-1)!
    expect(order.decision).toBe('allow')
    expect(unexpectedReasons(order.reasons, ['USER_DEVICE'])).toEqual([])
    expect(await page.textContent('main .notice')).toContain('order is accepted')
  })

  it('asks a new browser profile for the e-mail code, then knows that device', async () => {
    const second = await newContext(1)
    const page = await second.newPage()
    const challenged = await logIn(page)
    expect(challenged.decision).toBe('challenge')
    expect(challenged.reasons.map((r) => r.code)).toContain('FIRST_USER_DEVICE')
    expect(challenged.device!.id).not.toBe(deviceId)

    const mailbox = await second.newPage()
    await mailbox.goto(new URL('mailbox', demo.url).href)
    const mail = await mailbox.locator('.mail pre').first().textContent()
    const code = /^\s+(\d{6})\s*$/m.exec(mail ?? '')![1]!
    await page.fill('input[name=code]', code)
    await Promise.all([page.waitForURL('**/login/code'), page.click('button[type=submit]')])
    expect(await page.textContent('nav')).toContain(`Logged in as ${EMAIL}`)

    const again = await logIn(await second.newPage())
    expect(again.decision).toBe('allow')
    expect(again.reasons.map((r) => r.code)).toContain('USER_DEVICE')
    expect(again.device!.id).toBe(challenged.device!.id)
    await second.close()
  })

  it('answers a visibly automated browser calmly, without logging it in', async () => {
    const plain = await launchChromium()
    try {
      const page = await plain.newPage()
      const verdict = await logIn(page)
      expect(verdict.decision).toBe('deny')
      expect(verdict.reasons.map((r) => r.code)).toContain('AUTOMATION')
      expect(await page.textContent('main .notice')).toBe('We could not log you in right now. Please try again later.')
      expect(await page.textContent('nav')).not.toContain('Logged in')
    } finally {
      await plain.close()
    }
  })

  it('shows the user and both devices in the admin API', async () => {
    const auth = { authorization: `Bearer ${demo.adminPassword}` }
    const userHash = demo.verifier.hashIdentity('user', EMAIL)
    const device = (await (await fetch(new URL(`admin/api/devices/${deviceId}`, demo.url), { headers: auth })).json()) as {
      device: { id: string }
      users: Array<{ userHash: string; trusted?: boolean }>
    }
    expect(device.device.id).toBe(deviceId)
    expect(device.users.map((u) => u.userHash)).toEqual([userHash])
    const user = (await (await fetch(new URL(`admin/api/users/${userHash}`, demo.url), { headers: auth })).json()) as { devices: unknown[] }
    // The denied automated browser was linked too (an attempt), but never trusted.
    expect(user.devices).toHaveLength(3)
    await first.close()
  })
})
