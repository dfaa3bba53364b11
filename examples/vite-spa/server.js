// The storefront's API (Express): Kenchi's challenge endpoint, the JSON login with the
// password checked first, an e-mail code when the verdict is `challenge`, and the built
// page from dist/ (`npm run build`). Setup: README.md.
import { randomBytes, randomUUID, scryptSync, timingSafeEqual } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { createVerifier, memoryStore } from '@kenchi/server'
import { createStepUp, emailSender } from '@kenchi/server/stepup'
import { expressKenchi } from '@kenchi/server/adapters/express'

const PORT = Number(process.env.PORT ?? 3000)
const ORIGIN = process.env.ORIGIN ?? `http://localhost:${PORT}` // the page's address in the customer's browser
const TEST_MODE = process.env.KENCHI_TEST_MODE === '1'
const DIST = fileURLToPath(new URL('./dist/', import.meta.url))

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
// The page imports @kenchi/client from npm, so the adapter need not serve the client files.
const kenchi = expressKenchi(verifier, { serveClient: false })

// --- The API and the page ----------------------------------------------------------------
const app = express()
app.set('trust proxy', 'loopback') // req.ip is the customer's address behind a local proxy
app.use(kenchi.middleware) // POST /kenchi/challenge
app.use(express.json({ limit: '64kb' })) // the token travels in the JSON body (kenchiToken)

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

app.post(
  '/api/login',
  // The password first: loginId is what was typed, userId only for a proven account.
  kenchi.guard('login', async (req) => {
    const loginId = String(req.body?.email ?? '')
    const account = findAccount(loginId)
    req.account = checkPassword(account, req.body?.password) ? account : undefined
    return { loginId, ...(req.account ? { userId: req.account.id, email: req.account.email } : {}) }
  }),
  async (req, res) => {
    const verdict = req.kenchi
    const account = req.account
    console.log(`kenchi login ${verdict.decision} ${verdict.reasons.map((r) => r.code).join(' ')}`)
    if (verdict.decision === 'deny') return res.status(403).json({ status: 'refused', message: 'Login refused.' })
    if (!account) {
      await verifier.reportOutcome(verdict.eventId, 'login_failed')
      return res.status(401).json({ status: 'wrong', message: 'Wrong e-mail or password.' })
    }
    const s = session(req, res)
    if (verdict.decision === 'allow') {
      await verifier.reportOutcome(verdict.eventId, 'login_succeeded')
      s.userId = account.id
      return res.json({ status: 'ok', email: account.email })
    }
    // challenge: a code to the address on file (never one from the request).
    const loginId = String(req.body.email)
    const started = await stepUp.start({ eventId: verdict.eventId, loginId, to: account.email, ip: req.ip })
    if (!started.ok) return res.status(429).json({ status: 'later', message: `Please try again later (${started.code}).` })
    s.pending = { eventId: verdict.eventId, loginId, accountId: account.id }
    res.json({ status: 'code' })
  },
)

app.post('/api/login/code', async (req, res) => {
  const s = sessions.get(sid(req) ?? '')
  if (!s?.pending) return res.status(400).json({ status: 'expired', message: 'Please log in again.' })
  const { eventId, loginId, accountId } = s.pending
  const result = await stepUp.check({ eventId, loginId, code: String(req.body?.code ?? ''), ip: req.ip })
  if (result.ok) {
    delete s.pending
    s.userId = accountId
    return res.json({ status: 'ok', email: findAccountById(accountId).email })
  }
  const over = ['STEP_UP_TOO_MANY_ATTEMPTS', 'STEP_UP_USED', 'STEP_UP_EXPIRED'].includes(result.code)
  if (over) delete s.pending
  const left = result.attemptsLeft !== undefined ? `, ${result.attemptsLeft} attempts left` : ''
  res.status(400).json({ status: over ? 'expired' : 'code', message: `Code not accepted (${result.code}${left}).` })
})

app.get('/api/account', (req, res) => {
  const account = findAccountById(sessions.get(sid(req) ?? '')?.userId)
  res.json(account ? { email: account.email } : {})
})

// The built page (npm run build); every page path of the single-page app gets index.html.
if (!existsSync(DIST)) console.warn('dist/ is missing: run `npm run build` first (or `npm run dev` for Vite dev mode)')
app.use(express.static(DIST, { index: false }))
app.get(['/', '/login', '/login/code', '/account'], (req, res) => res.sendFile('index.html', { root: DIST }))

app.listen(PORT, process.env.HOST, () => console.log(`shop on ${ORIGIN}${TEST_MODE ? ' (Kenchi test mode)' : ''}`))
