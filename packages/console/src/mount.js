// Mounting the console's Node handler in the common frameworks. The handler serves
// everything under its basePath; each helper routes that path to it and leaves the rest.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * Express (4 or 5): `mountExpress(app, console)` is `app.use(console)`, which passes on
 * requests outside the console's basePath.
 * @param {{ use: Function }} app
 * @param {import('./index.js').ConsoleHandler} handler
 */
export function mountExpress(app, handler) {
  app.use(handler)
  return app
}

/**
 * Fastify (4 or 5): registers an encapsulated plugin that hands every request under the
 * console's basePath, unparsed, to the console (`reply.hijack()`).
 * @param {any} fastify
 * @param {import('./index.js').ConsoleHandler} handler
 */
export async function mountFastify(fastify, handler) {
  await fastify.register(async (instance) => {
    // The console parses its own bodies: leave the request stream unread.
    instance.removeAllContentTypeParsers()
    instance.addContentTypeParser('*', (request, payload, done) => done(null))
    const route = (request, reply) => {
      reply.hijack()
      handler(request.raw, reply.raw)
    }
    const base = handler.basePath
    instance.all(base || '/', route)
    instance.all(`${base}/*`, route)
  })
  return fastify
}

/**
 * Hono on @hono/node-server: routes the console's basePath to the handler, with the Node
 * request and response @hono/node-server puts in `c.env` (`incoming`, `outgoing`).
 * @param {any} app a Hono app
 * @param {import('./index.js').ConsoleHandler} handler
 */
export function mountHono(app, handler) {
  // The response @hono/node-server leaves alone (the handler answers on the Node objects);
  // it must be its own object, made with the Response class it expects.
  let RESPONSE_ALREADY_SENT
  try {
    ;({ RESPONSE_ALREADY_SENT } = require('@hono/node-server/utils/response'))
  } catch {
    throw new Error('mountHono: install @hono/node-server and serve the Hono app with it (the console needs the Node request and response)')
  }
  const route = (c) => {
    const { incoming, outgoing } = c.env ?? {}
    if (!incoming || !outgoing)
      throw new Error('mountHono: run the Hono app with @hono/node-server (the console needs the Node request and response)')
    handler(incoming, outgoing)
    return RESPONSE_ALREADY_SENT
  }
  const base = handler.basePath
  app.all(base || '/', route)
  app.all(`${base}/*`, route)
  return app
}
