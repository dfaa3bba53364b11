// The demo shop: log in, register and a simulated checkout, each protected by the script
// tag and verify() through the Express adapter, with the e-mail code step on `challenge`
// (mails land in the in-memory /mailbox page) and an admin JSON API under /admin/api/.
// Kenchi's data lives in an SQLite file under demo/.data/, next to the demo's secrets and
// accounts, so device ids and user hashes stay stable across restarts.
import { randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import express from 'express'
import { createStepUp, createVerifier, defaultCompose, KenchiError, sqliteStore } from '@kenchi/server'
import { expressKenchi } from '@kenchi/server/express'

const scrypt = promisify(scryptCb)
const DEFAULT_DATA_DIR = fileURLToPath(new URL('./.data/', import.meta.url))
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** Accounts created on first start; printed on the pages and at start-up. */
export const SEEDED_ACCOUNTS = [
  { email: 'hanako@example.com', password: 'sakura-2026', name: 'Hanako' },
  { email: 'taro@example.com', password: 'fuji-san-3776', name: 'Taro' },
]

/**
 * Starts the demo shop on 127.0.0.1. Resolves `{ url, verdicts, mailbox, adminPassword,
 * verifier, close }`; `verdicts` holds the latest verdicts, newest last, for tests and
 * curious readers; `mailbox` the mails "sent", newest first.
 * @param {{ port?: number, host?: string, dataDir?: string }} [options]
 */
export async function startDemo({ port = 0, host = '127.0.0.1', dataDir = DEFAULT_DATA_DIR } = {}) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const secrets = loadSecrets(join(dataDir, 'secrets.json'))
  const accounts = await loadAccounts(join(dataDir, 'accounts.json'))

  const server = createServer()
  const listening = await listen(server, port, host)
  const origins = [`http://${host}:${listening}`, `http://localhost:${listening}`]
  const store = await sqliteStore({ path: join(dataDir, 'kenchi.db') })
  const verifier = await createVerifier({
    keys: [{ id: 'demo', secret: Buffer.from(secrets.key, 'base64') }],
    hashSecret: Buffer.from(secrets.hashSecret, 'base64'),
    origins,
    store,
  })
  /** @type {Array<{ id: string, at: number, to: string, subject: string, text: string }>} */
  const mailbox = []
  const stepUp = createStepUp({
    verifier,
    secret: Buffer.from(secrets.stepUpSecret, 'base64'),
    // The demo's sender: the mail goes to the /mailbox page, never to the internet.
    sender: {
      channel: 'email',
      async send(message) {
        const { subject, text } = defaultCompose(message)
        mailbox.unshift({ id: randomUUID(), at: Date.now(), to: message.to, subject, text })
        if (mailbox.length > 50) mailbox.pop()
      },
    },
  })
  const kenchi = expressKenchi(verifier)
  const scriptTag = kenchi.scriptTag()
  const style = await readFile(new URL('./public/style.css', import.meta.url))
  /** @type {import('@kenchi/server').Verdict[]} */
  const verdicts = []
  const remember = (verdict) => {
    verdicts.push(verdict)
    if (verdicts.length > 100) verdicts.shift()
  }

  // Sessions: sid cookie -> { email?, pending?: { eventId, email } }. In memory: a restart logs everyone out.
  const sessions = new Map()
  const sessionOf = (req, res) => {
    let id = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1]
    if (!id || !sessions.has(id)) {
      id = randomUUID()
      // Bounded: every cookie-less request (a bot's too) makes one; the oldest go first.
      if (sessions.size >= 10_000) sessions.delete(sessions.keys().next().value)
      sessions.set(id, {})
      res.append('set-cookie', `sid=${id}; HttpOnly; SameSite=Lax; Path=/`)
    }
    return sessions.get(id)
  }

  const app = express()
  app.disable('x-powered-by')
  app.use((req, res, next) => {
    res.set({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' })
    next()
  })
  app.use(kenchi.middleware)
  const form = express.urlencoded({ extended: false, limit: '16kb' })
  const page = (res, status, title, body, session) =>
    res.status(status).type('html').send(layout(title, body, scriptTag, session))

  app.get('/style.css', (req, res) => res.type('css').send(style))
  app.get('/favicon.ico', (req, res) => res.status(204).end())

  app.get('/', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Shop', homePage(s), s)
  })
  app.get('/login', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Log in', loginForm(), s)
  })

  app.post(
    '/login',
    form,
    // Only existing accounts are passed as the user id, so the account history (new
    // device, known device) is about real customers.
    kenchi.guard('login', (req) => {
      const email = normalEmail(req.body?.email)
      return accounts.has(email) ? { userId: email, email } : {}
    }),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const email = normalEmail(req.body.email)
      const account = accounts.get(email)
      const passwordOk = account ? await checkPassword(account, String(req.body.password ?? '')) : await checkPassword(DUMMY, '')
      if (verdict.decision === 'deny') {
        return page(res, 403, 'Log in', `${notice('We could not log you in right now. Please try again later.')}${verdictPanel(verdict)}${loginForm()}`, s)
      }
      if (!passwordOk) {
        await verifier.reportOutcome(verdict.eventId, 'login_failed').catch(() => {})
        return page(res, 401, 'Log in', `${notice('Wrong e-mail address or password.')}${verdictPanel(verdict)}${loginForm()}`, s)
      }
      if (verdict.decision === 'allow') {
        await verifier.reportOutcome(verdict.eventId, 'login_succeeded').catch(() => {})
        s.email = email
        delete s.pending
        return page(res, 200, 'Welcome', `${notice(`Welcome back, ${escape(account.name)}. You are logged in.`, 'ok')}${verdictPanel(verdict)}<p><a href="/checkout">Go to checkout</a></p>`, s)
      }
      // challenge: the code goes to the address on file, never to one from the request.
      const started = await stepUp.start({ eventId: verdict.eventId, userId: email, to: account.email, ip: req.ip })
      if (!started.ok) {
        return page(res, 429, 'Log in', `${notice('We could not send a code right now. Please try again later.')}${verdictPanel(verdict)}`, s)
      }
      s.pending = { eventId: verdict.eventId, email }
      page(res, 200, 'Confirm it is you', `${notice('To keep your account safe, we sent a 6-digit code to your e-mail address (see the <a href="/mailbox">mailbox</a>).', 'info')}${verdictPanel(verdict)}${codeForm()}`, s)
    },
  )

  app.post('/login/code', form, async (req, res) => {
    const s = sessionOf(req, res)
    if (!s.pending) return res.redirect(303, '/login')
    const { eventId, email } = s.pending
    const result = await stepUp.check({ eventId, userId: email, code: String(req.body.code ?? ''), ip: req.ip })
    if (result.ok) {
      delete s.pending
      s.email = email
      return page(res, 200, 'Welcome', `${notice(`Thank you, ${escape(accounts.get(email)?.name ?? email)}. You are logged in; this browser is now remembered.`, 'ok')}<p><a href="/checkout">Go to checkout</a></p>`, s)
    }
    const finished = ['STEP_UP_TOO_MANY_ATTEMPTS', 'STEP_UP_USED', 'STEP_UP_EXPIRED', 'STEP_UP_UNKNOWN'].includes(result.code)
    if (finished) {
      delete s.pending
      return page(res, 400, 'Log in', `${notice('That code can no longer be used. Please log in again.')}${loginForm()}`, s)
    }
    const left = result.attemptsLeft !== undefined ? ` ${result.attemptsLeft} attempts left.` : ''
    page(res, 400, 'Confirm it is you', `${notice(`That code is not right.${left}`)}${codeForm()}`, s)
  })

  app.get('/register', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Register', registerForm(), s)
  })

  app.post(
    '/register',
    form,
    kenchi.guard('register', (req) => ({ email: normalEmail(req.body?.email) })),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const email = normalEmail(req.body.email)
      const name = String(req.body.name ?? '').trim().slice(0, 60)
      const password = String(req.body.password ?? '')
      if (verdict.decision !== 'allow') {
        // A demo has no manual review queue: challenge and deny both get the calm answer.
        return page(res, 403, 'Register', `${notice('We could not create an account right now. Please try again later.')}${verdictPanel(verdict)}${registerForm()}`, s)
      }
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254 || !name || password.length < 8 || password.length > 200) {
        return page(res, 400, 'Register', `${notice('Please enter a name, a valid e-mail address and a password of at least 8 characters.')}${registerForm()}`, s)
      }
      if (accounts.has(email)) {
        return page(res, 400, 'Register', `${notice('Please choose another e-mail address or log in.')}${registerForm()}`, s)
      }
      accounts.set(email, { email, name, ...(await hashPassword(password)) })
      saveAccounts(join(dataDir, 'accounts.json'), accounts)
      page(res, 201, 'Registered', `${notice(`Welcome, ${escape(name)}. Your account is ready: please log in.`, 'ok')}${verdictPanel(verdict)}${loginForm()}`, s)
    },
  )

  app.get('/checkout', (req, res) => {
    const s = sessionOf(req, res)
    if (!s.email) return page(res, 401, 'Checkout', `${notice('Please log in first.')}${loginForm()}`, s)
    page(res, 200, 'Checkout', checkoutForm(), s)
  })

  app.post(
    '/checkout',
    form,
    kenchi.guard('checkout', (req) => {
      const email = sessions.get(/(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '')?.email
      return email ? { userId: email, email } : {}
    }),
    async (req, res) => {
      // The card fields are never read, logged or stored: this checkout is simulated.
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      if (!s.email) return page(res, 401, 'Checkout', `${notice('Please log in first.')}${loginForm()}`, s)
      if (verdict.decision !== 'allow') {
        await verifier.reportOutcome(verdict.eventId, 'order_declined').catch(() => {})
        return page(res, 403, 'Checkout', `${notice('We could not accept this order right now. Please try again later or contact us.')}${verdictPanel(verdict)}`, s)
      }
      await verifier.reportOutcome(verdict.eventId, 'order_accepted').catch(() => {})
      page(res, 200, 'Thank you', `${notice('Thank you: your (simulated) order is accepted. No card was charged.', 'ok')}${verdictPanel(verdict)}`, s)
    },
  )

  app.post('/logout', (req, res) => {
    const s = sessionOf(req, res)
    delete s.email
    delete s.pending
    res.redirect(303, '/')
  })

  app.get('/mailbox', (req, res) => {
    const s = sessionOf(req, res)
    const mails = mailbox
      .map((m) => `<article class="mail"><p><strong>${escape(m.subject)}</strong><br>To ${escape(m.to)}, ${new Date(m.at).toISOString()}</p><pre>${escape(m.text)}</pre></article>`)
      .join('')
    page(res, 200, 'Mailbox', `<h1>Mailbox</h1><p>Every mail the demo "sends" lands here, in memory; nothing leaves this machine.</p>${mails || '<p>No mail yet.</p>'}`, s)
  })

  const adminPassword = secrets.adminPassword
  app.use('/admin', adminRouter({ verifier, store, adminPassword, origins }))

  app.use((req, res) => res.status(404).type('text').send('not found'))
  app.use((error, req, res, next) => {
    if (res.headersSent) return next(error)
    const status = error?.type === 'entity.too.large' ? 413 : error?.status && error.status < 500 ? error.status : 500
    res.status(status).type('text').send(status === 413 ? 'request too large' : status === 500 ? 'internal error' : 'bad request')
  })

  server.on('request', app)

  return {
    url: `http://${host}:${listening}/`,
    verdicts,
    mailbox,
    adminPassword,
    verifier,
    close: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve(undefined))
        server.closeAllConnections?.()
      })
      await verifier.close?.()
      await store.close()
    },
  }
}

// --- admin ----------------------------------------------------------------------------

function adminRouter({ verifier, store, adminPassword, origins }) {
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

const csvCell = (value) => {
  let text = value === undefined || value === null ? '' : String(value)
  // A cell a spreadsheet would run as a formula is quoted as text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** @param {import('@kenchi/server').EventRecord[]} events */
export function eventsCsv(events) {
  const header = ['id', 'at', 'action', 'decision', 'wouldBe', 'score', 'reasons', 'deviceId', 'ip', 'userHash', 'emailHash', 'outcomes', 'label', 'labelComment']
  const lines = events.map((e) =>
    [
      e.id,
      new Date(e.at).toISOString(),
      e.action,
      e.decision,
      e.wouldBe,
      e.score,
      e.reasons.map((r) => `${r.code}:${r.weight}`).join(' '),
      e.deviceId,
      e.ip,
      e.userHash,
      e.emailHash,
      (e.outcomes ?? []).map((o) => o.outcome).join(' '),
      e.label?.label,
      e.label?.comment,
    ]
      .map(csvCell)
      .join(','),
  )
  return [header.join(','), ...lines].join('\r\n') + '\r\n'
}

// --- accounts and secrets -------------------------------------------------------------

const DUMMY = { salt: 'AAAAAAAAAAAAAAAAAAAAAA', hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }
const normalEmail = (value) => String(value ?? '').trim().toLowerCase().slice(0, 254)

async function hashPassword(password) {
  const salt = randomBytes(16)
  const hash = await scrypt(password, salt, 32)
  return { salt: salt.toString('base64url'), hash: hash.toString('base64url') }
}

async function checkPassword(account, password) {
  const hash = await scrypt(password, Buffer.from(account.salt, 'base64url'), 32)
  const wanted = Buffer.from(account.hash, 'base64url')
  return wanted.length === hash.length && timingSafeEqual(hash, wanted) && account !== DUMMY
}

async function loadAccounts(path) {
  /** @type {Map<string, { email: string, name: string, salt: string, hash: string }>} */
  const accounts = new Map()
  try {
    for (const a of JSON.parse(readFileSync(path, 'utf8'))) accounts.set(a.email, a)
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  let added = false
  for (const seed of SEEDED_ACCOUNTS) {
    if (accounts.has(seed.email)) continue
    accounts.set(seed.email, { email: seed.email, name: seed.name, ...(await hashPassword(seed.password)) })
    added = true
  }
  if (added) saveAccounts(path, accounts)
  return accounts
}

function saveAccounts(path, accounts) {
  writeFileSync(`${path}.tmp`, JSON.stringify([...accounts.values()], null, 1), { mode: 0o600 })
  renameSync(`${path}.tmp`, path)
}

function loadSecrets(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  const secrets = {
    key: randomBytes(32).toString('base64'),
    hashSecret: randomBytes(32).toString('base64'),
    stepUpSecret: randomBytes(32).toString('base64'),
    adminPassword: randomBytes(12).toString('base64url'),
  }
  writeFileSync(path, JSON.stringify(secrets, null, 1), { mode: 0o600, flag: 'wx' })
  return secrets
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address().port)
    })
  })
}

// --- pages ----------------------------------------------------------------------------

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

function layout(title, body, scriptTag, session, mainClass = '') {
  const who = session?.email
    ? `<span>Logged in as ${escape(session.email)}</span><form method="post" action="/logout" class="inline"><button>Log out</button></form>`
    : '<a href="/login">Log in</a> <a href="/register">Register</a>'
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Kenchi demo shop</title>
<link rel="stylesheet" href="/style.css">
${scriptTag}
</head>
<body>
<nav><a href="/">Kenchi demo shop</a> <a href="/checkout">Checkout</a> <a href="/mailbox">Mailbox</a> <a href="/admin">Admin</a> ${session === undefined ? '' : who}</nav>
<main${mainClass ? ` class="${mainClass}"` : ''}>
${body}
</main>
</body>
</html>`
}

/** `html` is trusted markup: callers escape what came from a request. */
const notice = (html, kind = 'error') => `<p class="notice ${kind}" role="status">${html}</p>`

const seededList = () =>
  `<p class="seeded">Demo accounts: ${SEEDED_ACCOUNTS.map((a) => `<code>${escape(a.email)}</code> / <code>${escape(a.password)}</code>`).join(', ')}.</p>`

function homePage(session) {
  return `<h1>Kenchi demo shop</h1>
<p>A small shop protected by Kenchi. Every form below carries a Kenchi token; the server's
<code>verify()</code> decides <span class="allow">allow</span>, <span class="challenge">challenge</span>
(an e-mail code, delivered to the <a href="/mailbox">mailbox</a>) or <span class="deny">deny</span>, and
each page shows the verdict.</p>
<ul><li><a href="/login">Log in</a> (a new browser for a known account is asked for a code)</li>
<li><a href="/register">Register</a> a new account</li>
<li><a href="/checkout">Checkout</a> with a simulated card</li>
<li><a href="/admin">Admin</a>: recent events (the password is printed where the demo was started)</li></ul>
${session.email ? '' : loginForm()}`
}

function loginForm() {
  return `<h1>Log in</h1>
<form method="post" action="/login" data-kenchi-action="login">
  <label>E-mail <input type="email" name="email" autocomplete="username" required></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>
${seededList()}
<p>No account? <a href="/register">Register</a>.</p>`
}

function codeForm() {
  return `<form method="post" action="/login/code">
  <label>Code from the e-mail we sent you <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" required></label>
  <button type="submit">Confirm</button>
</form>`
}

function registerForm() {
  return `<h1>Register</h1>
<form method="post" action="/register" data-kenchi-action="register">
  <label>Name <input name="name" autocomplete="name" required maxlength="60"></label>
  <label>E-mail <input type="email" name="email" autocomplete="email" required></label>
  <label>Password <input type="password" name="password" autocomplete="new-password" minlength="8" required></label>
  <button type="submit">Create account</button>
</form>`
}

function checkoutForm() {
  return `<h1>Checkout</h1>
<p>One Kenchi mug, ¥1,800. The card is simulated: type any test number such as
<code>4242 4242 4242 4242</code>, never a real card. The fields are not stored.</p>
<form method="post" action="/checkout" data-kenchi-action="checkout">
  <label>Name on card <input name="card-name" autocomplete="off" required></label>
  <label>Card number <input name="card-number" inputmode="numeric" autocomplete="off" required></label>
  <label>Expiry (MM/YY) <input name="card-expiry" autocomplete="off" required></label>
  <label>CVC <input name="card-cvc" inputmode="numeric" autocomplete="off" required></label>
  <button type="submit">Place order</button>
</form>`
}

function verdictPanel(verdict) {
  const reasons = verdict.reasons
    .map((r) => `<li><code>${escape(r.code)}</code> (weight ${r.weight})${r.detail ? ` <small>${escape(JSON.stringify(r.detail))}</small>` : ''}</li>`)
    .join('')
  const device = verdict.device
    ? `<p>Device <code>${escape(verdict.device.id)}</code>, ${verdict.device.known ? 'seen before' : 'new'}, status ${escape(verdict.device.status)}.</p>`
    : '<p>No verified device.</p>'
  return `<details class="verdict" open><summary>What Kenchi decided (shown for the demo; a shop keeps this to itself)</summary>
<p>Verdict: <strong id="decision" class="${escape(verdict.decision)}">${escape(verdict.decision)}</strong>,
score <strong id="score">${verdict.score}</strong> / 100, event <code id="event">${escape(verdict.eventId)}</code>.</p>
${device}
<ul id="reasons">${reasons || '<li>no reasons</li>'}</ul>
</details>`
}
