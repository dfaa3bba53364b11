// One integration suite, over real HTTP, for every framework adapter: each test file
// starts its framework with the adapter wired in the documented way and hands it here.
import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createVerifier, type Verdict, type Verifier } from '@kenchi/server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { humanSignals, tokenFor } from '../support/tokens.js'

export const ORIGIN = 'https://shop.example'
const SCRIPT = 'window.__kenchiFixture = 1\n'
// The user agent of the page the test tokens come from; a real browser sends the same header.
const BROWSER_UA = (humanSignals().userAgent as { v: string }).v

export interface Started {
  url: string
  close(): Promise<void>
  scriptTag(): string
}

/**
 * `start` must serve the adapter's endpoints under `/kenchi`, and `POST /login` that
 * verifies with the adapter's one-line verify for action `login` and answers the verdict as JSON.
 */
export function adapterSuite(name: string, start: (verifier: Verifier, clientDir: string) => Promise<Started>): void {
  describe(`${name} adapter over HTTP`, () => {
    let server: Started
    let verifier: Verifier
    let clientDir: string

    beforeAll(async () => {
      clientDir = mkdtempSync(join(tmpdir(), 'kenchi-client-'))
      writeFileSync(join(clientDir, 'kenchi.min.js'), SCRIPT)
      writeFileSync(join(clientDir, 'notes.txt'), 'not served')
      verifier = await createVerifier({
        keys: [{ id: 'k1', secret: 'adapter-secret-adapter-secret-adapter-1' }],
        hashSecret: 'adapter-hash-adapter-hash-adapter-hash-1',
        origins: [ORIGIN],
      })
      server = await start(verifier, clientDir)
    })

    afterAll(async () => {
      await server?.close()
      rmSync(clientDir, { recursive: true, force: true })
    })

    const challenge = (body: unknown, origin: string | null = ORIGIN) =>
      fetch(`${server.url}/kenchi/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })

    it('answers a challenge request whose body never ends once past 1 KB, without reading it all', async () => {
      // A chunked body with no length that keeps coming: an adapter that buffers the whole
      // body before its 1 KB check would never answer (the stream is endless).
      const answer = await new Promise<number>((resolve, reject) => {
        const url = new URL(`${server.url}/kenchi/challenge`)
        const req = request({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: ORIGIN },
        })
        let sending = true
        const pump = () => {
          while (sending && req.write('{"action":"login","pad":"' + 'x'.repeat(4096))) {
            // keep writing while the socket takes it
          }
          if (sending) req.once('drain', pump)
        }
        req.on('response', (res) => {
          sending = false
          res.resume()
          resolve(res.statusCode ?? 0)
          req.destroy()
        })
        req.on('error', (error) => (sending ? reject(error) : undefined))
        setTimeout(() => {
          sending = false
          req.destroy()
          reject(new Error('no answer in 10 s to an endless challenge body'))
        }, 10_000).unref()
        pump()
      })
      // 400 BODY_INVALID from the adapter, or 413 from a framework's own body limit (Fastify).
      expect([400, 413]).toContain(answer)
    })

    async function login(body: string, headers: Record<string, string> = {}): Promise<Verdict> {
      const response = await fetch(`${server.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'user-agent': BROWSER_UA, ...headers },
        body,
      })
      expect(response.status).toBe(200)
      return (await response.json()) as Verdict
    }

    it('issues challenges for the configured origin only', async () => {
      const ok = await challenge({ action: 'login' })
      expect(ok.status).toBe(200)
      expect(ok.headers.get('cache-control')).toBe('no-store')
      const issued = (await ok.json()) as { challenge: string; expiresAt: number }
      expect(issued.challenge).toMatch(/^kc1\./)
      expect(issued.expiresAt).toBeGreaterThan(Date.now())
      expect((await challenge({ action: 'login' }, 'https://evil.example')).status).toBe(403)
      expect((await challenge({ action: 'login' }, null)).status).toBe(400)
      expect((await challenge({ action: 'Log In!' })).status).toBe(400)
      expect((await challenge('{not json')).status).toBe(400)
      expect((await challenge({ action: 'login', pad: 'x'.repeat(5000) })).status).toBeGreaterThanOrEqual(400)
    })

    it('verifies a real token from a form post in one line, and refuses its replay', async () => {
      const issued = (await (await challenge({ action: 'login' })).json()) as { challenge: string }
      const token = await tokenFor(issued.challenge)
      const first = await login(new URLSearchParams({ email: 'a@example.jp', 'kenchi-token': token }).toString())
      expect(first.decision).toBe('allow')
      expect(first.device?.id).toMatch(/^[\w-]{43}$/)
      const again = await login(new URLSearchParams({ 'kenchi-token': token }).toString())
      expect(again.decision).toBe('deny')
      expect(again.reasons.map((r) => r.code)).toEqual(['TOKEN_REPLAYED'])
      const event = await verifier.store.getEvent(first.eventId)
      expect(event?.ip).toMatch(/127\.0\.0\.1/)
    })

    it('takes the token from the x-kenchi-token header, and applies the missing-token policy', async () => {
      const issued = (await (await challenge({ action: 'login' })).json()) as { challenge: string }
      const viaHeader = await login('', { 'x-kenchi-token': await tokenFor(issued.challenge) })
      expect(viaHeader.decision).toBe('allow')
      const none = await login('email=a%40example.jp')
      expect(none.decision).toBe('challenge')
      expect(none.reasons.map((r) => r.code)).toEqual(['TOKEN_MISSING'])
    })

    it('passes the request headers to the rules: a token replayed from another client is doubted', async () => {
      const issued = (await (await challenge({ action: 'login' })).json()) as { challenge: string }
      const token = await tokenFor(issued.challenge)
      const fromCurl = await login(new URLSearchParams({ 'kenchi-token': token }).toString(), { 'user-agent': 'curl/8.5.0' })
      expect(fromCurl.decision).toBe('challenge')
      expect(fromCurl.reasons).toMatchObject([{ code: 'ENVIRONMENT_INCONSISTENT', detail: { found: ['ua-header'] } }])
    })

    it('serves the client with caching, revalidation and an integrity hash', async () => {
      const integrity = `sha384-${createHash('sha384').update(SCRIPT).digest('base64')}`
      const plain = await fetch(`${server.url}/kenchi/kenchi.min.js`)
      expect(plain.status).toBe(200)
      expect(await plain.text()).toBe(SCRIPT)
      expect(plain.headers.get('content-type')).toMatch(/^text\/javascript/)
      expect(plain.headers.get('cache-control')).toBe('public, max-age=3600, must-revalidate')
      const etag = plain.headers.get('etag')!
      expect((await fetch(`${server.url}/kenchi/kenchi.min.js`, { headers: { 'if-none-match': etag } })).status).toBe(304)
      const tag = server.scriptTag()
      expect(tag).toContain(`integrity="${integrity}"`)
      expect(tag).toContain('data-endpoint="/kenchi"')
      const src = /src="([^"]+)"/.exec(tag)![1]!
      const versioned = await fetch(`${server.url}${src}`)
      expect(versioned.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
      for (const path of ['/kenchi/notes.txt', '/kenchi/..%2Fpackage.json', '/kenchi/%2e%2e/package.json', '/kenchi/missing.js']) {
        expect((await fetch(`${server.url}${path}`)).status, path).toBe(404)
      }
    })
  })
}
