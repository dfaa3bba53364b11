import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { honoKenchi } from '../../packages/server/src/adapters/hono.js'
import { adapterSuite } from './suite.js'

adapterSuite('Hono', async (verifier, clientDir) => {
  const kenchi = honoKenchi(verifier, { clientDir })
  const app = new Hono()
  app.use(kenchi.middleware)
  app.post('/login', async (c) => c.json(await kenchi.verify(c, 'login')))
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    scriptTag: () => kenchi.scriptTag(),
  }
})
