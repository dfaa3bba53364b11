// The script-tag client in Chromium against verify(), under a strict CSP: every signal
// arrives (the lazy part loads from the script's own directory), forms added later are
// protected, a hanging endpoint never holds a submit longer than the timeout, and typed
// characters never reach the token.
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeKeys, KEY_CATEGORY } from '@kenchi/protocol'
import { launchChromium } from '../support/browser.js'
import { page as html, startSite, tokenBody, type Site } from '../support/site.js'
import { unexpectedReasons } from '../support/verdicts.js'

let site: Site
let browser: Browser

const LOGIN = html(`<form method="post" action="/verify" data-kenchi-action="login">
  <input type="email" name="email" id="email" autocomplete="username">
  <input type="password" name="password" id="password" autocomplete="current-password">
  <button type="submit" id="go">Log in</button>
</form>`)

beforeAll(async () => {
  site = await startSite()
  site.serve('/login.html', LOGIN)
  site.serve(
    '/spa.html',
    html(
      '<div id="app"></div>',
      '<script src="/kenchi/kenchi.min.js" data-endpoint="/kenchi" async></script><script src="/spa.js" defer></script>',
    ),
  )
  // A router that renders the form 300 ms after load, as a single-page app would.
  site.serve(
    '/spa.js',
    `setTimeout(() => {
      const form = document.createElement('form')
      form.method = 'post'; form.action = '/verify'; form.setAttribute('data-kenchi-action', 'login')
      const input = document.createElement('input'); input.name = 'email'; input.id = 'email'
      const button = document.createElement('button'); button.type = 'submit'; button.id = 'go'; button.textContent = 'Go'
      form.append(input, button); document.getElementById('app').append(form)
    }, 300)`,
  )
  site.serve('/timeout.html', LOGIN.replace('data-endpoint="/kenchi"', 'data-endpoint="/kenchi" data-timeout="800"'))
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await site?.close()
})

/** Records CSP violations and page errors from the very start of every page. */
async function watch(context: BrowserContext): Promise<(page: Page) => Promise<string[]>> {
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] }
    w.__violations = []
    document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  const errors: string[] = []
  context.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && errors.push(m.text()))
  context.on('weberror', (e) => errors.push(`pageerror: ${e.error().message}`))
  return async (page) => [...errors, ...(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations))]
}

/** Types like a person would, roughly: moves to the field, clicks, types with uneven delays. */
async function humanType(page: Page, selector: string, text: string): Promise<void> {
  const box = (await page.locator(selector).boundingBox())!
  await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 30, { steps: 6 })
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 8 })
  await page.mouse.down()
  await page.mouse.up()
  for (const [i, ch] of [...text].entries()) await page.keyboard.type(ch, { delay: 30 + ((i * 37) % 50) })
}

async function submitAndWait(page: Page): Promise<string> {
  const before = site.tokens.length
  const box = (await page.locator('#go').boundingBox())!
  await page.mouse.move(box.x + 5, box.y + 5, { steps: 5 })
  await Promise.all([page.waitForURL('**/verify'), page.mouse.click(box.x + 5, box.y + 5)])
  expect(site.tokens.length).toBe(before + 1)
  return site.tokens.at(-1)!
}

/** Every string anywhere in a JSON value. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value)
  else if (Array.isArray(value)) for (const v of value) strings(v, out)
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k)
      strings(v, out)
    }
  }
  return out
}

describe('script tag in Chromium, CSP script-src self', () => {
  it('loads the lazy part, sends every signal and behaviour, and verify() accepts the token', async () => {
    const context = await browser.newContext()
    const problems = await watch(context)
    const page = await context.newPage()
    await page.goto(`${site.url}/login.html`)
    await page.evaluate(() => (window as unknown as { Kenchi: { ready(): Promise<void> } }).Kenchi.ready())
    await humanType(page, '#email', 'hanako@example.jp')
    await humanType(page, '#password', 'Sakura-2026')
    const token = await submitAndWait(page)
    const verdict = site.verdicts.at(-1)!
    // Plain headless Chromium sets navigator.webdriver: the token is fine, the browser is a bot.
    expect(verdict.device?.id).toMatch(/^[\w-]{43}$/)
    expect(verdict.reasons.map((r) => r.code)).toContain('AUTOMATION')
    // keyboard.type, even with uneven per-key delays, puts the next key down 1–2 ms after
    // the last came up: the scripted-input rule catches real Playwright typing.
    expect(verdict.reasons.find((r) => r.code === 'SCRIPTED_TYPING')?.detail?.found).toContain('instant-next-key')
    // Playwright's keys and clicks arrive through the DevTools protocol: INJECTED_INPUT on Linux.
    expect(unexpectedReasons(verdict.reasons, ['AUTOMATION', 'SCRIPTED_TYPING', 'SCRIPTED_POINTER', 'INJECTED_INPUT'])).toEqual([])

    const body = tokenBody(token) as { s: Record<string, { v?: unknown; e?: string }>; b: Record<string, number[]>; ks: string }
    expect(Object.keys(body.s)).toEqual(
      expect.arrayContaining([
        'webdriver',
        'automation',
        'userAgent',
        'headless',
        'tampering',
        'platform',
        'clientHints',
        'languages',
        'timezone',
        'screen',
        'hardware',
        'connection',
        'storage',
        'ids',
        'webgl',
        'consistency',
        'worker',
        'fingerprint',
        'fontOs',
      ]),
    )
    for (const [name, result] of Object.entries(body.s)) expect(result.e, name).toBeUndefined()
    expect(body.s.webdriver!.v).toBe(true)
    expect(body.s.worker!.v).toEqual({}) // the worker agrees with the page
    expect(body.s.headless!.v).toContain('ua')
    expect(Object.keys((body.s.fingerprint!.v as { g: object }).g)).toEqual(
      expect.arrayContaining(['screen', 'locale', 'hardware', 'fonts']),
    )
    expect((body.s.ids!.v as { n: string }).n).toMatch(/^[\w-]{22}$/)
    expect(body.ks).toBe('idb')
    expect(Object.keys(body.b)).toEqual(expect.arrayContaining(['k', 'f', 'p', 'x']))
    expect(decodeKeys(body.b.k).filter((e) => !e.up).length).toBe('hanako@example.jp'.length + 'Sakura-2026'.length)
    console.log(`typical token: ${token.length} bytes`)
    if (process.env.KENCHI_DUMP) console.log(JSON.stringify(body))
    // 2.97 KB before stream q; q (at most 48 input-clock records) adds about 0.4 KB.
    expect(token.length).toBeLessThan(3584)
    expect(await problems(page)).toEqual([])
    await context.close()
  })

  it('keeps its stored ids across visits (a claim the server weighs against the key, never an identity)', async () => {
    const context = await browser.newContext()
    const first = await context.newPage()
    await first.goto(`${site.url}/login.html`)
    await humanType(first, '#email', 'a@b.jp')
    const one = tokenBody(await submitAndWait(first)) as { s: { ids: { v: Record<string, string | null> } } }
    const second = await context.newPage()
    await second.goto(`${site.url}/login.html`)
    await humanType(second, '#email', 'a@b.jp')
    const two = tokenBody(await submitAndWait(second)) as { s: { ids: { v: Record<string, string | null> } } }
    const id = one.s.ids.v.n
    expect(two.s.ids.v).toEqual({ c: id, l: id, i: id, n: id })
    await context.close()
  })

  it('protects a form a single-page router adds later', async () => {
    const context = await browser.newContext()
    const problems = await watch(context)
    const page = await context.newPage()
    await page.goto(`${site.url}/spa.html`)
    await page.waitForSelector('#email')
    await humanType(page, '#email', 'x@y.jp')
    await submitAndWait(page)
    expect(site.verdicts.at(-1)!.device?.id).toMatch(/^[\w-]{43}$/)
    expect(await problems(page)).toEqual([])
    await context.close()
  })

  it('submits within the timeout, without a token, when the challenge endpoint hangs', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.route('**/kenchi/challenge', () => undefined) // never answers
    await page.goto(`${site.url}/timeout.html`)
    await humanType(page, '#email', 'x@y.jp')
    const start = Date.now()
    const token = await submitAndWait(page)
    expect(Date.now() - start).toBeLessThan(800 + 1500)
    expect(token).toBe('')
    expect(site.verdicts.at(-1)!.reasons.map((r) => r.code)).toEqual(['TOKEN_MISSING'])
    await context.close()
  })

  it('never sends what was typed: a known password leaves no trace in the token', async () => {
    // Two passwords with the same key categories; everything sent must be the same shape,
    // and no string anywhere in the token may contain any part of either.
    const passwords = ['Qx7vK-p9zWm', 'Ht3bN-f4rJy']
    const bodies: Array<{ s: Record<string, { v?: unknown }>; b: Record<string, number[]> }> = []
    const context = await browser.newContext()
    for (const password of passwords) {
      const page = await context.newPage()
      await page.goto(`${site.url}/login.html`)
      await humanType(page, '#password', password)
      const token = await submitAndWait(page)
      const body = tokenBody(token) as (typeof bodies)[number]
      bodies.push(body)
      // Random values made before anything was typed (the server's challenge, the device
      // key, the stored ids, the fingerprint hashes) are base64url or hex noise that may
      // contain any three characters by chance; everything else must contain none of the
      // password's three-character pieces.
      const { c: _challenge, k: _key, ...rest } = body as unknown as Record<string, unknown>
      const { ids: _ids, fingerprint: _fp, ...signals } = body.s
      expect(typeof _challenge).toBe('string')
      const all = strings({ ...rest, s: signals }).join('\u0000')
      for (let i = 0; i + 3 <= password.length; i++) expect(all).not.toContain(password.slice(i, i + 3))
      expect(token).not.toContain(password)
      expect(token).not.toContain(Buffer.from(password).toString('base64url').slice(0, 8))
      // Behaviour streams are integers only, and the keys carry categories only.
      for (const stream of Object.values(body.b)) expect(stream.every((n) => Number.isSafeInteger(n))).toBe(true)
      const downs = decodeKeys(body.b.k).filter((e) => !e.up)
      const expected = [...password].map((c) =>
        /[a-z]/i.test(c) ? KEY_CATEGORY.letter : /\d/.test(c) ? KEY_CATEGORY.digit : KEY_CATEGORY.symbol,
      )
      expect(downs.map((e) => e.category).filter((c) => c !== KEY_CATEGORY.shift)).toEqual(expected)
      await page.close()
    }
    // Signals do not depend on what was typed (durations and first-visit storage aside).
    const stable = (b: (typeof bodies)[number]) =>
      Object.fromEntries(
        Object.entries(b.s)
          .filter(([n]) => n !== 'ids' && n !== 'connection')
          .map(([n, r]) => [n, JSON.stringify(r.v)]),
      )
    expect(stable(bodies[0]!)).toEqual(stable(bodies[1]!))
    await context.close()
  })
})
