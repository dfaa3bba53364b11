// The shop's routes: log in (with the e-mail code step on `challenge`), register, a simulated
// checkout and the mailbox page. Each form posts a Kenchi token; `kenchi.guard(action, ...)`
// verifies it and leaves the verdict on `req.kenchi`.
import express from 'express'
import { checkPassword, DUMMY, hashPassword, normalEmail, saveAccounts } from '../lib/accounts.mjs'
import { escape, notice, verdictPanel } from '../lib/html.mjs'
import { checkoutForm, codeForm, homePage, loginForm, registerForm } from './pages.mjs'

/**
 * @param {import('../app.mjs').DemoContext} ctx
 * @returns {import('express').Router}
 */
export function shopRouter(ctx) {
  const { verifier, stepUp, kenchi, accounts, accountsPath, sessionOf, sessionFromCookie, page, remember, mailbox } = ctx
  const router = express.Router()
  const form = express.urlencoded({ extended: false, limit: '16kb' })

  router.get('/', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Shop', homePage(s), s)
  })
  router.get('/login', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Log in', loginForm(), s)
  })

  router.post(
    '/login',
    form,
    // loginId: the address typed, whether an account has it or not, so velocity limits and
    // attack mode count a bot's guesses at unknown addresses. userId (and email) only for an
    // existing account, so the account history (new device, known device) is about real
    // customers.
    kenchi.guard('login', (req) => {
      const email = normalEmail(req.body?.email)
      return { ...(email ? { loginId: email } : {}), ...(accounts.has(email) ? { userId: email, email } : {}) }
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

  router.post('/login/code', form, async (req, res) => {
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

  router.get('/register', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Register', registerForm(), s)
  })

  router.post(
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
      saveAccounts(accountsPath, accounts)
      page(res, 201, 'Registered', `${notice(`Welcome, ${escape(name)}. Your account is ready: please log in.`, 'ok')}${verdictPanel(verdict)}${loginForm()}`, s)
    },
  )

  router.get('/checkout', (req, res) => {
    const s = sessionOf(req, res)
    if (!s.email) return page(res, 401, 'Checkout', `${notice('Please log in first.')}${loginForm()}`, s)
    page(res, 200, 'Checkout', checkoutForm(), s)
  })

  router.post(
    '/checkout',
    form,
    kenchi.guard('checkout', (req) => {
      const email = sessionFromCookie(req)?.email
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

  router.post('/logout', (req, res) => {
    const s = sessionOf(req, res)
    delete s.email
    delete s.pending
    res.redirect(303, '/')
  })

  router.get('/mailbox', (req, res) => {
    const s = sessionOf(req, res)
    const mails = mailbox
      .map((m) => `<article class="mail"><p><strong>${escape(m.subject)}</strong><br>To ${escape(m.to)}, ${new Date(m.at).toISOString()}</p><pre>${escape(m.text)}</pre></article>`)
      .join('')
    page(res, 200, 'Mailbox', `<h1>Mailbox</h1><p>Every mail the demo "sends" lands here, in memory; nothing leaves this machine.</p>${mails || '<p>No mail yet.</p>'}`, s)
  })

  return router
}
