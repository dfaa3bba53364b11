// Step-up in a real browser: an Express shop protected by the built script-tag client, a
// real SMTP server on 127.0.0.1 receiving the code mail, and Chromium typing the code.
// A known account logs in from a new device, gets `challenge`, reads the code from the
// mail, passes, and its next login from that device is `allow`; wrong, expired, replayed
// codes and too many attempts each show their code.
import { randomBytes, randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import express from 'express'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, memoryStore, type Verdict } from '@kenchi/server'
import { historyRule } from '@kenchi/server/rules'
import { createStepUp, emailSender } from '@kenchi/server/stepup'
import { expressKenchi, type ExpressRequest } from '../../packages/server/src/adapters/express.js'
import { launchChromium } from '../support/browser.js'
import { codeIn, startInbox, type Inbox } from '../support/smtp.js'

const clientDir = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url))
const ACCOUNTS = new Map([
  ['hanako', { password: 'Sakura-2026', email: 'hanako@example.jp' }],
  ['taro', { password: 'Fuji-3776', email: 'taro@example.jp' }],
  ['kenji', { password: 'Aso-1592', email: 'kenji@example.jp' }],
])
const TTL_MS = 8000

let inbox: Inbox
let browser: Browser
let shop: { url: string; verdicts: Verdict[]; close(): Promise<void> }

async function startShop(): Promise<typeof shop> {
  const app = express()
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const verifier = await createVerifier({
    keys: [{ id: 'shop', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins: [url],
    // Headless Chromium announces automation; this shop only judges account history.
    rules: [historyRule()],
    store: memoryStore(),
  })
  const stepUp = createStepUp({
    verifier,
    secret: randomBytes(32),
    sender: emailSender({ transport: inbox.transport, from: 'Shop <no-reply@shop.example>' }),
    ttlMs: TTL_MS,
    maxAttempts: 3,
    resend: { cooldownMs: 1000, max: 3 },
  })
  const kenchi = expressKenchi(verifier, { clientDir })
  const verdicts: Verdict[] = []
  // The pending step-up per browser session (a real shop keeps it in its session store).
  const pending = new Map<string, { eventId: string; userId: string }>()
  const passed = new Set<string>()
  const sid = (req: ExpressRequest) => /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1]
  const page = (body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>${kenchi.scriptTag()}</head><body>${body}</body></html>`
  const codeForm = (result: string) =>
    page(`<p id="result">${result}</p>
      <form method="post" action="/login/code">
        <label for="code">Code from the e-mail</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
        <button type="submit" id="send">Confirm</button>
      </form>`)

  app.use(kenchi.middleware)
  app.get('/login', (req, res) => {
    const helper = req.query.ui === 'helper' ? '<input type="hidden" name="ui" value="helper">' : ''
    res.send(
      page(`<form method="post" action="/login" data-kenchi-action="login">${helper}
        <input name="login" id="login" autocomplete="username">
        <input type="password" name="password" id="password" autocomplete="current-password">
        <button type="submit" id="go">Log in</button>
      </form>`),
    )
  })
  app.post(
    '/login',
    express.urlencoded({ extended: false }),
    kenchi.guard('login', (req) => ({ userId: String((req.body as { login?: string }).login ?? '') })),
    async (req, res) => {
      const verdict = (req as ExpressRequest).kenchi!
      verdicts.push(verdict)
      const { login, password } = req.body as { login: string; password: string }
      const account = ACCOUNTS.get(login)
      if (verdict.decision === 'deny') return void res.send(page('<p id="result">denied</p>'))
      if (!account || account.password !== password) {
        await verifier.reportOutcome(verdict.eventId, 'login_failed')
        return void res.send(page('<p id="result">wrong-password</p>'))
      }
      if (verdict.decision === 'allow') {
        await verifier.reportOutcome(verdict.eventId, 'login_succeeded')
        return void res.send(page(`<p id="result">welcome</p><p id="reasons">${verdict.reasons.map((r) => r.code).join(' ')}</p>`))
      }
      // challenge: the code goes to the address on file, never to one from the request.
      const started = await stepUp.start({ eventId: verdict.eventId, userId: login, to: account.email, ip: req.ip })
      if (!started.ok) return void res.send(page(`<p id="result">${started.code}</p>`))
      const id = randomUUID()
      pending.set(id, { eventId: verdict.eventId, userId: login })
      res.setHeader('set-cookie', `sid=${id}; HttpOnly; SameSite=Strict; Path=/`)
      if ((req.body as { ui?: string }).ui === 'helper') {
        // The optional prompt helper draws the form and talks JSON to the two endpoints below.
        return void res.send(
          page(`<p id="result">code-sent</p>
          <div data-kenchi-step-up data-check-url="/login/code.json" data-resend-url="/login/resend.json" data-next="/account"></div>
          <script src="/kenchi/kenchi-stepup.min.js" defer></script>`),
        )
      }
      res.send(codeForm('code-sent'))
    },
  )
  app.post('/login/code.json', express.json(), async (req, res) => {
    const state = pending.get(sid(req) ?? '')
    if (!state) return void res.json({ ok: false, code: 'STEP_UP_NOT_STARTED' })
    const result = await stepUp.check({ ...state, code: String((req.body as { code?: unknown }).code ?? ''), ip: req.ip })
    if (result.ok) passed.add(sid(req)!)
    res.json(result)
  })
  app.post('/login/resend.json', express.json(), async (req, res) => {
    const state = pending.get(sid(req) ?? '')
    if (!state) return void res.json({ ok: false, code: 'STEP_UP_NOT_STARTED' })
    const account = ACCOUNTS.get(state.userId)
    res.json(await stepUp.start({ ...state, to: account?.email, ip: req.ip }))
  })
  app.get('/account', (req, res) => {
    res.send(page(`<p id="result">${passed.has(sid(req) ?? '') ? 'welcome' : 'not-logged-in'}</p>`))
  })
  app.post('/login/code', express.urlencoded({ extended: false }), async (req, res) => {
    const state = pending.get(sid(req) ?? '')
    if (!state) return void res.send(page('<p id="result">no-step-up</p>'))
    const result = await stepUp.check({ ...state, code: String((req.body as { code?: string }).code ?? ''), ip: req.ip })
    // This test shop keeps the pending step-up after success so that a replay reaches the
    // library (a real shop would end it and log the user in).
    if (result.ok) return void res.send(page('<p id="result">welcome</p>'))
    res.send(codeForm(result.code))
  })
  return {
    url,
    verdicts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

beforeAll(async () => {
  inbox = await startInbox()
  shop = await startShop()
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await shop?.close()
  await inbox?.close()
})

/** A browser context = a device. Different screens and locales make different fingerprints, as two machines have. */
function device(n: number): Promise<BrowserContext> {
  const screens = [
    { width: 1920, height: 1080 },
    { width: 1366, height: 768 },
    { width: 1536, height: 864 },
    { width: 1280, height: 1024 },
    { width: 1440, height: 900 },
  ]
  const locales = ['ja-JP', 'en-GB', 'en-US', 'de-DE', 'fr-FR']
  return browser.newContext({
    screen: screens[n]!,
    viewport: { width: screens[n]!.width - 100, height: screens[n]!.height - 200 },
    locale: locales[n]!,
  })
}

async function logIn(page: Page, login: string, password: string): Promise<{ result: string; verdict: Verdict }> {
  const before = shop.verdicts.length
  await page.goto(`${shop.url}/login`)
  await page.evaluate(() => (window as unknown as { Kenchi: { ready(): Promise<void> } }).Kenchi.ready())
  await page.locator('#login').pressSequentially(login, { delay: 40 })
  await page.locator('#password').pressSequentially(password, { delay: 40 })
  await Promise.all([page.waitForURL('**/login'), page.click('#go')])
  await page.waitForSelector('#result')
  expect(shop.verdicts.length).toBe(before + 1)
  return { result: (await page.textContent('#result'))!, verdict: shop.verdicts.at(-1)! }
}

async function typeCode(page: Page, code: string): Promise<string> {
  await page.locator('#code').fill('')
  await page.locator('#code').pressSequentially(code, { delay: 30 })
  await Promise.all([page.waitForURL('**/login/code'), page.click('#send')])
  return (await page.textContent('#result'))!
}

const mailsTo = (to: string) => inbox.mails.filter((m) => m.to.includes(to)).length
const wrong = (code: string) => (code === '000000' ? '999999' : '000000')

describe('step-up in Chromium with the code from a real mail', () => {
  it('known account, new device: challenge, code by mail, passed, next login from that device is allow', async () => {
    const home = await device(0)
    const first = await logIn(await home.newPage(), 'hanako', 'Sakura-2026')
    expect(first.result).toBe('welcome')
    expect(first.verdict.reasons.map((r) => r.code)).toContain('FIRST_USER')
    await home.close()

    const phone = await device(1)
    const page = await phone.newPage()
    const mails = mailsTo('hanako@example.jp')
    const second = await logIn(page, 'hanako', 'Sakura-2026')
    expect(second.verdict.decision).toBe('challenge')
    expect(second.verdict.reasons.map((r) => r.code)).toContain('FIRST_USER_DEVICE')
    expect(second.result).toBe('code-sent')
    const mail = await inbox.waitFor('hanako@example.jp', mails + 1)
    const code = codeIn(mail)
    expect(await typeCode(page, code)).toBe('welcome')

    // Replayed: the same code again on the same step-up.
    await page.goBack()
    expect(await typeCode(page, code)).toBe('STEP_UP_USED')

    const third = await logIn(page, 'hanako', 'Sakura-2026')
    expect(third.verdict.decision).toBe('allow')
    expect(third.verdict.reasons.map((r) => r.code)).toContain('USER_DEVICE')
    expect(third.result).toBe('welcome')
    await phone.close()
  })

  it('wrong codes count down and then too many attempts, even for the right code', async () => {
    const home = await device(0)
    expect((await logIn(await home.newPage(), 'taro', 'Fuji-3776')).result).toBe('welcome')
    await home.close()
    const other = await device(2)
    const page = await other.newPage()
    const mails = mailsTo('taro@example.jp')
    expect((await logIn(page, 'taro', 'Fuji-3776')).result).toBe('code-sent')
    const code = codeIn(await inbox.waitFor('taro@example.jp', mails + 1))
    expect(await typeCode(page, wrong(code))).toBe('STEP_UP_WRONG_CODE')
    expect(await typeCode(page, wrong(code))).toBe('STEP_UP_WRONG_CODE')
    expect(await typeCode(page, wrong(code))).toBe('STEP_UP_WRONG_CODE')
    expect(await typeCode(page, code)).toBe('STEP_UP_TOO_MANY_ATTEMPTS')
    // The device did not become trusted.
    expect((await logIn(page, 'taro', 'Fuji-3776')).verdict.decision).toBe('challenge')
    await other.close()
  })

  it('the optional prompt helper (script tag): wrong code announced, resend, right code, then on to the next page', async () => {
    const home = await device(0)
    expect((await logIn(await home.newPage(), 'kenji', 'Aso-1592')).result).toBe('welcome')
    await home.close()
    const laptop = await device(4)
    const page = await laptop.newPage()
    const mails = mailsTo('kenji@example.jp')
    const before = shop.verdicts.length
    await page.goto(`${shop.url}/login?ui=helper`)
    await page.evaluate(() => (window as unknown as { Kenchi: { ready(): Promise<void> } }).Kenchi.ready())
    await page.locator('#login').pressSequentially('kenji', { delay: 40 })
    await page.locator('#password').pressSequentially('Aso-1592', { delay: 40 })
    await Promise.all([page.waitForURL('**/login'), page.click('#go')])
    expect(shop.verdicts.length).toBe(before + 1)
    expect(shop.verdicts.at(-1)!.decision).toBe('challenge')
    const first = codeIn(await inbox.waitFor('kenji@example.jp', mails + 1))
    // The helper drew a labelled field and focused it.
    const field = page.getByLabel('Code from the message we sent you')
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('autocomplete'))).toBe('one-time-code')
    await field.pressSequentially(wrong(first), { delay: 30 })
    await page.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That code is not right. Attempts left: 2.')
    expect(await field.getAttribute('aria-invalid')).toBe('true')
    await page.waitForTimeout(1100) // the resend cool-down
    await page.getByRole('button', { name: 'Send a new code' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe('A new code is on its way.')
    const second = codeIn(await inbox.waitFor('kenji@example.jp', mails + 2))
    await field.pressSequentially(second, { delay: 30 })
    await Promise.all([page.waitForURL('**/account'), page.getByRole('button', { name: 'Confirm' }).click()])
    expect(await page.textContent('#result')).toBe('welcome')
    const again = await logIn(page, 'kenji', 'Aso-1592')
    expect(again.verdict.decision).toBe('allow')
    await laptop.close()
  })

  it('an expired code gives STEP_UP_EXPIRED', async () => {
    const other = await device(3)
    const page = await other.newPage()
    const mails = mailsTo('hanako@example.jp')
    const { verdict, result } = await logIn(page, 'hanako', 'Sakura-2026')
    expect(verdict.decision).toBe('challenge')
    expect(result).toBe('code-sent')
    const code = codeIn(await inbox.waitFor('hanako@example.jp', mails + 1))
    await page.waitForTimeout(TTL_MS + 500)
    expect(await typeCode(page, code)).toBe('STEP_UP_EXPIRED')
    await other.close()
  }, 30_000)
})
