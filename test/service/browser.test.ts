// The service from a real browser: a shop page on one origin loads the built client from the
// service on another origin (cross-origin script, CORS challenge request), the form posts
// the token to the shop, and the shop's back end asks POST /v1/verify. Real Chromium, real
// built script, real HTTP; the site is in test mode (headless Chromium would otherwise be
// denied as automation, which is the point of Kenchi).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createService, type Service } from '../../packages/server/src/service/index.js'
import { launchChromium } from '../support/browser.js'
import { clientDir, post, SECRETS, twoSiteConfig } from './support.js'

let browser: Browser
let service: Service
let shop: Server
let shopUrl: string
let serviceUrl: string

beforeAll(async () => {
  // The shop's handler is async: a failure answers 500 (and fails the test) instead of floating.
  shop = createServer((req, res) => void shopHandler(req, res).catch((error: unknown) => res.writeHead(500).end(String(error))))
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve))
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`
  const config = twoSiteConfig() as any
  config.sites[0].origins = [shopUrl]
  service = await createService({ config, clientDir, logger: false })
  const { port } = await service.listen({ port: 0, host: '127.0.0.1' })
  serviceUrl = `http://localhost:${port}` // another origin than the shop's
  browser = await launchChromium()
})

/** The shop's page: a login form with the script from the service; its POST asks the service for a verdict. */
async function shopHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><html><head><title>Login</title>
<script src="${serviceUrl}/s/shop/kenchi.min.js" data-endpoint="${serviceUrl}/s/shop" async></script></head><body>
<form method="post" action="/login" data-kenchi-action="login"><input name="email" autocomplete="username"><input type="password" name="password"><button>Log in</button></form></body></html>`)
    return
  }
  let body = ''
  for await (const chunk of req) body += chunk
  const form = new URLSearchParams(body)
  const verdict = await post(
    serviceUrl,
    '/v1/verify',
    {
      token: form.get('kenchi-token'),
      context: { action: 'login', loginId: form.get('email'), userAgent: req.headers['user-agent'], origin: req.headers.origin },
    },
    SECRETS.shop,
  )
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
  res.end(`<p id="result">${verdict.body.decision} ${verdict.body.reasons.map((r: { code: string }) => r.code).join(' ')}</p>`)
}

afterAll(async () => {
  await browser?.close()
  await service?.close()
  await new Promise((resolve) => shop?.close(resolve))
})

describe('a shop page using the service from another origin', () => {
  it('gets a token through CORS and the back end gets the verdict', async () => {
    const page = await browser.newPage()
    const failed: string[] = []
    page.on('requestfailed', (r) => failed.push(r.url()))
    await page.goto(`${shopUrl}/login`)
    await page.fill('input[name=email]', 'hanako@example.jp')
    await page.fill('input[name=password]', 'secret')
    await page.click('button')
    await page.waitForSelector('#result')
    expect(await page.textContent('#result')).toBe('allow TEST_MODE')
    expect(failed).toEqual([])
    await page.close()
  })
})
