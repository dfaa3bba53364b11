// The step-up helper in npm mode: bundled into a shop's page by rollup through the package
// export `@kenchi/client/stepup`, in Chromium under a strict CSP (script-src 'self', no
// inline style), talking to the shop's JSON routes.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import nodeResolve from '@rollup/plugin-node-resolve'
import type { Browser } from 'playwright-core'
import { rollup } from 'rollup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/browser.js'
import { CSP } from '../support/site.js'

let out: string
let server: Server
let url: string
let browser: Browser
const posted: Array<{ path: string; body: string; csrf: string | undefined }> = []
const answers = [{ ok: false, code: 'STEP_UP_WRONG_CODE', attemptsLeft: 4 }, { ok: true }]

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'kenchi-stepup-esm-'))
  const bundle = await rollup({
    input: new URL('./fixtures/stepup-app.js', import.meta.url).pathname,
    plugins: [nodeResolve({ browser: true })],
  })
  await bundle.write({ dir: out, format: 'es', entryFileNames: 'app.js' })
  await bundle.close()
  server = createServer((req, res) => {
    const headers = { 'content-security-policy': CSP, 'cache-control': 'no-store' }
    if (req.method === 'GET' && req.url === '/page.html') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' })
      return void res.end(
        '<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>code</title><script type="module" src="/app.js"></script></head><body><div id="step-up"></div><p id="result"></p></body></html>',
      )
    }
    if (req.method === 'GET' && req.url === '/app.js') {
      void readFile(join(out, 'app.js')).then((body) => {
        res.writeHead(200, { ...headers, 'content-type': 'text/javascript' })
        res.end(body)
      })
      return
    }
    if (req.method === 'POST' && (req.url === '/code.json' || req.url === '/resend.json')) {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        posted.push({
          path: req.url!,
          body: Buffer.concat(chunks).toString('utf8'),
          csrf: req.headers['x-csrf-token'] as string | undefined,
        })
        res.writeHead(200, { ...headers, 'content-type': 'application/json' })
        res.end(JSON.stringify(req.url === '/resend.json' ? { ok: true } : answers.shift()))
      })
      return
    }
    res.writeHead(404, headers)
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
  if (out) await rm(out, { recursive: true, force: true })
})

describe('step-up helper bundled from npm', () => {
  it('draws an accessible prompt under a strict CSP, announces a wrong code, passes the right one', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => /Content Security Policy|Refused/i.test(m.text()) && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))
    await page.goto(`${url}/page.html`)
    const field = page.getByLabel('確認コード')
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('autocomplete'))).toBe('one-time-code')
    await page.keyboard.type('111111', { delay: 20 })
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That code is not right. Attempts left: 4.')
    expect(await page.textContent('#result')).toBe('STEP_UP_WRONG_CODE')
    await page.getByRole('button', { name: 'Send a new code' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe('A new code is on its way.')
    await field.fill('222 222')
    await page.getByRole('button', { name: '確認する' }).click()
    await expect.poll(() => page.textContent('#result')).toBe('passed')
    expect(await field.isDisabled()).toBe(true)
    expect(posted).toEqual([
      { path: '/code.json', body: '{"code":"111111"}', csrf: 'token-from-the-page' },
      { path: '/resend.json', body: '{}', csrf: 'token-from-the-page' },
      { path: '/code.json', body: '{"code":"222222"}', csrf: 'token-from-the-page' },
    ])
    expect(problems).toEqual([])
    await context.close()
  })
})
