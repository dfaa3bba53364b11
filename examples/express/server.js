// A small Express shop whose login is protected by Kenchi: the script tag on the login page,
// `guard('login')` on the route, an e-mail code when the verdict is `challenge`.
// Setup and what to change for production: README.md.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto'
import express from 'express'
import { createVerifier, memoryStore } from '@kenchi/server'
import { createStepUp, emailSender } from '@kenchi/server/stepup'
import { expressKenchi } from '@kenchi/server/adapters/express'

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
const kenchi = expressKenchi(verifier)

// --- The shop ------------------------------------------------------------------------------
const app = express()
app.set('trust proxy', 'loopback') // req.ip is the customer's address behind a local proxy
app.use(kenchi.middleware) // POST /kenchi/challenge and the client files under /kenchi/

const sessions = new Map() // sid -> { userId?, pending?: { eventId, loginId, accountId } }
const sid = (req) => /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1]
function session(req, res) {
  let id = sid(req)
  if (!id || !sessions.has(id)) {
    id = randomUUID()
    sessions.set(id, {})
    res.setHeader('set-cookie', `sid=${id}; HttpOnly; SameSite=Lax; Path=/${ORIGIN.startsWith('https:') ? '; Secure' : ''}`)
  }
  return sessions.get(id)
}

const page = (title, body, head = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${title} · Shop</title>${head}</head>
<body><main><h1>${title}</h1>${body}</main></body></html>`
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

app.get('/', (req, res) => res.redirect('/login'))

app.get('/login', (req, res) => {
  res.send(
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
  )
})

app.post(
  '/login',
  express.urlencoded({ extended: false }),
  // The password first: loginId is what was typed, userId only for a proven account.
  kenchi.guard('login', async (req) => {
    const loginId = String(req.body.email ?? '')
    const account = findAccount(loginId)
    req.account = checkPassword(account, req.body.password) ? account : undefined
    return { loginId, ...(req.account ? { userId: req.account.id, email: req.account.email } : {}) }
  }),
  async (req, res) => {
    const verdict = req.kenchi
    const account = req.account
    console.log(`kenchi login ${verdict.decision} ${verdict.reasons.map((r) => r.code).join(' ')}`)
    if (verdict.decision === 'deny') return res.status(403).send(page('Login refused', '<p id="result">Login refused.</p>'))
    if (!account) {
      await verifier.reportOutcome(verdict.eventId, 'login_failed')
      return res.status(401).send(page('Log in', '<p id="result">Wrong e-mail or password.</p><p><a href="/login">Try again</a></p>'))
    }
    const s = session(req, res)
    if (verdict.decision === 'allow') {
      await verifier.reportOutcome(verdict.eventId, 'login_succeeded')
      s.userId = account.id
      return res.redirect(303, '/account')
    }
    // challenge: a code to the address on file (never one from the request).
    const loginId = String(req.body.email)
    const started = await stepUp.start({ eventId: verdict.eventId, loginId, to: account.email, ip: req.ip })
    if (!started.ok) return res.status(429).send(page('Log in', `<p id="result">Please try again later (${started.code}).</p>`))
    s.pending = { eventId: verdict.eventId, loginId, accountId: account.id }
    res.redirect(303, '/login/code')
  },
)

app.get('/login/code', (req, res) => {
  res.send(
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
  )
})

app.post('/login/code', express.urlencoded({ extended: false }), async (req, res) => {
  const s = sessions.get(sid(req) ?? '')
  if (!s?.pending) return res.redirect(303, '/login')
  const { eventId, loginId, accountId } = s.pending
  const result = await stepUp.check({ eventId, loginId, code: String(req.body.code ?? ''), ip: req.ip })
  if (result.ok) {
    delete s.pending
    s.userId = accountId
    return res.redirect(303, '/account')
  }
  if (['STEP_UP_TOO_MANY_ATTEMPTS', 'STEP_UP_USED', 'STEP_UP_EXPIRED'].includes(result.code)) delete s.pending
  const left = result.attemptsLeft !== undefined ? `, ${result.attemptsLeft} attempts left` : ''
  res
    .status(400)
    .send(
      page('Confirm it is you', `<p id="result">Code not accepted (${result.code}${left}).</p><p><a href="/login/code">Try again</a></p>`),
    )
})

app.post('/login/resend', async (req, res) => {
  const s = sessions.get(sid(req) ?? '')
  if (!s?.pending) return res.redirect(303, '/login')
  const account = findAccountById(s.pending.accountId)
  const result = await stepUp.start({ eventId: s.pending.eventId, loginId: s.pending.loginId, to: account?.email, ip: req.ip })
  res
    .status(result.ok ? 200 : 429)
    .send(
      page(
        'Confirm it is you',
        `<p id="result">${result.ok ? 'A new code is on its way.' : `Please wait (${result.code}).`}</p><p><a href="/login/code">Enter the code</a></p>`,
      ),
    )
})

app.get('/account', (req, res) => {
  const account = findAccountById(sessions.get(sid(req) ?? '')?.userId)
  if (!account) return res.redirect(303, '/login')
  res.send(page('Your account', `<p id="result">Welcome back, ${escape(account.email)}.</p>`))
})

app.listen(PORT, process.env.HOST, () => console.log(`shop on ${ORIGIN}${TEST_MODE ? ' (Kenchi test mode)' : ''}`))
