// Express guard with an async `extra` (decision 0007: check the password before verify()).
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createVerifier, type Verdict, type Verifier } from '@kenchi/server'
import { expressKenchi, type ExpressRequest } from '../../packages/server/src/adapters/express.js'

let url: string
let verifier: Verifier
let close: () => Promise<void>

beforeAll(async () => {
  verifier = await createVerifier({
    keys: [{ id: 'k', secret: 'g'.repeat(40) }],
    hashSecret: 'h'.repeat(40),
    origins: ['https://shop.example'],
  })
  const kenchi = expressKenchi(verifier, { serveClient: false, logger: false })
  const app = express()
  app.post(
    '/login',
    express.urlencoded({ extended: false }),
    kenchi.guard('login', async (req) => {
      const body = req.body as { email: string; password: string }
      await new Promise((resolve) => setTimeout(resolve, 20)) // a password hash takes a while
      if (body.email === 'boom@example.jp') throw new Error('user table down')
      const ok = body.email === 'hanako@example.jp' && body.password === 'right'
      return { loginId: body.email, ...(ok ? { userId: 'acct-1' } : {}) }
    }),
    async (req, res) => {
      const verdict = (req as ExpressRequest).kenchi as Verdict
      const event = await verifier.store.getEvent(verdict.eventId)
      res.json({
        decision: verdict.decision,
        login: event?.loginHash === verifier.hashIdentity('user', (req.body as { email: string }).email),
        user: event?.userHash === verifier.hashIdentity('user', 'acct-1'),
      })
    },
  )
  app.use(
    (error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) =>
      void res.status(500).json({ error: error.message }),
  )
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  close = () => new Promise((resolve) => server.close(() => resolve()))
})
afterAll(() => close())

const post = (email: string, password: string) =>
  fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }),
  })

describe('guard(action, async extra)', () => {
  it('awaits the extra context: loginId always, userId only with the right password', async () => {
    expect(await (await post('hanako@example.jp', 'right')).json()).toEqual({ decision: 'challenge', login: true, user: true })
    expect(await (await post('hanako@example.jp', 'wrong')).json()).toEqual({ decision: 'challenge', login: true, user: false })
  })

  it('passes a rejected extra to the error handler', async () => {
    const response = await post('boom@example.jp', 'x')
    expect([response.status, await response.json()]).toEqual([500, { error: 'user table down' }])
  })
})
