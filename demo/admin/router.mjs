// The admin console at /admin: the JSON API under /admin/api/ (api.mjs, documented in
// docs/admin-api.md), the console pages (pages.mjs) and their scripts and styles
// (public/), plus the chart.js and cytoscape builds from node_modules. Everything under
// /admin needs the password printed at start-up (Bearer, or Basic for browsers).
import { createHash, timingSafeEqual } from 'node:crypto'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { KenchiError } from '@kenchi/server'
import { adminApi } from './api.mjs'
import { pages } from './pages.mjs'

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url))
/** Browser builds of the charting and graph libraries, served as same-origin scripts (the CSP allows no other). */
const require = createRequire(import.meta.url)
const chartDist = dirname(require.resolve('chart.js'))
const cytoscapeDist = dirname(require.resolve('cytoscape'))
const VENDOR = {
  'chart.umd.min.js': join(chartDist, 'chart.umd.min.js'),
  'chart.umd.min.js.map': join(chartDist, 'chart.umd.min.js.map'),
  'cytoscape.min.js': join(cytoscapeDist, 'cytoscape.min.js'),
}

/** @param {import("../app.mjs").DemoContext} ctx */
export function adminRouter(ctx) {
  const { verifier, store, adminPassword, origins } = ctx
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

  const { api, recordLabel } = adminApi(ctx)
  router.use('/api', api)

  router.use('/assets', express.static(PUBLIC, { index: false, redirect: false, fallthrough: true }))
  router.get('/assets/vendor/:file', (req, res, next) => {
    const path = Object.hasOwn(VENDOR, req.params.file) ? VENDOR[req.params.file] : undefined
    if (!path) return next()
    res.type(req.params.file.endsWith('.map') ? 'json' : 'js').sendFile(path)
  })

  router.use(pages())

  // Without JavaScript, the event page's label buttons post this form.
  router.post('/events/:id/label', express.urlencoded({ extended: false, limit: '4kb' }), async (req, res) => {
    const comment = typeof req.body.comment === 'string' && req.body.comment.trim() ? req.body.comment.trim() : undefined
    try {
      await verifier.label(req.params.id, req.body.label, comment === undefined ? {} : { comment })
    } catch (error) {
      if (error instanceof KenchiError) return res.status(error.code === 'EVENT_UNKNOWN' ? 404 : 400).type('text').send(`label refused (${error.code})`)
      throw error
    }
    const event = await store.getEvent(req.params.id)
    if (event?.label) recordLabel(event.id, event.label)
    res.redirect(303, `/admin/events/${encodeURIComponent(req.params.id)}`)
  })
  return router
}
