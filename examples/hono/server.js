// A small Hono shop (on Node.js) whose login is protected by Kenchi: the script tag on the
// login page, `guard('login')` on the route, an e-mail code when the verdict is `challenge`.
// Setup and what to change for production: README.md.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { createVerifier, memoryStore } from '@kenchi/server'
import { createStepUp, emailSender } from '@kenchi/server/stepup'
import { honoKenchi } from '@kenchi/server/adapters/hono'

const PORT = Number(process.env.PORT ?? 3000)
const ORIGIN = process.env.ORIGIN ?? `http://localhost:${PORT}` // the address in the customer's browser
const TEST_MODE = process.env.KENCHI_TEST_MODE === '1'

// --- Your user table (here: in memory, one customer; password hashes with scrypt) ---------
const hash = (password, salt = randomBytes(16)) => ({ salt, hash: scryptSync(String(password), salt, 32) })
const accounts = new Map()
const addAccount = (email, password) => accounts.set(email, { id: `u${accounts.size + 1}`, email, ...hash(password) })
addAccount('hanako@example.jp', 'Sakura-2026')
// In test mode, accounts for Kenchi's fixed test identities (docs/testing.md): their logins get that verdict.
if (TEST_MODE) for (const email of ['challenge@kenchi.test', 'deny@kenchi.test']) addAccount(email, 'Sakura-2026')
const dummy = hash('no account has this password')
const findAccount = (loginId) =>
  accounts.get(
    String(loginId ?? '')
      .trim()
      .toLowerCase(),
  )
const findAccountById = (id) => [...accounts.values()].find((a) => a.id === id)
// Same work whether the account exists or not, so the answer time says nothing.
const checkPassword = (account, password) => {
  const stored = account ?? dummy
  return timingSafeEqual(hash(password, stored.salt).hash, stored.hash) && account !== undefined
}

// --- Kenchi --------------------------------------------------------------------------------
const verifier = await createVerifier({
  keys: [{ id: process.env.KENCHI_KEY_ID ?? 'k1', secret: process.env.KENCHI_SECRET }],
  hashSecret: process.env.KENCHI_HASH_SECRET,
  origins: [ORIGIN],
  store: memoryStore(), // one process; use sqliteStore or redisStore in production
  testMode: TEST_MODE, // never in production: createVerifier refuses it when NODE_ENV=production
})
const stepUp = createStepUp({
  verifier,
  secret: process.env.KENCHI_STEP_UP_SECRET,
  // With SMTP_URL (and `npm install nodemailer`) the code is mailed; without, printed here.
  sender: process.env.SMTP_URL
    ? emailSender({ transport: process.env.SMTP_URL, from: 'Shop <no-reply@shop.example>' })
    : { channel: 'email', send: async (m) => console.log(`[mail to ${m.to}] your code: ${m.code}`) },
  onDeliveryError: (error) => console.error('step-up mail failed', error),
})
// The client IP: the socket address under @hono/node-server (pass getIp behind a proxy).
const kenchi = honoKenchi(verifier)

// --- The shop ------------------------------------------------------------------------------
const app = new Hono()
app.use(kenchi.middleware) // POST /kenchi/challenge and the client files under /kenchi/

const sessions = new Map() // sid -> { userId?, pending?: { eventId, loginId, accountId } }
const sid = (c) => getCookie(c, 'sid')
function session(c) {
  let id = sid(c)
  if (!id || !sessions.has(id)) {
    id = randomUUID()
    sessions.set(id, {})
    setCookie(c, 'sid', id, { httpOnly: true, sameSite: 'Lax', path: '/', secure: ORIGIN.startsWith('https:') })
  }
  return sessions.get(id)
}
const ip = (c) => c.env?.incoming?.socket?.remoteAddress

const page = (title, body, head = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${title} · Shop</title>${head}</head>
<body><main><h1>${title}</h1>${body}</main></body></html>`
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

app.get('/', (c) => c.redirect('/login'))

app.get('/login', (c) =>
  c.html(
    page(
      'Log in',
      `
    <form method="post" action="/login" data-kenchi-action="login">
      <label>E-mail <input type="email" name="email" autocomplete="username" required></label>
      <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
      <button type="submit">Log in</button>
    </form>`,
      kenchi.scriptTag(),
    ),
  ),
)

app.post(
  '/login',
  // The password first: loginId is what was typed, userId only for a proven account.
  kenchi.guard('login', async (c) => {
    const body = await c.req.parseBody() // Hono caches it: the route reads it again for free
    const loginId = String(body.email ?? '')
    const account = findAccount(loginId)
    const proven = checkPassword(account, body.password) ? account : undefined
    c.set('account', proven)
    return { loginId, ...(proven ? { userId: proven.id, email: proven.email } : {}) }
  }),
  async (c) => {
    const verdict = c.get('kenchi')
    const account = c.get('account')
    console.log(`kenchi login ${verdict.decision} ${verdict.reasons.map((r) => r.code).join(' ')}`)
    if (verdict.decision === 'deny') return c.html(page('Login refused', '<p id="result">Login refused.</p>'), 403)
    if (!account) {
      await verifier.reportOutcome(verdict.eventId, 'login_failed')
      return c.html(page('Log in', '<p id="result">Wrong e-mail or password.</p><p><a href="/login">Try again</a></p>'), 401)
    }
    const s = session(c)
    if (verdict.decision === 'allow') {
      await verifier.reportOutcome(verdict.eventId, 'login_succeeded')
      s.userId = account.id
      return c.redirect('/account', 303)
    }
    // challenge: a code to the address on file (never one from the request).
    const loginId = String((await c.req.parseBody()).email)
    const started = await stepUp.start({ eventId: verdict.eventId, loginId, to: account.email, ip: ip(c) })
    if (!started.ok) return c.html(page('Log in', `<p id="result">Please try again later (${started.code}).</p>`), 429)
    s.pending = { eventId: verdict.eventId, loginId, accountId: account.id }
    return c.redirect('/login/code', 303)
  },
)

app.get('/login/code', (c) =>
  c.html(
    page(
      'Confirm it is you',
      `
    <form method="post" action="/login/code">
      <label for="code">Code from the e-mail we sent you</label>
      <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
      <button type="submit">Confirm</button>
    </form>
    <form method="post" action="/login/resend"><button type="submit">Send a new code</button></form>`,
    ),
  ),
)

app.post('/login/code', async (c) => {
  const s = sessions.get(sid(c) ?? '')
  if (!s?.pending) return c.redirect('/login', 303)
  const { eventId, loginId, accountId } = s.pending
  const body = await c.req.parseBody()
  const result = await stepUp.check({ eventId, loginId, code: String(body.code ?? ''), ip: ip(c) })
  if (result.ok) {
    delete s.pending
    s.userId = accountId
    return c.redirect('/account', 303)
  }
  if (['STEP_UP_TOO_MANY_ATTEMPTS', 'STEP_UP_USED', 'STEP_UP_EXPIRED'].includes(result.code)) delete s.pending
  const left = result.attemptsLeft !== undefined ? `, ${result.attemptsLeft} attempts left` : ''
  return c.html(
    page('Confirm it is you', `<p id="result">Code not accepted (${result.code}${left}).</p><p><a href="/login/code">Try again</a></p>`),
    400,
  )
})

app.post('/login/resend', async (c) => {
  const s = sessions.get(sid(c) ?? '')
  if (!s?.pending) return c.redirect('/login', 303)
  const account = findAccountById(s.pending.accountId)
  const result = await stepUp.start({ eventId: s.pending.eventId, loginId: s.pending.loginId, to: account?.email, ip: ip(c) })
  return c.html(
    page(
      'Confirm it is you',
      `<p id="result">${result.ok ? 'A new code is on its way.' : `Please wait (${result.code}).`}</p><p><a href="/login/code">Enter the code</a></p>`,
    ),
    result.ok ? 200 : 429,
  )
})

app.get('/account', (c) => {
  const account = findAccountById(sessions.get(sid(c) ?? '')?.userId)
  if (!account) return c.redirect('/login', 303)
  return c.html(page('Your account', `<p id="result">Welcome back, ${escape(account.email)}.</p>`))
})

serve({ fetch: app.fetch, port: PORT, hostname: process.env.HOST ?? '0.0.0.0' }, () =>
  console.log(`shop on ${ORIGIN}${TEST_MODE ? ' (Kenchi test mode)' : ''}`),
)
