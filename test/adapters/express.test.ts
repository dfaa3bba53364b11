import type { AddressInfo } from 'node:net'
import express from 'express'
import { expressKenchi } from '../../packages/server/src/adapters/express.js'
import { adapterSuite } from './suite.js'

adapterSuite('Express', async (verifier, clientDir) => {
  const kenchi = expressKenchi(verifier, { clientDir })
  const app = express()
  app.use(kenchi.middleware)
  app.post('/login', express.urlencoded({ extended: false }), kenchi.guard('login'), (req, res) => {
    res.json((req as { kenchi?: unknown }).kenchi)
  })
  const server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
    scriptTag: () => kenchi.scriptTag(),
  }
})
