// A misconfigured shop in Chromium (the page's origin is not in `origins`): the built
// script-tag client says why in the console, once, and the adapter says it in the server
// log, once; the form still posts (without a token), as documented.
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import express from 'express'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, type Verdict } from '@kenchi/server'
import { expressKenchi, type ExpressRequest } from '../../packages/server/src/adapters/express.js'
import { launchChromium } from '../support/browser.js'

const clientDir = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url))
let browser: Browser
let url: string
let close: () => Promise<void>
const serverLog: string[] = []
const verdicts: Verdict[] = []

beforeAll(async () => {
  browser = await launchChromium()
  const app = express()
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // The mistake: the shop's public origin is configured, not the one the browser is on.
  const verifier = await createVerifier({
    keys: [{ id: 'k', secret: 'd'.repeat(40) }],
    hashSecret: 'e'.repeat(40),
    origins: ['https://shop.example'],
  })
  const kenchi = expressKenchi(verifier, { clientDir, logger: (message) => void serverLog.push(message) })
  app.use(kenchi.middleware)
  app.get('/login', (req, res) => {
    res.send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Login</title>${kenchi.scriptTag()}</head><body>
      <form method="post" action="/login" data-kenchi-action="login"><input name="email"><button id="go">Log in</button></form></body></html>`)
  })
  app.post('/login', express.urlencoded({ extended: false }), kenchi.guard('login'), (req, res) => {
    verdicts.push((req as ExpressRequest).kenchi!)
    res.send(`<!doctype html><p id="result">${(req as ExpressRequest).kenchi!.reasons.map((r) => r.code).join(' ')}</p>`)
  })
  close = () => new Promise((resolve) => server.close(() => resolve()))
})
afterAll(async () => {
  await browser?.close()
  await close?.()
})

describe('diagnostics of a refused challenge', () => {
  it('the console and the server log name CHALLENGE_ORIGIN once each; the form posts without a token', async () => {
    const page = await browser.newPage()
    const warnings: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'warning' && m.text().startsWith('Kenchi:')) warnings.push(m.text())
    })
    for (let i = 0; i < 2; i++) {
      await page.goto(`${url}/login`)
      await page.fill('[name=email]', 'hanako@example.jp')
      await page.click('#go')
      await page.locator('#result').waitFor()
      expect(await page.textContent('#result')).toBe('TOKEN_MISSING')
    }
    // Each page load is a new script instance: one warning per page, naming the cause.
    expect(warnings.length).toBeGreaterThanOrEqual(1)
    expect(warnings.length).toBeLessThanOrEqual(2)
    expect(new Set(warnings)).toEqual(
      new Set([`Kenchi: /kenchi/challenge refused "login" from ${url}: 403 CHALLENGE_ORIGIN; forms post without a token`]),
    )
    expect(serverLog).toEqual([
      `Kenchi: challenge refused (CHALLENGE_ORIGIN) for origin ${url}, action "login": the page origin is not in createVerifier({ origins }) (scheme, host and port must match exactly); the form will post without a token`,
    ])
    await page.close()
  }, 60_000)
})
