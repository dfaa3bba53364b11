// Finding 4 (exhaustion): challenge issuance is bounded per client address in every adapter,
// over real HTTP, with 429 and Retry-After past the limit; another address is unaffected.
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expressKenchi } from '../../packages/server/src/adapters/express.js'
import { fastifyKenchi } from '../../packages/server/src/adapters/fastify.js'
import { honoKenchi } from '../../packages/server/src/adapters/hono.js'
import { ChallengeLimiter } from '../../packages/server/src/adapters/limit.js'
import type { AdapterOptions } from '../../packages/server/src/adapters/core.js'
import { KenchiError } from '../../packages/server/src/errors.js'
import { createVerifier, type Verifier } from '../../packages/server/src/verifier.js'

const ORIGIN = 'https://shop.example'

interface Running {
  port: number
  close(): Promise<void>
}

type Start = (verifier: Verifier, options: AdapterOptions) => Promise<Running>

const ADAPTERS: Record<string, Start> = {
  Express: async (verifier, options) => {
    const kenchi = expressKenchi(verifier, { serveClient: false, ...options })
    const app = express()
    app.use(kenchi.middleware)
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) }
  },
  Fastify: async (verifier, options) => {
    const kenchi = fastifyKenchi(verifier, { serveClient: false, ...options })
    const app = Fastify()
    await app.register(kenchi.plugin)
    await app.listen({ port: 0, host: '127.0.0.1' })
    return { port: (app.server.address() as AddressInfo).port, close: () => app.close() }
  },
  Hono: async (verifier, options) => {
    const kenchi = honoKenchi(verifier, { serveClient: false, ...options })
    const app = new Hono()
    app.use(kenchi.middleware)
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    await new Promise((resolve) => server.once('listening', resolve))
    return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) }
  },
}

/** POSTs a challenge request from a chosen local address (127.0.0.0/8 all reach the server). */
function ask(port: number, from = '127.0.0.1'): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/kenchi/challenge',
        method: 'POST',
        localAddress: from,
        headers: { 'content-type': 'application/json', origin: ORIGIN },
      },
      (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, body }))
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify({ action: 'login' }))
  })
}

for (const [name, start] of Object.entries(ADAPTERS)) {
  describe(`${name}: bounded challenge issuance per client address`, () => {
    let verifier: Verifier
    const running: Running[] = []
    beforeAll(async () => {
      verifier = await createVerifier({
        keys: [{ id: 'k1', secret: 'limit-secret-limit-secret-limit-secret1' }],
        hashSecret: 'limit-hash-limit-hash-limit-hash-limit-h1',
        origins: [ORIGIN],
      })
    })
    afterAll(async () => {
      for (const r of running) await r.close()
      verifier.close()
    })

    it('answers 429 with Retry-After past the configured limit, for that address only', async () => {
      const server = await start(verifier, { challengeLimit: { max: 5, windowSeconds: 30 } })
      running.push(server)
      for (let i = 0; i < 5; i++) expect((await ask(server.port)).status).toBe(200)
      const refused = await ask(server.port)
      expect(refused.status).toBe(429)
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1)
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(30)
      expect(JSON.parse(refused.body)).toMatchObject({ error: 'rate_limited' })
      // Another client address still gets its challenges.
      expect((await ask(server.port, '127.0.0.2')).status).toBe(200)
    })

    it('limits by default (60 a minute) and can be turned off', async () => {
      const limited = await start(verifier, {})
      running.push(limited)
      const statuses = await Promise.all(Array.from({ length: 61 }, () => ask(limited.port, '127.0.0.3')))
      expect(statuses.filter((s) => s.status === 200)).toHaveLength(60)
      expect(statuses.filter((s) => s.status === 429)).toHaveLength(1)
      const open = await start(verifier, { challengeLimit: false })
      running.push(open)
      const all = await Promise.all(Array.from({ length: 61 }, () => ask(open.port, '127.0.0.3')))
      expect(all.every((s) => s.status === 200)).toBe(true)
    })
  })
}

describe('ChallengeLimiter', () => {
  it('counts an IPv6 /64 as one client, IPv4-mapped IPv6 as its IPv4 address, and forgets old windows', () => {
    let now = 0
    const limiter = new ChallengeLimiter({ max: 2, windowSeconds: 10 }, () => now)
    expect(ChallengeLimiter.keyFor('2001:db8:1:2:aaaa::1')).toBe(ChallengeLimiter.keyFor('2001:db8:1:2:ffff:1:2:3'))
    expect(ChallengeLimiter.keyFor('2001:db8:1:3::1')).not.toBe(ChallengeLimiter.keyFor('2001:db8:1:2::1'))
    expect(ChallengeLimiter.keyFor('::ffff:192.0.2.1')).toBe('192.0.2.1')
    expect(ChallengeLimiter.keyFor('not an address')).toBeUndefined()
    expect(limiter.take('2001:db8:1:2::1').ok).toBe(true)
    expect(limiter.take('2001:db8:1:2::2').ok).toBe(true)
    expect(limiter.take('2001:db8:1:2:ffff::9')).toEqual({ ok: false, retryAfter: 10 })
    expect(limiter.take('2001:db8:1:3::1').ok).toBe(true) // the next /64
    now = 9_500
    expect(limiter.take('2001:db8:1:2::1')).toEqual({ ok: false, retryAfter: 1 })
    now = 10_000
    expect(limiter.take('2001:db8:1:2::1').ok).toBe(true)
  })

  it('keeps at most maxAddresses windows', () => {
    const limiter = new ChallengeLimiter({ max: 1, maxAddresses: 3 })
    for (let i = 1; i <= 4; i++) expect(limiter.take(`192.0.2.${i}`).ok).toBe(true)
    // 192.0.2.1 was forgotten (the oldest); 192.0.2.4 is still counted.
    expect(limiter.take('192.0.2.1').ok).toBe(true)
    expect(limiter.take('192.0.2.4').ok).toBe(false)
  })

  it('refuses a bad configuration', () => {
    expect(() => new ChallengeLimiter({ max: 0 })).toThrow(KenchiError)
    expect(() => new ChallengeLimiter({ windowSeconds: 1.5 })).toThrow(KenchiError)
  })
})
