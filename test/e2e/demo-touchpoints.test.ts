// The demo shop's touchpoints in Chromium, as one customer on one device: register, log in,
// change the profile, change the password and log in with it, reset it through the
// mailbox link, add to cart and check out, send an inquiry, subscribe to the newsletter
// through the mailbox link, ask for a restock alert, and buy in the single-page quick shop
// (the npm import). Every verdict is real and `allow` with only the expected reasons, each
// event carries the right action (and outcome), and no page logs an error, breaks the CSP
// or fails a request.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'
import { launchChromium } from '../support/browser.js'
import { unexpectedReasons } from '../support/verdicts.js'
import type { EventRecord, Verdict } from '@kenchi/server'

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-touchpoints-'))
const EMAIL = 'sora@example.com'
const PASSWORDS = ['aozora-no-shita-7', 'hoshi-zora-2026!', 'asa-no-hikari-99']
let demo: Demo
let browser: Browser
let context: BrowserContext
let page: Page
/** Console errors, page errors, CSP reports, failed requests and error answers to anything but a page, from every page. */
const problems: string[] = []

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir })
  browser = await launchChromium({
    ignoreDefaultArgs: ['--enable-automation'],
    args: ['--disable-blink-features=AutomationControlled'],
  })
  context = await browser.newContext({
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    screen: { width: 1440, height: 900 },
    viewport: { width: 1280, height: 800 },
    locale: 'ja-JP',
  })
  context.on('page', watch)
  page = await context.newPage()
})

afterAll(async () => {
  await browser?.close()
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

function watch(p: Page): void {
  p.on('console', (m) => {
    // A 4xx page (a wrong password, a used link) is logged as "Failed to load resource"; the
    // tests check those statuses themselves, and any other error answer is caught below.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return
    if (m.type() === 'error' || /Content Security Policy|Refused/i.test(m.text())) problems.push(`${p.url()}: ${m.text()}`)
  })
  p.on('pageerror', (e) => problems.push(`${p.url()}: ${e.message}`))
  // Leaving a page cancels what it still had in flight (a prefetched challenge): ERR_ABORTED is no failure.
  p.on('requestfailed', (r) => r.failure()?.errorText !== 'net::ERR_ABORTED' && problems.push(`${r.url()}: ${r.failure()?.errorText}`))
  p.on('response', (r) => r.status() >= 400 && r.request().resourceType() !== 'document' && problems.push(`${r.url()}: ${r.status()}`))
}

const url = (path: string) => new URL(path.replace(/^\//, ''), demo.url).href

/** Presses and releases a button like a hand (page.click releases within a millisecond). */
async function press(button: Locator): Promise<void> {
  await button.scrollIntoViewIfNeeded()
  const box = (await button.boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 })
  await page.mouse.down()
  await page.waitForTimeout(90)
  await page.mouse.up()
}

/** Submits a form by its button and waits for the page it posts to. */
async function submit(form: string, path: string): Promise<void> {
  await Promise.all([
    page.waitForURL(`**${path}`),
    page.waitForResponse((r) => r.request().method() === 'POST'),
    press(page.locator(`${form} button[type=submit]`)),
  ])
}

/** Submits a form protected by Kenchi and returns the one verdict it produced. */
async function verdictOf(form: string, path: string): Promise<Verdict> {
  const before = demo.verdicts.length
  await submit(form, path)
  await page.waitForSelector('#decision')
  expect(demo.verdicts.length).toBe(before + 1)
  return demo.verdicts.at(-1)!
}

/** The verdict is `allow` with no reason but the expected ones, and the event has the action. */
async function expectAllowed(verdict: Verdict, action: string, expected: string[] = ['USER_DEVICE']): Promise<EventRecord> {
  expect(unexpectedReasons(verdict.reasons, expected)).toEqual([])
  expect(verdict.decision).toBe('allow')
  expect(await page.textContent('#decision')).toBe('allow')
  const event = (await demo.verifier.store.getEvent(verdict.eventId))!
  expect(event.action).toBe(action)
  return event
}

const notice = () => page.textContent('main .notice')

async function logIn(password: string): Promise<Verdict> {
  await page.goto(url('/login'))
  await page.fill('input[name=email]', EMAIL)
  await page.fill('input[name=password]', password)
  return verdictOf('form[action="/login"]', '/login')
}

async function logOut(): Promise<void> {
  await Promise.all([page.waitForURL(url('/')), page.click('nav form[action="/logout"] button')])
}

/** Opens the newest mail's link, as a customer clicks it in the mailbox; resolves the link. */
async function openMailLink(to: string, subject: string): Promise<string> {
  await page.goto(url('/mailbox'))
  const mail = page.locator('.mail').first()
  expect(await mail.textContent()).toContain(subject)
  expect(await mail.textContent()).toContain(`To ${to}`)
  const link = (await mail.locator('a.mail-link').getAttribute('href'))!
  await Promise.all([page.waitForURL('**/confirm?token=*'), mail.locator('a.mail-link').click()])
  return link
}

describe('demo shop touchpoints in Chromium', () => {
  it('registers, logs in, and changes the profile', async () => {
    await page.goto(url('/register'))
    await page.fill('input[name=name]', 'Sora')
    await page.fill('input[name=email]', EMAIL)
    await page.fill('input[name=password]', PASSWORDS[0]!)
    await expectAllowed(await verdictOf('form[action="/register"]', '/register'), 'register', [])
    expect(await notice()).toContain('Welcome, Sora. Your account is ready')

    await expectAllowed(await logIn(PASSWORDS[0]!), 'login', ['FIRST_USER'])
    expect(await page.textContent('nav')).toContain(`Logged in as ${EMAIL}`)

    await page.goto(url('/account/profile'))
    await page.fill('input[name=name]', 'Sora Aoki')
    await page.fill('input[name=postcode]', '160-0023')
    await page.fill('input[name=city]', 'Shinjuku, Tokyo')
    await page.fill('input[name=address]', 'Nishi-Shinjuku 2-8-1')
    await expectAllowed(await verdictOf('form[action="/account/profile"]', '/account/profile'), 'profile_update')
    expect(await notice()).toBe('Your profile is saved.')
    expect(await page.textContent('dl.profile')).toContain('Nishi-Shinjuku 2-8-1')
  })

  it('changes the password, then logs in with the new one only', async () => {
    await page.goto(url('/account/password'))
    await page.fill('input[name=current-password]', PASSWORDS[0]!)
    await page.fill('input[name=new-password]', PASSWORDS[1]!)
    const event = await expectAllowed(await verdictOf('form[action="/account/password"]', '/account/password'), 'password_change')
    expect(await notice()).toContain('Your password is changed')
    expect((await demo.verifier.store.getEvent(event.id))!.outcomes?.map((o) => o.outcome)).toEqual(['login_succeeded'])

    await logOut()
    expect((await logIn(PASSWORDS[0]!)).decision).toBe('allow')
    expect(await notice()).toBe('Wrong e-mail address or password.')
    await expectAllowed(await logIn(PASSWORDS[1]!), 'login')
    expect(await page.textContent('nav')).toContain(`Logged in as ${EMAIL}`)
  })

  it('resets the password through the link in the mailbox', async () => {
    await logOut()
    await page.goto(url('/password/reset'))
    await page.fill('input[name=email]', EMAIL)
    await expectAllowed(await verdictOf('form[action="/password/reset"]', '/password/reset'), 'password_reset', [])
    expect(await notice()).toContain(`If an account uses ${EMAIL}, we sent it a link`)

    const link = await openMailLink(EMAIL, 'Choose a new password')
    await page.fill('input[name=new-password]', PASSWORDS[2]!)
    await submit('form[action="/password/reset/new"]', '/password/reset/new')
    expect(await notice()).toBe('Your password is changed. Please log in with it.')
    await expectAllowed(await logIn(PASSWORDS[2]!), 'login')

    // The link worked once.
    expect((await page.goto(link))!.status()).toBe(400)
    expect(await notice()).toContain('This link does not work any more')
  })

  it('adds to the cart and checks out for the cart total', async () => {
    await page.goto(url('/'))
    await page.fill('#product-mug input[name=quantity]', '2')
    await submit('#product-mug form', '/cart')
    await page.goto(url('/'))
    await submit('#product-notebook form', '/cart')
    expect(await page.textContent('#total')).toBe('¥4,500')
    expect(await page.textContent('nav')).toContain('Cart (3)')

    await page.goto(url('/checkout'))
    await page.fill('input[name=card-name]', 'SORA AOKI')
    await page.fill('input[name=card-number]', '4242 4242 4242 4242')
    await page.fill('input[name=card-expiry]', '12/30')
    await page.fill('input[name=card-cvc]', '123')
    const event = await expectAllowed(await verdictOf('form[action="/checkout"]', '/checkout'), 'checkout')
    expect(await notice()).toBe('Thank you: your (simulated) order is accepted, ¥4,500 in all. No card was charged.')
    expect(event.outcomes?.map((o) => o.outcome)).toEqual(['order_accepted'])
    expect(await page.textContent('nav')).not.toContain('Cart (')
    await page.goto(url('/'))
    expect(await page.textContent('#product-mug .price')).toContain('38 in stock')
  })

  it('sends an inquiry, subscribes to the newsletter by double opt-in, and asks for a restock alert', async () => {
    await page.goto(url('/contact'))
    expect(await page.inputValue('input[name=email]')).toBe(EMAIL)
    await page.fill('textarea[name=message]', 'Hello, is the teapot coming back before New Year?')
    await expectAllowed(await verdictOf('form[action="/contact"]', '/contact'), 'inquiry')
    expect(await notice()).toBe(`Thank you, Sora Aoki: we received your message and will answer ${EMAIL} soon.`)

    await page.goto(url('/newsletter'))
    await expectAllowed(await verdictOf('form[action="/newsletter"]', '/newsletter'), 'newsletter')
    expect(await notice()).toContain(`please confirm with the link we sent to ${EMAIL}`)
    await openMailLink(EMAIL, 'Confirm your newsletter subscription')
    expect(await notice()).toBe(`Thank you: ${EMAIL} is subscribed to our newsletter.`)

    await page.goto(url('/'))
    await page.fill('#product-teapot input[name=email]', 'sora.family@example.com')
    await expectAllowed(await verdictOf('#product-teapot form', '/restock'), 'restock')
    expect(await notice()).toBe('We will e-mail sora.family@example.com when the Cast-iron teapot is back in stock.')
  })

  it('buys in the single-page quick shop with a token from the npm import', async () => {
    await page.goto(url('/spa'))
    await page.waitForSelector('#spa-tenugui form.buy')
    expect(await page.locator('script[src*="kenchi.min.js"]').count()).toBe(0)
    await page.fill('#spa-tenugui input[name=quantity]', '3')
    const before = demo.verdicts.length
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/spa/api/buy')),
      press(page.locator('#spa-tenugui button[type=submit]')),
    ])
    await page.waitForSelector('#decision')
    expect(demo.verdicts.length).toBe(before + 1)
    const event = await expectAllowed(demo.verdicts.at(-1)!, 'checkout')
    expect(await page.textContent('#spa-status')).toBe(
      'Thank you: your (simulated) order of 3 × Tenugui towel, ¥3,600, is accepted. No card was charged.',
    )
    expect((await demo.verifier.store.getEvent(event.id))!.outcomes?.map((o) => o.outcome)).toEqual(['order_accepted'])
    // The list is drawn again with the new stock.
    await page.waitForFunction(() => document.querySelector('#spa-tenugui .price')?.textContent?.includes('22 in stock'))

    await page.fill('#spa-teapot input[name=email]', 'sora@example.com')
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/spa/api/restock')),
      press(page.locator('#spa-teapot button[type=submit]')),
    ])
    await page.waitForFunction(() => document.querySelector('#spa-status')?.textContent?.startsWith('We will e-mail'))
    await expectAllowed(demo.verdicts.at(-1)!, 'restock')
  })

  it('logged no console error, CSP violation or failed request on any page', () => {
    expect(problems).toEqual([])
  })
})
