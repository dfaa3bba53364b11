// The admin console in Chromium: a customer logs in through the shop and an automated
// browser is denied; the console lists both with readable reasons (and a new event
// arrives live), filters them, labels the customer's event fraud and shows the effect (the
// device becomes fraud, its next attempt is denied with NG_DEVICE and listed as a later
// event); the device and user pages draw their graph; the charts render; the policy page
// switches monitor mode and shows a validation error. No console error, CSP violation or
// failed request on any console page.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'
import { launchChromium } from '../support/browser.js'
import { customerContext, HIDE_AUTOMATION, reportCspViolations, submitLikeAHand, watchProblems } from '../support/demo-browser.js'
import type { Policy, Verdict } from '@kenchi/server'

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-console-'))
let demo: Demo
let browser: Browser
let customer: BrowserContext
let admin: BrowserContext
/** The problems each console page reported (see watchProblems). */
const problems: string[][] = []

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir })
  browser = await launchChromium(HIDE_AUTOMATION)
  customer = await customerContext(browser, 0)
  admin = await browser.newContext({ viewport: { width: 1366, height: 900 } })
  await reportCspViolations(admin)
  // Sign in through the console's form, as the shop owner would with the printed password.
  const page = await admin.newPage()
  await page.goto(new URL('admin', demo.url).href)
  expect(new URL(page.url()).pathname).toBe('/admin/login')
  await page.fill('input[name=user]', 'admin')
  await page.fill('input[name=password]', demo.adminPassword)
  await Promise.all([page.waitForURL('**/admin/'), page.click('#login-form button[type=submit]')])
  expect(await page.textContent('header .who')).toContain('admin (admin)')
  await page.close()
})

afterAll(async () => {
  await browser?.close()
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const at = (path: string) => new URL(path, demo.url).href

async function adminPage(path: string, allowStatus?: (url: string, status: number) => boolean): Promise<Page> {
  const page = await admin.newPage()
  problems.push(watchProblems(page, allowStatus))
  await page.goto(at(path))
  return page
}

async function shopLogin(page: Page, email: string, password: string): Promise<Verdict> {
  const before = demo.verdicts.length
  await page.goto(at('login'))
  await page.fill('input[name=email]', email)
  await page.fill('input[name=password]', password)
  await submitLikeAHand(page, '/login')
  await page.waitForSelector('#decision')
  expect(demo.verdicts.length).toBe(before + 1)
  return demo.verdicts.at(-1)!
}

async function apiGet<T>(path: string): Promise<T> {
  const res = await fetch(at(`admin/api/${path}`), { headers: { authorization: `Bearer ${demo.adminPassword}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as T
}

let allowed: Verdict
let denied: Verdict

describe('admin console in Chromium', () => {
  it('lists a customer login and a denied automated browser with readable reasons, live', async () => {
    allowed = await shopLogin(await customer.newPage(), 'hanako@example.com', 'sakura-2026')
    expect(allowed.decision).toBe('allow')
    expect(allowed.reasons.map((r) => r.code)).toContain('FIRST_USER')
    const plain = await launchChromium()
    try {
      denied = await shopLogin(await plain.newPage(), 'taro@example.com', 'wrong-password')
    } finally {
      await plain.close()
    }
    expect(denied.decision).toBe('deny')

    const page = await adminPage('admin')
    const row = (id: string) => page.locator(`#events tr[data-id="${id}"]`)
    await row(allowed.eventId).waitFor()
    expect(await row(allowed.eventId).locator('.badge').first().textContent()).toBe('allow')
    expect(await row(allowed.eventId).locator('.chip[data-code="FIRST_USER"]').textContent()).toBe('New user (no history yet)')
    expect(await row(allowed.eventId).locator('.user-link').textContent()).toBe('hanako@example.com')
    expect(await row(denied.eventId).locator('[data-decision]').first().textContent()).toBe('deny')
    expect(await row(denied.eventId).locator('.chip[data-code="AUTOMATION"]').textContent()).toBe('Automated browser')
    // Newest first.
    const ids = await page.locator('#events tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id))
    expect(ids.indexOf(denied.eventId)).toBeLessThan(ids.indexOf(allowed.eventId))

    // A new event appears without reloading (the list polls every 5 s).
    const res = await fetch(at('login'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: demo.url.slice(0, -1) },
      body: 'email=x%40example.com&password=y',
    })
    expect(res.status).toBe(401)
    const fresh = demo.verdicts.at(-1)!
    await row(fresh.eventId).waitFor({ timeout: 9000 })
    expect(await row(fresh.eventId).locator('.chip').first().textContent()).toBe('No Kenchi token sent')

    // Filters: only denied events, and the URL says so.
    await page.selectOption('#filters select[name=decision]', 'deny')
    await page.click('#filters button[type=submit]')
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLElement>('#events tbody tr')].every((r) => r.dataset.decision === 'deny'),
    )
    expect(await page.locator('#events tbody tr').count()).toBe(1)
    expect(page.url()).toContain('decision=deny')
    expect(await page.getAttribute('#csv', 'href')).toBe('/admin/api/events.csv?decision=deny')
    await page.close()
  }, 60_000)

  it('labels the customer event fraud, shows what changed, and the next attempt from that device is denied', async () => {
    const page = await adminPage('admin')
    await page.click(`#events tr[data-id="${allowed.eventId}"] a.event-link`)
    await page.waitForURL(`**/admin/events/${allowed.eventId}`)
    await page.locator('#reasons tr[data-code="FIRST_USER"]').waitFor()
    expect(await page.locator('#reasons tr[data-code="FIRST_USER"] strong').textContent()).toBe('New user (no history yet)')
    expect(await page.textContent('#outcomes')).toContain('login_succeeded')
    expect(await page.textContent('#ng-device')).toBe('not in effect')

    await page.fill('#label-form input[name=comment]', 'card owner says it was not them')
    await page.click('#label-fraud')
    await page.locator('#changes:not([hidden])').waitFor()
    const changes = await page.textContent('#changes')
    expect(changes).toMatch(/Device status: \w+ → fraud/)
    expect(changes).toContain('NEGATIVE_IP')
    expect(await page.textContent('#ng-device')).toBe('in effect (labelled fraud)')
    expect(await page.textContent('#current-label')).toBe('fraud')
    expect(await page.textContent('#label-history')).toContain('card owner says it was not them')

    const again = await shopLogin(await customer.newPage(), 'hanako@example.com', 'sakura-2026')
    expect(again.decision).toBe('deny')
    expect(again.device!.id).toBe(allowed.device!.id)
    expect(again.reasons.map((r) => r.code)).toContain('NG_DEVICE')
    // The event page follows: the attempt shows up as a later event from this device.
    await page.locator(`#later tr[data-id="${again.eventId}"]`).waitFor({ timeout: 9000 })
    expect(await page.locator(`#later tr[data-id="${again.eventId}"] .chip[data-code="NG_DEVICE"]`).textContent()).toBe(
      'Device on the deny list',
    )
    await page.close()
  }, 60_000)

  it('draws the links of the device and of the user as a graph', async () => {
    const page = await adminPage(`admin/devices/${allowed.device!.id}`)
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#graph')?.dataset.nodes) > 0)
    // The device, hanako and 127.0.0.1.
    expect(Number(await page.getAttribute('#graph', 'data-nodes'))).toBeGreaterThanOrEqual(3)
    expect(Number(await page.getAttribute('#graph', 'data-edges'))).toBeGreaterThanOrEqual(2)
    expect(await page.locator('#graph canvas').count()).toBeGreaterThan(0)
    expect(await page.textContent('#summary')).toContain('fraud')
    expect(await page.locator('#events tbody tr[data-id]').count()).toBe(2)

    await Promise.all([page.waitForURL('**/admin/users/**'), page.click('#users a.user-link')])
    await page.locator('#user-name', { hasText: 'hanako@example.com' }).waitFor()
    await page.waitForFunction(() => Number(document.querySelector<HTMLElement>('#graph')?.dataset.nodes) >= 2)
    expect(await page.locator('#devices a.device-link').count()).toBeGreaterThanOrEqual(1)
    await page.close()
  }, 60_000)

  it('draws the charts with chart.js', async () => {
    const page = await adminPage('admin/charts')
    await page.waitForFunction(() =>
      ['decisions-chart', 'scores-chart', 'reasons-chart'].every((id) => (window as any).Chart?.getChart(id)),
    )
    const drawn = await page.evaluate(() =>
      ['decisions-chart', 'scores-chart', 'reasons-chart'].map((id) => {
        const canvas = document.getElementById(id) as HTMLCanvasElement
        const chart = (window as any).Chart.getChart(canvas)
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
        let painted = 0
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++
        const data = chart.data.datasets.flatMap((d: { data: number[] }) => d.data)
        return { id, width: canvas.width, painted, total: data.reduce((a: number, b: number) => a + b, 0) }
      }),
    )
    const events = (await apiGet<{ events: unknown[] }>('events?limit=1000')).events.length
    for (const chart of drawn) {
      expect(chart.width, chart.id).toBeGreaterThan(100)
      expect(chart.painted, chart.id).toBeGreaterThan(500)
    }
    expect(drawn[0]!.total).toBe(events)
    expect(drawn[1]!.total).toBe(events)
    expect(drawn[2]!.total).toBeGreaterThan(0)
    expect(await page.textContent('#totals')).toContain(`Events${events}`)
    await page.close()
  }, 60_000)

  it('switches monitor mode and edits attack mode in the policy page, and shows validation errors for bad values', async () => {
    // The bad values below are refused with 400 on purpose.
    const page = await adminPage('admin/policy', (url, status) => status === 400 && /\/admin\/api\/(policy|lists\/ip)$/.test(url))
    await page.locator('#rules tr[data-rule="history"]').waitFor()
    await page.check('#policy-form input[name=mode][value=monitor]')
    await page.click('#policy-form button[type=submit]')
    await page.waitForFunction(() => document.querySelector('#policy-status')?.textContent?.startsWith('Saved'))
    expect((await apiGet<Policy>('policy')).mode).toBe('monitor')
    await page.locator('#attack-badge:not([hidden])', { hasText: 'Monitor mode' }).waitFor()

    await page.fill('#policy-form input[name=challenge]', '90')
    await page.click('#policy-form button[type=submit]')
    await page.locator('#policy-error:not([hidden])').waitFor()
    expect(await page.textContent('#policy-error')).toContain('CONFIG_POLICY: policy.thresholds: expected 0 ≤ challenge ≤ deny ≤ 101')
    expect((await apiGet<Policy>('policy')).thresholds).toEqual({ challenge: 40, deny: 80 })

    await page.fill('#policy-form input[name=challenge]', '40')
    await page.check('#policy-form input[name=mode][value=live]')
    await page.click('#policy-form button[type=submit]')
    await page.locator('#policy-error[hidden]').waitFor({ state: 'attached' })
    expect((await apiGet<Policy>('policy')).mode).toBe('live')

    // A per-action override: set, then removed by emptying its field.
    const checkoutChallenge = page.locator('#action-rows tr[data-action="checkout"] input[name="action.checkout.challenge"]')
    // Each save re-renders the form once the API answered: wait for this save's "Saved" (the
    // status is cleared first) before filling the next value, or the fill lands on the old form.
    const save = async () => {
      await page.evaluate(() => void (document.querySelector('#policy-status')!.textContent = ''))
      await page.click('#policy-form button[type=submit]')
      await page.locator('#policy-status', { hasText: 'Saved' }).waitFor()
    }
    await checkoutChallenge.fill('30')
    await save()
    await expect.poll(async () => (await apiGet<Policy>('policy')).actions).toEqual({ checkout: { challenge: 30 } })
    await page.locator('#action-rows tr[data-action="checkout"] input[name="action.checkout.challenge"]').fill('')
    await save()
    await expect.poll(async () => (await apiGet<Policy>('policy')).actions).toEqual({})

    // Attack mode: its state, a setting saved, and one refused.
    expect(await page.textContent('#attack-state')).toContain('Off')
    await page.fill('#attack-form input[name=failedLogins]', '20')
    await page.click('#attack-form button[type=submit]')
    await page.waitForFunction(() => document.querySelector('#attack-status')?.textContent?.startsWith('Saved'))
    expect((await apiGet<Policy>('policy')).attack.failedLogins).toBe(20)
    await page.fill('#attack-form input[name=exitRatio]', '2')
    await page.click('#attack-form button[type=submit]')
    await page.locator('#attack-error:not([hidden])').waitFor()
    expect(await page.textContent('#attack-error')).toContain('CONFIG_POLICY: policy.attack.exitRatio')
    expect((await apiGet<Policy>('policy')).attack.exitRatio).toBe(0.5)

    // A rule to monitor mode, and a list entry the server refuses.
    await page.selectOption('#rules tr[data-rule="foreign-ip"] select', 'monitor')
    await page.waitForFunction(async () => {
      const res = await fetch('/admin/api/rules')
      return (
        ((await res.json()) as { rules: Array<{ name: string; mode: string }> }).rules.find((r) => r.name === 'foreign-ip')?.mode ===
        'monitor'
      )
    })
    await page.fill('form[data-list="ip"] textarea', '192.0.2.1\nnot-an-address')
    await page.click('form[data-list="ip"] button[type=submit]')
    await page.locator('#list-ip-error:not([hidden])').waitFor()
    expect(await page.textContent('#list-ip-error')).toContain('CONFIG_LIST')
    await page.close()
  }, 60_000)

  it('adds a console user and changes its role in the team page, and shows every change in the audit log', async () => {
    const page = await adminPage('admin/team')
    await page.locator('#users tr[data-user="admin"]').waitFor()
    // The earlier tests' changes through the console: labels and the policy.
    await page.locator('#audit tr[data-action="label"]').first().waitFor()
    expect(await page.locator('#audit tr[data-action="policy.update"]').count()).toBeGreaterThan(0)

    await page.fill('#add-user input[name=name]', 'ana')
    await page.selectOption('#add-user select[name=role]', 'viewer')
    await page.fill('#add-user input[name=password]', 'ana-long-password')
    await page.click('#add-user button[type=submit]')
    await page.locator('#users tr[data-user="ana"]').waitFor()
    await page.locator('#audit tr[data-action="user.create"]').waitFor()
    await page.selectOption('#users tr[data-user="ana"] select', 'analyst')
    await page.locator('#audit tr[data-action="user.update"]').waitFor()
    expect(await page.textContent('#audit tr[data-action="user.update"]')).toContain('"role":"analyst"')
    const users = await apiGet<{ users: Array<{ name: string; role: string }> }>('users')
    expect(users.users).toContainEqual(expect.objectContaining({ name: 'ana', role: 'analyst' }))
    await page.close()

    // The new analyst signs in in a context of their own: no Team link, and the team page is refused.
    const context = await browser.newContext()
    const own = await context.newPage()
    await own.goto(at('admin/login'))
    await own.fill('input[name=user]', 'ana')
    await own.fill('input[name=password]', 'ana-long-password')
    await Promise.all([own.waitForURL('**/admin/'), own.click('#login-form button[type=submit]')])
    expect(await own.locator('header nav a', { hasText: 'Team' }).count()).toBe(0)
    expect((await own.goto(at('admin/team')))!.status()).toBe(403)
    await context.close()
  }, 60_000)

  it('had no console error, CSP violation or failed request on any console page', () => {
    expect(problems.flat()).toEqual([])
  })
})
