// The admin console: a JSON API under /admin/api/ (documented in docs/admin-api.md) and the
// pages that use it. Protected by the password printed at start-up (Bearer or Basic).
import { createHash, timingSafeEqual } from 'node:crypto'
import express from 'express'
import { KenchiError } from '@kenchi/server'
import { escape, layout } from '../lib/html.mjs'
import { eventsCsv } from './csv.mjs'

/** @param {import("../app.mjs").DemoContext} ctx */
export function adminRouter({ verifier, store, adminPassword, origins }) {
  const router = express.Router()
  // A browser resends Basic credentials to any page that posts here: changes from another
  // origin are refused (curl and other clients send no Origin header).
  router.use((req, res, next) => {
    const origin = req.headers.origin
    if (req.method === 'GET' || req.method === 'HEAD' || origin === undefined || origins.includes(origin)) return next()
    res.status(403).json({ error: 'ORIGIN_REFUSED' })
  })
  const wanted = createHash('sha256').update(adminPassword).digest()
  router.use((req, res, next) => {
    const header = req.headers.authorization ?? ''
    let given
    if (/^Bearer /i.test(header)) given = header.slice(7).trim()
    else if (/^Basic /i.test(header)) {
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
      given = decoded.slice(decoded.indexOf(':') + 1)
    }
    if (given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), wanted)) return next()
    res.set('www-authenticate', 'Basic realm="Kenchi demo admin", charset="UTF-8"')
    res.status(401).json({ error: 'UNAUTHORIZED' })
  })
  router.use((req, res, next) => {
    res.set('cache-control', 'no-store')
    next()
  })
  const json = express.json({ limit: '16kb' })
  const bad = (res, error, message) => res.status(400).json({ error, message })

  function paging(req) {
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit)
    const before = req.query.before === undefined ? undefined : Number(req.query.before)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return { error: 'limit must be an integer 1–1000' }
    if (before !== undefined && (!Number.isFinite(before) || before < 0)) return { error: 'before must be a Unix time in ms' }
    return { limit, before }
  }

  router.get('/api/events', async (req, res) => {
    const p = paging(req)
    if (p.error) return bad(res, 'INPUT_INVALID', p.error)
    const events = await store.listEvents({ limit: p.limit, ...(p.before !== undefined ? { before: p.before } : {}) })
    res.json({ events, next: events.length === p.limit ? events.at(-1).at : null })
  })

  router.get('/api/events.csv', async (req, res) => {
    const p = paging({ query: { limit: '1000', ...req.query } })
    if (p.error) return bad(res, 'INPUT_INVALID', p.error)
    const events = await store.listEvents({ limit: p.limit, ...(p.before !== undefined ? { before: p.before } : {}) })
    res.type('text/csv').set('content-disposition', 'attachment; filename="kenchi-events.csv"').send(eventsCsv(events))
  })

  router.get('/api/events/:id', async (req, res) => {
    const event = await store.getEvent(req.params.id)
    if (!event) return res.status(404).json({ error: 'EVENT_UNKNOWN' })
    res.json(event)
  })

  router.post('/api/events/:id/label', json, async (req, res) => {
    const { label, comment } = req.body ?? {}
    try {
      await verifier.label(req.params.id, label, comment === undefined ? {} : { comment })
    } catch (error) {
      if (error instanceof KenchiError) return res.status(error.code === 'EVENT_UNKNOWN' ? 404 : 400).json({ error: error.code, message: error.message })
      throw error
    }
    res.json(await store.getEvent(req.params.id))
  })

  router.get('/api/devices/:id', async (req, res) => {
    const device = await store.getDevice(req.params.id)
    if (!device) return res.status(404).json({ error: 'DEVICE_UNKNOWN' })
    res.json({ device, users: await store.listDeviceUsers(req.params.id, 100) })
  })

  router.get('/api/users/:hash', async (req, res) => {
    res.json({ userHash: req.params.hash, devices: await store.listUserDevices(req.params.hash, 100) })
  })

  router.get('/api/policy', (req, res) => res.json(verifier.policy))
  router.put('/api/policy', json, (req, res) => {
    if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) return bad(res, 'INPUT_INVALID', 'send a JSON object')
    try {
      res.json(verifier.updatePolicy(req.body))
    } catch (error) {
      if (error instanceof KenchiError) return bad(res, error.code, error.message)
      throw error
    }
  })

  router.get('/api/attack', (req, res) => res.json(verifier.attack))

  router.use('/api', (req, res) => res.status(404).json({ error: 'NOT_FOUND' }))
  router.use('/api', (error, req, res, next) => {
    if (res.headersSent) return next(error)
    const status = error?.status && error.status < 500 ? error.status : 500
    res.status(status).json({ error: status === 500 ? 'INTERNAL_ERROR' : 'INPUT_INVALID' })
  })

  // The minimal HTML page: recent events with label buttons (plain forms, no script).
  router.get('/', async (req, res) => {
    const events = await store.listEvents({ limit: 50 })
    const rows = events
      .map(
        (e) => `<tr><td>${new Date(e.at).toISOString().replace('T', ' ').slice(0, 19)}</td><td>${escape(e.action)}</td><td class="${escape(e.decision)}">${escape(e.decision)}</td><td>${e.score}</td><td>${e.reasons.map((r) => `<code>${escape(r.code)}</code>`).join(' ')}</td><td>${e.label ? escape(e.label.label) : ''}</td><td><form method="post" action="/admin/events/${encodeURIComponent(e.id)}/label" class="inline"><button name="label" value="legit">legit</button><button name="label" value="fraud">fraud</button></form></td></tr>`,
      )
      .join('')
    res.type('html').send(
      layout(
        'Admin',
        `<h1>Recent events</h1><p>JSON API: <code>/admin/api/</code> (see docs/admin-api.md) · <a href="/admin/api/events.csv">CSV export</a></p>
<table><thead><tr><th>time (UTC)</th><th>action</th><th>decision</th><th>score</th><th>reasons</th><th>label</th><th></th></tr></thead><tbody>${rows || '<tr><td colspan="7">No events yet.</td></tr>'}</tbody></table>`,
        '',
        undefined,
        'wide',
      ),
    )
  })
  router.post('/events/:id/label', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    try {
      await verifier.label(req.params.id, req.body.label)
    } catch (error) {
      if (error instanceof KenchiError) return res.status(400).type('text').send(`label refused (${error.code})`)
      throw error
    }
    res.redirect(303, '/admin')
  })
  return router
}

