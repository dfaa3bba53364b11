// createConsole(): the Kenchi console as one plain Node request handler, mountable under any
// base path in node:http, Express, Fastify or Hono (mount.js). Inside: sign-in with console
// users and roles, sessions in a cookie, CSRF checks on every change, the JSON API per site
// (api.js, documented in docs/admin-api.md), the pages (pages.js) and their scripts
// (../public/), the users API and the audit log (stores.js).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { KenchiError } from '@kenchi/server'
import { consoleApi } from './api.js'
import {
  createLoginLimiter,
  createSessions,
  dummyHash,
  hashPassword,
  isPasswordHash,
  parseCookies,
  ROLES,
  roleAtLeast,
  sameToken,
  verifyPassword,
} from './auth.js'
import { loginPage, pages } from './pages.js'
import { memoryConsoleStore } from './stores.js'

const PUBLIC = fileURLToPath(new URL('../public/', import.meta.url))
/** Browser builds of the charting and graph libraries, served as same-origin scripts (the CSP allows no other). */
const require = createRequire(import.meta.url)
const vendorFiles = () => {
  const chartDist = dirname(require.resolve('chart.js'))
  const cytoscapeDist = dirname(require.resolve('cytoscape'))
  return {
    'chart.umd.min.js': join(chartDist, 'chart.umd.min.js'),
    'chart.umd.min.js.map': join(chartDist, 'chart.umd.min.js.map'),
    'cytoscape.min.js': join(cytoscapeDist, 'cytoscape.min.js'),
  }
}
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
const NAME = /^[\w.@+-]{1,64}$/
const SITE_NAME = /^[\w.-]{1,64}$/

/** @param {string | undefined} base */
function normalBase(base) {
  if (base === undefined || base === '' || base === '/') return ''
  if (typeof base !== 'string' || !/^\/[\w./~-]*$/.test(base)) throw new TypeError('basePath: a path like /admin')
  return base.replace(/\/+$/, '')
}

/**
 * Creates the console. See docs/console.md and index.d.ts for every option.
 * @param {import('./index.js').ConsoleOptions} options
 * @returns {import('./index.js').ConsoleHandler}
 */
export function createConsole(options) {
  const o = options ?? {}
  const sites =
    o.sites ??
    (o.verifier
      ? [
          {
            name: o.siteName ?? 'default',
            verifier: o.verifier,
            store: o.store,
            rules: o.rules,
            userName: o.userName,
            hashUser: o.hashUser,
          },
        ]
      : [])
  if (!Array.isArray(sites) || sites.length === 0) throw new TypeError('createConsole: give `verifier` (and `store`), or `sites`')
  const byName = new Map()
  for (const site of sites) {
    if (!site || !site.verifier || typeof site.name !== 'string' || !SITE_NAME.test(site.name))
      throw new TypeError('createConsole: each site needs a name ([A-Za-z0-9_.-], up to 64) and a verifier')
    if (byName.has(site.name)) throw new TypeError(`createConsole: site ${site.name} given twice`)
    byName.set(site.name, { ...site, store: site.store ?? site.verifier.store })
    if (!byName.get(site.name).store) throw new TypeError(`createConsole: site ${site.name} has no store`)
  }
  const base = normalBase(o.basePath)
  const title = o.title ?? 'Kenchi console'
  const links = o.links ?? []
  const consoleStore = o.consoleStore ?? memoryConsoleStore()
  const sessions = createSessions({
    idleMs: (o.session?.idleMinutes ?? 30) * 60_000,
    absoluteMs: (o.session?.absoluteHours ?? 12) * 3_600_000,
    max: o.session?.max ?? 1000,
    now: o.now,
  })
  const limiter = createLoginLimiter({
    max: o.loginLimit?.max ?? 5,
    maxPerAddress: o.loginLimit?.maxPerAddress ?? 20,
    windowMs: (o.loginLimit?.windowMinutes ?? 15) * 60_000,
    now: o.now,
  })
  const now = o.now ?? Date.now
  const cookieName = o.cookieName ?? 'kenchi_console'
  const apiTokens = (o.apiTokens ?? []).map((t) => {
    if (!t || typeof t.token !== 'string' || t.token.length < 16 || !NAME.test(t.name ?? '') || !ROLES.includes(t.role)) {
      throw new TypeError('apiTokens: each { name, role, token } with a token of at least 16 characters')
    }
    return t
  })

  // ---- bootstrap users: options.users, then KENCHI_CONSOLE_ADMIN / KENCHI_CONSOLE_ADMIN_PASSWORD_HASH ----
  const env = o.env ?? process.env
  const seed = [...(o.users ?? [])]
  if (env.KENCHI_CONSOLE_ADMIN)
    seed.push({ name: env.KENCHI_CONSOLE_ADMIN, role: 'admin', passwordHash: env.KENCHI_CONSOLE_ADMIN_PASSWORD_HASH })
  for (const u of seed) {
    if (!u || !NAME.test(u.name ?? '') || !ROLES.includes(u.role) || !isPasswordHash(u.passwordHash)) {
      throw new TypeError(
        `createConsole: user ${JSON.stringify(u?.name)}: needs a name, a role (viewer, analyst, admin) and a passwordHash from hashPassword()`,
      )
    }
  }
  const ready = (async () => {
    for (const u of seed)
      if (!(await consoleStore.getUser(u.name)))
        await consoleStore.putUser({ name: u.name, role: u.role, passwordHash: u.passwordHash, created: now(), updated: now() })
  })()
  ready.catch(() => {})

  const secureRequest = (req) =>
    o.secureCookies !== undefined
      ? o.secureCookies
      : req.socket?.encrypted === true || (o.trustProxy === true && /^https\b/i.test(String(req.headers['x-forwarded-proto'] ?? '')))
  const cookie = (req, value, maxAge) =>
    `${cookieName}=${value}; Path=${base || '/'}; HttpOnly; SameSite=Strict${secureRequest(req) ? '; Secure' : ''}${maxAge !== undefined ? `; Max-Age=${maxAge}` : ''}`
  const clientIp = (req) =>
    (o.trustProxy === true
      ? String(req.headers['x-forwarded-for'] ?? '')
          .split(',')[0]
          .trim()
      : '') ||
    req.socket?.remoteAddress ||
    'unknown'

  /** Origins allowed to make changes: this request's own origin and `allowedOrigins`. */
  const originAllowed = (req) => {
    const origin = req.headers.origin
    if (origin === undefined)
      return req.headers['sec-fetch-site'] === undefined || ['same-origin', 'none'].includes(req.headers['sec-fetch-site'])
    if ((o.allowedOrigins ?? []).includes(origin)) return true
    const host = req.headers.host
    return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)
  }

  const app = express()
  app.disable('x-powered-by')
  app.set('query parser', 'simple')
  const router = express.Router()
  // Express strips its mount path from req.url; node:http, Fastify and Hono pass the full path.
  const under = (url) => url === base || url.startsWith(`${base}/`) || url.startsWith(`${base}?`)
  app.use((req, res, next) => {
    if (base && under(req.url)) {
      req.url = req.url.slice(base.length) || '/'
      if (req.url.startsWith('?')) req.url = `/${req.url}`
    }
    next()
  })
  app.use(async (req, res, next) => {
    res.set({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
      'content-security-policy': CSP,
    })
    try {
      await ready
    } catch (error) {
      return next(error)
    }
    next()
  })
  app.use(router)

  router.use('/assets', express.static(PUBLIC, { index: false, redirect: false, fallthrough: true }))
  let vendor
  router.get('/assets/vendor/:file', (req, res, next) => {
    vendor ??= vendorFiles()
    const path = Object.hasOwn(vendor, req.params.file) ? vendor[req.params.file] : undefined
    if (!path) return next()
    res.type(req.params.file.endsWith('.map') ? 'json' : 'js').sendFile(path)
  })

  // ---- sign-in ----
  const form = express.urlencoded({ extended: false, limit: '4kb' })
  const json = express.json({ limit: '64kb' })
  router.get('/login', (req, res) => res.type('html').send(loginPage({ base, title })))
  router.post('/login', form, json, async (req, res) => {
    const wantsJson = !req.is('application/x-www-form-urlencoded')
    const fail = (status, error, message) =>
      wantsJson
        ? res.status(status).json({ error, message })
        : res
            .status(status)
            .type('html')
            .send(loginPage({ base, title, error: message, user: typeof req.body?.user === 'string' ? req.body.user : '' }))
    if (!originAllowed(req)) return fail(403, 'ORIGIN_REFUSED', 'Sign-in from another site refused.')
    const { user, password } = req.body !== null && typeof req.body === 'object' ? req.body : {}
    if (typeof user !== 'string' || typeof password !== 'string' || !NAME.test(user) || password.length > 1024)
      return fail(400, 'INPUT_INVALID', 'Give a user name and a password.')
    const keys = [`ip:${clientIp(req)}`, `user:${user}`]
    const wait = limiter.blocked(keys)
    if (wait > 0) {
      res.set('retry-after', String(wait))
      return fail(429, 'LOGIN_RATE_LIMITED', `Too many failed sign-ins: try again in ${Math.ceil(wait / 60)} minutes.`)
    }
    const found = await consoleStore.getUser(user)
    const ok = await verifyPassword(password, found?.passwordHash ?? (await dummyHash()))
    if (!found || !ok) {
      limiter.fail(keys)
      return fail(401, 'LOGIN_FAILED', 'Wrong user name or password.')
    }
    limiter.succeed(keys)
    const session = sessions.create(found.name)
    res.set('set-cookie', cookie(req, session.id))
    if (wantsJson) return res.json({ user: found.name, role: found.role, csrf: session.csrf, sites: [...byName.keys()] })
    res.redirect(303, `${base}/`)
  })

  // ---- who is asking: a session cookie, or a Bearer API token ----
  router.use(async (req, res, next) => {
    const auth = req.headers.authorization
    if (typeof auth === 'string' && /^Bearer /i.test(auth)) {
      const given = auth.slice(7).trim()
      // Wrong tokens count as failed sign-ins of the client address.
      const keys = [`ip:${clientIp(req)}`]
      const wait = limiter.blocked(keys)
      if (wait > 0) return res.set('retry-after', String(wait)).status(429).json({ error: 'LOGIN_RATE_LIMITED' })
      const token = apiTokens.find((t) => sameToken(given, t.token))
      if (!token) {
        limiter.fail(keys)
        return res.status(401).json({ error: 'UNAUTHORIZED' })
      }
      req.consoleUser = { name: token.name, role: token.role, via: 'token' }
      return next()
    }
    const id = parseCookies(req.headers.cookie)[cookieName]
    const session = id === undefined ? undefined : sessions.get(id)
    const user = session && (await consoleStore.getUser(session.user))
    if (!session || !user) {
      if (id !== undefined) res.append('set-cookie', cookie(req, '', 0))
      if (req.method === 'GET' && !req.path.startsWith('/api/') && req.path !== '/api') return res.redirect(303, `${base}/login`)
      return res.status(401).json({ error: 'UNAUTHORIZED' })
    }
    req.consoleUser = { name: user.name, role: user.role, via: 'session' }
    req.consoleSession = { id, ...session }
    next()
  })

  // ---- CSRF: every change made with a session cookie needs the session's token and a same-origin request ----
  router.use(form, (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.consoleUser.via === 'token') return next()
    if (!originAllowed(req)) return res.status(403).json({ error: 'ORIGIN_REFUSED' })
    const given = req.headers['x-csrf-token'] ?? (req.body !== null && typeof req.body === 'object' ? req.body._csrf : undefined)
    if (!sameToken(given, req.consoleSession.csrf)) return res.status(403).json({ error: 'CSRF_INVALID' })
    next()
  })

  router.post('/logout', (req, res) => {
    sessions.destroy(req.consoleSession?.id)
    res.set('set-cookie', cookie(req, '', 0))
    if (req.is('application/x-www-form-urlencoded')) return res.redirect(303, `${base}/login`)
    res.json({ ok: true })
  })

  const need = (role) => (req, res, next) =>
    roleAtLeast(req.consoleUser.role, role) ? next() : res.status(403).json({ error: 'FORBIDDEN', message: `needs the ${role} role` })

  // ---- the site of a request: ?site=<name>, else the first ----
  const siteOf = (req) => {
    const name = typeof req.query.site === 'string' && req.query.site !== '' ? req.query.site : sites[0].name
    return byName.get(name)
  }

  const audit = async (req, action, target, before, after) => {
    await consoleStore.appendAudit({
      at: now(),
      actor: req.consoleUser.name,
      action,
      site: siteOf(req)?.name ?? null,
      target,
      before,
      after,
    })
  }
  const labelHistory = (siteName) => async (eventId) =>
    (await consoleStore.listAudit({ limit: 100, action: 'label', target: eventId, site: siteName }))
      .filter((e) => e.after)
      .reverse()
      .map((e) => ({ ...e.after, by: e.actor }))
  const apis = new Map(
    [...byName.values()].map((site) => [site.name, consoleApi(site, { audit, need, labelHistory: labelHistory(site.name) })]),
  )

  // ---- console-wide API: who am I, sites, users, audit ----
  router.get('/api/me', (req, res) =>
    res.json({ user: req.consoleUser.name, role: req.consoleUser.role, csrf: req.consoleSession?.csrf ?? null, sites: [...byName.keys()] }),
  )
  router.get('/api/sites', (req, res) => res.json({ sites: [...byName.keys()].map((name) => ({ name })) }))
  const publicUser = (u) => ({ name: u.name, role: u.role, created: u.created, updated: u.updated })
  router.get('/api/users', need('admin'), async (req, res) => res.json({ users: (await consoleStore.listUsers()).map(publicUser) }))
  const userBody = async (req, res, { creating }) => {
    const body = req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : undefined
    if (!body) return void res.status(400).json({ error: 'INPUT_INVALID', message: 'send a JSON object' })
    const { role, password } = body
    if ((creating || role !== undefined) && !ROLES.includes(role))
      return void res.status(400).json({ error: 'INPUT_INVALID', message: 'role: viewer, analyst or admin' })
    if ((creating || password !== undefined) && (typeof password !== 'string' || password.length < 12 || password.length > 1024)) {
      return void res.status(400).json({ error: 'INPUT_INVALID', message: 'password: 12 to 1024 characters' })
    }
    return { role, passwordHash: password === undefined ? undefined : await hashPassword(password) }
  }
  router.post('/api/users', need('admin'), json, async (req, res) => {
    const name = req.body?.name
    if (typeof name !== 'string' || !NAME.test(name))
      return res.status(400).json({ error: 'INPUT_INVALID', message: 'name: 1 to 64 of A-Z a-z 0-9 _ . @ + -' })
    if (await consoleStore.getUser(name)) return res.status(409).json({ error: 'USER_EXISTS' })
    const given = await userBody(req, res, { creating: true })
    if (!given) return
    const user = { name, role: given.role, passwordHash: given.passwordHash, created: now(), updated: now() }
    await consoleStore.putUser(user)
    await audit(req, 'user.create', name, null, { role: user.role })
    res.status(201).json(publicUser(user))
  })
  router.put('/api/users/:name', need('admin'), json, async (req, res) => {
    const before = NAME.test(req.params.name) ? await consoleStore.getUser(req.params.name) : undefined
    if (!before) return res.status(404).json({ error: 'USER_UNKNOWN' })
    const given = await userBody(req, res, { creating: false })
    if (!given) return
    if (before.role === 'admin' && given.role !== undefined && given.role !== 'admin' && (await admins()) <= 1)
      return res.status(409).json({ error: 'LAST_ADMIN' })
    const user = { ...before, role: given.role ?? before.role, passwordHash: given.passwordHash ?? before.passwordHash, updated: now() }
    await consoleStore.putUser(user)
    // A new password or role ends the user's sessions (the caller's own included).
    sessions.endUser(user.name)
    await audit(
      req,
      'user.update',
      user.name,
      { role: before.role },
      { role: user.role, ...(given.passwordHash ? { passwordChanged: true } : {}) },
    )
    res.json(publicUser(user))
  })
  const admins = async () => (await consoleStore.listUsers()).filter((u) => u.role === 'admin').length
  router.delete('/api/users/:name', need('admin'), async (req, res) => {
    const before = NAME.test(req.params.name) ? await consoleStore.getUser(req.params.name) : undefined
    if (!before) return res.status(404).json({ error: 'USER_UNKNOWN' })
    if (before.role === 'admin' && (await admins()) <= 1) return res.status(409).json({ error: 'LAST_ADMIN' })
    await consoleStore.deleteUser(before.name)
    sessions.endUser(before.name)
    await audit(req, 'user.delete', before.name, { role: before.role }, null)
    res.json({ ok: true })
  })
  router.get('/api/audit', need('admin'), async (req, res) => {
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit)
    const before = req.query.before === undefined ? undefined : Number(req.query.before)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000 || (before !== undefined && (!Number.isInteger(before) || before < 1))) {
      return res.status(400).json({ error: 'INPUT_INVALID', message: 'limit: 1 to 1000; before: an entry id' })
    }
    const entries = await consoleStore.listAudit({ limit, before })
    res.json({ entries, next: entries.length === limit ? entries[entries.length - 1].id : null })
  })

  // ---- the site's API ----
  router.use('/api', (req, res, next) => {
    const site = siteOf(req)
    if (!site) return res.status(404).json({ error: 'SITE_UNKNOWN' })
    apis.get(site.name)(req, res, next)
  })
  router.use('/api', (req, res) => res.status(404).json({ error: 'NOT_FOUND' }))

  // ---- pages ----
  const view = (req) => ({
    base,
    title,
    links,
    csrf: req.consoleSession?.csrf ?? '',
    user: req.consoleUser.name,
    role: req.consoleUser.role,
    site: sites.length > 1 ? (siteOf(req)?.name ?? sites[0].name) : '',
    sites: [...byName.keys()],
  })
  router.use(pages(view, need))

  // Without JavaScript, the event page's label buttons post this form.
  router.post('/events/:id/label', need('analyst'), async (req, res, next) => {
    const site = siteOf(req)
    if (!site) return res.status(404).type('text').send('unknown site')
    const comment = typeof req.body?.comment === 'string' && req.body.comment.trim() ? req.body.comment.trim() : undefined
    const before = /^[\w-]{1,128}$/.test(req.params.id) ? await site.store.getEvent(req.params.id) : undefined
    try {
      await site.verifier.label(req.params.id, req.body?.label, comment === undefined ? {} : { comment })
    } catch (error) {
      if (error instanceof KenchiError) {
        return res
          .status(error.code === 'EVENT_UNKNOWN' ? 404 : 400)
          .type('text')
          .send(`label refused (${error.code})`)
      }
      return next(error)
    }
    const event = await site.store.getEvent(req.params.id)
    await audit(req, 'label', req.params.id, before?.label ?? null, event?.label ?? null)
    res.redirect(303, `${base}/events/${encodeURIComponent(req.params.id)}`)
  })

  router.use((req, res) => res.status(404).json({ error: 'NOT_FOUND' }))
  app.use((error, req, res, next) => {
    if (res.headersSent) return next(error)
    const status = error?.status && error.status >= 400 && error.status < 500 ? error.status : 500
    if (status === 500) o.onError?.(error)
    res.status(status).json({ error: status === 500 ? 'INTERNAL_ERROR' : status === 413 ? 'INPUT_TOO_LARGE' : 'INPUT_INVALID' })
  })

  /** @type {any} */
  const handler = (req, res, next) => {
    if (next && base && !under(req.originalUrl ?? req.url)) return next()
    // Express gives the request and response its own prototypes: restore the caller's when passing on.
    const [reqProto, resProto, url] = [Object.getPrototypeOf(req), Object.getPrototypeOf(res), req.url]
    app(req, res, (error) => {
      Object.setPrototypeOf(req, reqProto)
      Object.setPrototypeOf(res, resProto)
      req.url = url
      if (next) return next(error)
      res.statusCode = error ? 500 : 404
      res.end()
    })
  }
  handler.basePath = base
  handler.ready = ready
  handler.consoleStore = consoleStore
  handler.sessions = sessions
  return handler
}
