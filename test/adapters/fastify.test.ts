import Fastify from 'fastify'
import { fastifyKenchi } from '../../packages/server/src/adapters/fastify.js'
import { adapterSuite } from './suite.js'

adapterSuite('Fastify', async (verifier, clientDir) => {
  const kenchi = fastifyKenchi(verifier, { clientDir })
  const app = Fastify()
  // Forms: a minimal urlencoded parser (apps usually register @fastify/formbody).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  await app.register(kenchi.plugin)
  app.post('/login', async (request) => kenchi.verify(request, 'login'))
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return { url, close: () => app.close(), scriptTag: () => kenchi.scriptTag() }
})
