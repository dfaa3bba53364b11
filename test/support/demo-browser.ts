// Helpers for the demo's browser tests: a browser profile per "device", a submit pressed
// like a hand, and a watcher that collects every console error, page error, CSP violation
// and failed request of a page.
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core'

export const CUSTOMER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'

/** Launch options that hide Playwright's automation flags, so the demo's verdicts are those of a person's browser. */
export const HIDE_AUTOMATION = {
  ignoreDefaultArgs: ['--enable-automation'],
  args: ['--disable-blink-features=AutomationControlled'],
}

/**
 * A browser profile = a device. Different screens and locales make different fingerprints,
 * as two machines have (the same fingerprint is recognised as the same device).
 */
export function customerContext(browser: Browser, n: 0 | 1, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({
    userAgent: CUSTOMER_UA,
    screen: [
      { width: 1920, height: 1080 },
      { width: 1366, height: 768 },
    ][n],
    viewport: [
      { width: 1600, height: 900 },
      { width: 1200, height: 640 },
    ][n],
    locale: ['ja-JP', 'en-GB'][n],
    ...options,
  })
}

/** Presses and releases the form's submit button like a hand (page.click releases within a millisecond). */
export async function submitLikeAHand(
  page: Page,
  path: string,
  selector = 'main form[data-kenchi-action] button[type=submit]',
): Promise<void> {
  const button = page.locator(selector).first()
  const box = (await button.boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 })
  await page.mouse.down()
  await page.waitForTimeout(90)
  await Promise.all([page.waitForURL(`**${path}`), page.waitForResponse((r) => r.request().method() === 'POST'), page.mouse.up()])
}

/** Makes the context report CSP violations as console errors (the init script runs outside the page's CSP). */
export async function reportCspViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`)
    })
  })
}

/**
 * Collects the problems of a page: console errors (CSP violations included), uncaught
 * errors, failed requests and responses with status ≥ 400 unless `allowStatus(url, status)`
 * says the status is deliberate (its console message is then ignored too).
 */
export function watchProblems(page: Page, allowStatus: (url: string, status: number) => boolean = () => false): string[] {
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    // Chromium logs every response ≥ 400 to the console too: a deliberate one is not a problem.
    const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(m.text())?.[1]
    if (status !== undefined && allowStatus(m.location().url, Number(status))) return
    problems.push(`console error on ${page.url()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`))
  page.on('requestfailed', (r) => {
    // A navigation away cancels the polls in flight: that is not a failure of the page.
    if (r.failure()?.errorText === 'net::ERR_ABORTED') return
    problems.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400 && !allowStatus(r.url(), r.status())) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`)
  })
  return problems
}

/**
 * Signs `context` in to the demo's console (@kenchi/console at /admin) through its sign-in
 * form, as user `admin` with the password the demo prints; the session cookie stays in the context.
 */
export async function signInToConsole(context: BrowserContext, demoUrl: string, password: string): Promise<void> {
  const page = await context.newPage()
  await page.goto(new URL('admin', demoUrl).href)
  if (new URL(page.url()).pathname !== '/admin/login') throw new Error(`expected the sign-in form, got ${page.url()}`)
  await page.fill('input[name=user]', 'admin')
  await page.fill('input[name=password]', password)
  await Promise.all([page.waitForURL('**/admin/'), page.click('#login-form button[type=submit]')])
  await page.close()
}
