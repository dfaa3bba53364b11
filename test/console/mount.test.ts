// The console mounted in Express (app.use with and without a path), Fastify and Hono (on
// @hono/node-server), next to the app's own routes: sign in, a page, a change with the CSRF
// token (JSON and the no-JavaScript form), and the app's routes untouched.
import type { Server } from 'node:http'
import { serve as honoServe } from '@hono/node-server'
import express from 'express'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { createConsole, mountExpress, mountFastify, mountHono, type ConsoleHandler } from '@kenchi/console'
import { addEvent, call, newSite, roleUsers, serve, session } from './support.js'

async function exercise(url: string, base: string, verifier: Awaited<ReturnType<typeof newSite>>['verifier']): Promise<void> {
  const at = `${url}${base}`
  const eventId = await addEvent(verifier)
  const admin = await session(at, 'admin')
  const page = await call(at, admin, 'GET', '/')
  expect(page.status).toBe(200)
  expect(await page.text()).toContain(`data-base="${base}"`)
  expect((await fetch(`${at}/assets/lib.js`)).status).toBe(200)
  const events = (await (await call(at, admin, 'GET', '/api/events')).json()) as { events: Array<{ id: string }> }
  expect(events.events.map((e) => e.id)).toEqual([eventId])
  expect((await call(at, admin, 'PUT', '/api/policy', { mode: 'monitor' })).status).toBe(200)
  expect(verifier.policy.mode).toBe('monitor')
  expect((await call(at, admin, 'PUT', '/api/policy', { mode: 'live' }, { 'x-csrf-token': 'nope' })).status).toBe(403)
  const form = await fetch(`${at}/events/${eventId}/label`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ label: 'fraud', _csrf: admin.csrf }).toString(),
  })
  expect(form.status).toBe(303)
  expect(form.headers.get('location')).toBe(`${base}/events/${eventId}`)
  expect((await fetch(`${at}/api/nothing`, { headers: { cookie: admin.cookie } })).status).toBe(404)
  // The app's own routes still answer.
  expect(await (await fetch(`${url}/hello`)).text()).toBe('shop')
  expect(await (await fetch(`${url}/adminx`)).text()).toBe('not console')
}

async function consoleFor(basePath: string): Promise<{ handler: ConsoleHandler; site: Awaited<ReturnType<typeof newSite>> }> {
  const site = await newSite()
  return { handler: createConsole({ ...site, basePath, users: await roleUsers() }), site }
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })

describe('mounting the console', () => {
  it('in Express with app.use(console) and with app.use(path, console), under a JSON body parser', async () => {
    for (const withPath of [false, true]) {
      const { handler, site } = await consoleFor('/admin')
      const app = express()
      app.use(express.json())
      app.get('/hello', (req, res) => res.send('shop'))
      if (withPath) app.use('/admin', handler)
      else mountExpress(app, handler)
      app.use((req, res) => res.status(404).send('not console'))
      const server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      try {
        await exercise(`http://127.0.0.1:${(server.address() as { port: number }).port}`, '/admin', site.verifier)
      } finally {
        await closeServer(server)
      }
    }
  })

  it('in Fastify', async () => {
    const { handler, site } = await consoleFor('/admin')
    const app = Fastify()
    app.get('/hello', async () => 'shop')
    app.setNotFoundHandler((req, reply) => reply.code(404).send('not console'))
    await mountFastify(app, handler)
    const url = await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      await exercise(url, '/admin', site.verifier)
    } finally {
      await app.close()
    }
  })

  it('in Hono on @hono/node-server, at a deeper base path', async () => {
    const { handler, site } = await consoleFor('/ops/kenchi')
    const app = new Hono()
    app.get('/hello', (c) => c.text('shop'))
    mountHono(app, handler)
    app.notFound((c) => c.text('not console', 404))
    const server = honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server
    const url = await new Promise<string>((resolve) =>
      server.listening
        ? resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)
        : server.once('listening', () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}`)),
    )
    try {
      await exercise(url, '/ops/kenchi', site.verifier)
    } finally {
      await closeServer(server)
    }
  })

  it('in node:http at the root', async () => {
    const { handler, site } = await consoleFor('/')
    const { createServer } = await import('node:http')
    const server = createServer((req, res) => {
      if (req.url === '/hello') return void res.end('shop')
      if (req.url === '/adminx') return void res.end('not console')
      handler(req, res)
    })
    const url = await serve(server)
    try {
      await exercise(url, '', site.verifier)
    } finally {
      await closeServer(server)
    }
  })
})
