// The demo shop: a small Express shop whose forms are protected by the Kenchi script tag and
// verify() through the Express adapter, with the e-mail code step on `challenge` (mails land
// in the in-memory /mailbox page) and an admin console under /admin.
// Kenchi's data lives in an SQLite file under demo/.data/, next to the demo's secrets and
// accounts, so device ids and user hashes stay stable across restarts.
//
//   demo/app.mjs        wiring: secrets, store, verifier, step-up, sessions, routers
//   demo/shop/          the shop's touchpoints: routes and page bodies (docs/demo.md)
//   demo/spa/           the quick shop's browser code (npm import), bundled to demo/dist/ by the build
//   @kenchi/console     the admin console at /admin (packages/console)
//   demo/lib/           accounts, secrets, HTML helpers
import { randomUUID } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { createVerifier, sqliteStore } from '@kenchi/server'
import { contentRule } from '@kenchi/server/rules'
import { createConfirmations, createStepUp, defaultCompose } from '@kenchi/server/stepup'
import { expressKenchi } from '@kenchi/server/adapters/express'
import { createConsole, hashPassword, sqliteConsoleStore } from '@kenchi/console'
import { loadAccounts, normalEmail } from './lib/accounts.mjs'
import { demoRules, LIST_INFO } from './lib/rules.mjs'
import { layout } from './lib/html.mjs'
import { loadSecrets } from './lib/secrets.mjs'
import { DENIED_WORDS } from './shop/forms.mjs'
import { CONFIRM_PURPOSES, confirmationSender } from './shop/mail.mjs'
import { shopRouter } from './shop/routes.mjs'

export { SEEDED_ACCOUNTS } from './lib/accounts.mjs'
export { eventsCsv } from '@kenchi/console'

const DEFAULT_DATA_DIR = fileURLToPath(new URL('./.data/', import.meta.url))

/**
 * The demo's policy over the verifier's defaults. Attack mode is tuned for a demo: the
 * defaults (100 failed logins in 5 minutes, 10 calm minutes) suit a busy shop, while here
 * `npm run demo:attack` should switch it on within its run (20 distinct login ids tried, or
 * 20 failed logins, within a minute) and see it step down about `windowMs` + `calmMs`
 * (1.5 minutes) after the attack stops. The admin console shows and edits these
 * (GET/PUT /admin/api/policy); `startDemo({ policy })` overrides them.
 */
export const DEMO_POLICY = {
  attack: { failedLogins: 20, distinctUsers: 20, windowMs: 60_000, calmMs: 30_000 },
}
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

/**
 * What the routers share.
 * @typedef {object} DemoContext
 * @property {import('@kenchi/server').Verifier} verifier
 * @property {import('@kenchi/server').Store} store
 * @property {ReturnType<typeof createStepUp>} stepUp
 * @property {ReturnType<typeof expressKenchi>} kenchi
 * @property {Map<string, { email: string, name: string, salt: string, hash: string, postcode?: string, city?: string, address?: string }>} accounts
 * @property {string} accountsPath
 * @property {(req: any, res: any) => Record<string, any>} sessionOf the request's session, made (with a cookie) when missing
 * @property {(req: any) => Record<string, any> | undefined} sessionFromCookie the request's session if it has one, without making one
 * @property {(req: any, res: any) => Record<string, any>} renewSession the request's session moved to a new id (and cookie), the old id forgotten: call it when the session gains a privilege (login, an opened reset link)
 * @property {(email: string, keep?: Record<string, any>) => void} endSessions forgets every session logged in as (or confirming a code or reset for) `email` except `keep`: after a password change or reset
 * @property {(res: any, status: number, title: string, body: string, session?: Record<string, any>) => void} page
 * @property {(verdict: import('@kenchi/server').Verdict) => void} remember
 * @property {ReturnType<typeof createConfirmations>} confirmations e-mail links for the anonymous forms and password reset
 * @property {Array<{ id: string, at: number, to: string, subject: string, text: string, link?: string }>} mailbox
 * @property {string[]} origins
 * @property {string} adminPassword
 * @property {string} dataDir the demo's data folder (the console keeps its users and audit log there, console.sqlite)
 * @property {Awaited<ReturnType<typeof demoRules>>} ruleSettings lists, rule modes and foreign-IP policy the console changes
 */

/**
 * Starts the demo shop on 127.0.0.1. Resolves `{ url, verdicts, mailbox, adminPassword,
 * verifier, close }`; `verdicts` holds the latest verdicts, newest last, for tests and
 * curious readers; `mailbox` the mails "sent", newest first. `policy` is merged over
 * `DEMO_POLICY` (its `attack` member by member).
 * @param {{ port?: number, host?: string, dataDir?: string, policy?: import('@kenchi/server').PolicyPatch }} [options]
 */
export async function startDemo({ port = 0, host = '127.0.0.1', dataDir = DEFAULT_DATA_DIR, policy = {} } = {}) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const secrets = loadSecrets(join(dataDir, 'secrets.json'))
  const accountsPath = join(dataDir, 'accounts.json')
  const accounts = await loadAccounts(accountsPath)

  const server = createServer()
  const listening = await listen(server, port, host)
  const origins = [`http://${host}:${listening}`, `http://localhost:${listening}`]
  const store = await sqliteStore({ path: join(dataDir, 'kenchi.db') })
  // The default rules plus the list and foreign-IP rules, changeable from the console (demo/lib/rules.mjs).
  // The defaults, the demo's lists and foreign-IP rule (demo/lib/rules.mjs), plus the content
  // rule on registration, profile, inquiry and newsletter fields (denied words, URLs,
  // gibberish, repeated texts); see docs/rules.md.
  const ruleSettings = await demoRules({ extra: [contentRule({ deny: DENIED_WORDS, hashKey: secrets.hashSecret })] })
  const verifier = await createVerifier({
    keys: [{ id: 'demo', secret: Buffer.from(secrets.key, 'base64') }],
    hashSecret: Buffer.from(secrets.hashSecret, 'base64'),
    origins,
    store,
    rules: ruleSettings.rules,
    policy: { ...DEMO_POLICY, ...policy, attack: { ...DEMO_POLICY.attack, ...policy.attack } },
  })
  // verify() re-checks attack mode on every request; this timer lets it step down, and
  // /admin/api/attack show it, while the shop is quiet after an attack.
  const attackCheck = setInterval(() => void verifier.checkAttack(), 2_000)
  attackCheck.unref()
  /** @type {DemoContext['mailbox']} */
  const mailbox = []
  /** "Sends" a mail: it lands on the /mailbox page, newest first, never on the internet. */
  const deliver = (mail) => {
    mailbox.unshift({ id: randomUUID(), at: Date.now(), ...mail })
    if (mailbox.length > 50) mailbox.pop()
  }
  const stepUp = createStepUp({
    verifier,
    secret: Buffer.from(secrets.stepUpSecret, 'base64'),
    // The demo's sender: the mail goes to the /mailbox page, never to the internet.
    sender: {
      channel: 'email',
      async send(message) {
        deliver({ to: message.to, ...defaultCompose(message) })
      },
    },
  })
  // Signed, expiring, single-use links for the anonymous forms (confirm by e-mail on a
  // challenge, newsletter double opt-in) and password reset. All visitors of a local demo
  // share one IP, hence the higher per-IP limit.
  const confirmations = createConfirmations({
    store,
    secret: Buffer.from(secrets.confirmSecret, 'base64'),
    sender: confirmationSender({ accounts, deliver }),
    linkUrl: `${origins[0]}/confirm`,
    purposes: CONFIRM_PURPOSES,
    ttlMs: 3600_000,
    limits: { address: 5, ip: 200 },
  })
  // Challenge issuance is bounded per client address (default 60 a minute); every visitor
  // of a local demo is 127.0.0.1, hence the higher limit.
  const kenchi = expressKenchi(verifier, { challengeLimit: { max: 1000, windowSeconds: 60 } })
  const scriptTag = kenchi.scriptTag()
  const style = await readFile(new URL('./public/style.css', import.meta.url))
  /** @type {import('@kenchi/server').Verdict[]} */
  const verdicts = []
  const remember = (verdict) => {
    verdicts.push(verdict)
    if (verdicts.length > 100) verdicts.shift()
  }

  // Sessions: sid cookie -> { email?, cart?, pending?, reset? }. In memory: a restart logs everyone out.
  const sessions = new Map()
  const SID = /(?:^|;\s*)sid=([\w-]+)/
  const cookieId = (req) => SID.exec(req.headers.cookie ?? '')?.[1]
  /** Stores `session` under a new random id and sends its cookie. */
  const issue = (res, session) => {
    const id = randomUUID()
    // Bounded: every cookie-less request (a bot's too) makes one; the oldest go first.
    if (sessions.size >= 10_000) sessions.delete(sessions.keys().next().value)
    sessions.set(id, session)
    res.locals.sid = id
    res.append('set-cookie', `sid=${id}; HttpOnly; SameSite=Lax; Path=/`)
    return session
  }
  const sessionFromCookie = (req) => sessions.get(cookieId(req) ?? '')
  const sessionOf = (req, res) => {
    if (res.locals.sid) return sessions.get(res.locals.sid) ?? issue(res, {})
    return sessionFromCookie(req) ?? issue(res, {})
  }
  // A session that gains a privilege (logged in, a reset link opened) moves to a new id, so an
  // id planted in the browser beforehand (session fixation: cookies are shared by every port
  // of localhost) is worth nothing afterwards.
  const renewSession = (req, res) => {
    const session = sessionOf(req, res)
    if (res.locals.sid) return session // made (or renewed) by this request: already fresh
    sessions.delete(/** @type {string} */ (cookieId(req)))
    return issue(res, session)
  }
  /** Logs out every session of `email` but `keep` (after a password change or reset). */
  const endSessions = (email, keep) => {
    for (const [id, s] of sessions) {
      if (s === keep) continue
      if (s.email === email || s.pending?.email === email || s.reset?.email === email) sessions.delete(id)
    }
  }

  const app = express()
  app.disable('x-powered-by')
  // req.ip is the address a reverse proxy on this machine forwards (X-Forwarded-For from
  // loopback). The demo listens on 127.0.0.1 only, so only local programs can set it;
  // `npm run demo:attack` does, to send its attempts from a pool of proxy addresses. In
  // your shop, trust exactly your own proxies, never the header from anywhere.
  app.set('trust proxy', 'loopback')
  app.use((req, res, next) => {
    res.set({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' })
    next()
  })
  app.use(kenchi.middleware)
  const page = (res, status, title, body, session) =>
    res
      .status(status)
      .type('html')
      .send(layout(title, body, scriptTag, session))

  app.get('/style.css', (req, res) => res.type('css').send(style))
  app.get('/favicon.ico', (req, res) => res.status(204).end())

  /** @type {DemoContext} */
  const ctx = {
    verifier,
    store,
    stepUp,
    confirmations,
    kenchi,
    accounts,
    accountsPath,
    sessionOf,
    sessionFromCookie,
    renewSession,
    endSessions,
    page,
    remember,
    mailbox,
    origins,
    adminPassword: secrets.adminPassword,
    dataDir,
    ruleSettings,
  }
  app.use(shopRouter(ctx))
  // The console (@kenchi/console) at /admin, on the demo's store, verifier and rule settings.
  // One console user, `admin`, with the password printed at start-up; the same password is
  // also a Bearer API token for scripts (npm run demo:attack, curl). Console users and the
  // audit log (which also holds every label given) are kept in console.sqlite.
  const consoleStore = await sqliteConsoleStore(join(dataDir, 'console.sqlite'))
  const hashUser = (email) => verifier.hashIdentity('user', normalEmail(email))
  let names = new Map()
  let namedAccounts = -1
  const adminConsole = createConsole({
    basePath: '/admin',
    verifier,
    store,
    rules: { ...ruleSettings, listInfo: LIST_INFO },
    hashUser,
    // The shop knows its customers: user hashes of demo accounts are shown with their e-mail.
    userName: (hash) => {
      if (namedAccounts !== accounts.size) {
        names = new Map([...accounts.keys()].map((email) => [hashUser(email), email]))
        namedAccounts = accounts.size
      }
      return names.get(hash)
    },
    users: [{ name: 'admin', role: 'admin', passwordHash: await hashPassword(secrets.adminPassword) }],
    apiTokens: [{ name: 'admin-token', role: 'admin', token: secrets.adminPassword }],
    consoleStore,
    allowedOrigins: origins,
    title: 'Kenchi demo console',
    links: [{ href: '/', text: 'Shop ↗' }],
  })
  app.use(adminConsole)

  app.use((req, res) => res.status(404).type('text').send('not found'))
  app.use((error, req, res, next) => {
    if (res.headersSent) return next(error)
    const status = error?.type === 'entity.too.large' ? 413 : error?.status && error.status < 500 ? error.status : 500
    res
      .status(status)
      .type('text')
      .send(status === 413 ? 'request too large' : status === 500 ? 'internal error' : 'bad request')
  })

  server.on('request', app)

  return {
    url: `http://${host}:${listening}/`,
    verdicts,
    mailbox,
    adminPassword: secrets.adminPassword,
    verifier,
    close: async () => {
      clearInterval(attackCheck)
      await new Promise((resolve) => {
        server.close(() => resolve(undefined))
        server.closeAllConnections?.()
      })
      await verifier.close?.()
      await store.close()
      await consoleStore.close()
    },
  }
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
