// The npm mode: the ESM build bundled into a page by an app's bundler (rollup here), with
// FingerprintJS split into a lazily imported chunk, in Chromium against verify().
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import nodeResolve from '@rollup/plugin-node-resolve'
import type { Browser } from 'playwright-core'
import { rollup } from 'rollup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeKeys } from '@kenchi/protocol'
import { launchChromium } from '../support/browser.js'
import { unexpectedReasons } from '../support/verdicts.js'
import { page as html, startSite, tokenBody, type Site } from '../support/site.js'

let site: Site
let browser: Browser
let out: string

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'kenchi-esm-'))
  const bundle = await rollup({
    input: new URL('./fixtures/esm-app.js', import.meta.url).pathname,
    plugins: [nodeResolve({ browser: true })],
  })
  await bundle.write({ dir: out, format: 'es', entryFileNames: 'app.js' })
  await bundle.close()
  site = await startSite()
  site.serveDir('/app/', out)
  site.serve(
    '/checkout.html',
    html(
      '<input id="name" autocomplete="cc-name"><input id="card" autocomplete="cc-number"><button id="pay">Pay</button><p id="result"></p>',
      '<script type="module" src="/app/app.js"></script>',
    ),
  )
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await site?.close()
  if (out) await rm(out, { recursive: true, force: true })
})

describe('ESM build bundled into a page', () => {
  it('splits FingerprintJS off, and createKenchi().token() works end to end', async () => {
    const files = await readdir(out)
    expect(files.length).toBeGreaterThan(1) // app.js and the lazily imported FingerprintJS chunk

    const context = await browser.newContext()
    const page = await context.newPage()
    const violations: string[] = []
    page.on('console', (m) => /Content Security Policy|Refused/i.test(m.text()) && violations.push(m.text()))
    page.on('pageerror', (e) => violations.push(e.message))
    await page.goto(`${site.url}/checkout.html`)
    await page.click('#name')
    await page.keyboard.type('Hanako', { delay: 40 })
    await page.click('#card')
    await page.keyboard.type('4111', { delay: 40 })
    await page.click('#pay')
    await page.waitForFunction(() => document.getElementById('result')!.textContent !== '')
    const [decision] = (await page.textContent('#result'))!.split(' ')
    expect(decision).toBe('deny') // headless Chromium: webdriver
    const verdict = site.verdicts.at(-1)!
    expect(verdict.device?.id).toMatch(/^[\w-]{43}$/)
    // Playwright input (keyboard.type, page.click) is scripted input too.
    expect(verdict.reasons.some((r) => r.code === 'SCRIPTED_TYPING' || r.code === 'SCRIPTED_POINTER')).toBe(true)
    // Playwright's keys and clicks arrive through the DevTools protocol: INJECTED_INPUT on Linux.
    expect(unexpectedReasons(verdict.reasons, ['AUTOMATION', 'SCRIPTED_TYPING', 'SCRIPTED_POINTER', 'INJECTED_INPUT'])).toEqual([])

    const body = tokenBody(site.tokens.at(-1)!) as { s: Record<string, { v?: unknown; e?: string }>; b: Record<string, number[]> }
    expect(body.s.fingerprint!.v).toMatchObject({ g: expect.any(Object) })
    // Only the attached field is numbered; the name field counts as "not a form field".
    const downs = decodeKeys(body.b.k).filter((e) => !e.up)
    expect(downs.filter((e) => e.field === 1).length).toBe(4)
    expect(downs.filter((e) => e.field === 0).length).toBe(6)
    expect(violations).toEqual([])
    await context.close()
  })
})
