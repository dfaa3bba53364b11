// The shop's routes: home (the catalogue), log in (with the e-mail code step on
// `challenge`), register (with a confirmation link on `challenge`), log out, the mailbox
// page and the confirmation links; the other touchpoints are in their own files:
//
//   account.mjs   account page, profile change, password change, password reset
//   cart.mjs      cart and checkout (simulated card)
//   forms.mjs     inquiry, newsletter (double opt-in), restock alert
//   spa.mjs       the single-page quick shop (npm import of @kenchi/client) and its JSON routes
//   codestep.mjs  the e-mail code step of known customers; confirm.mjs the e-mail links of anonymous forms
//
// Each form posts a Kenchi token; `kenchi.guard(action, ...)` verifies it and leaves the
// verdict on `req.kenchi`. Every result page shows the verdict (`verdictPanel`) because
// this is a demo; a real shop keeps it to itself.
import express from 'express'
import { checkPassword, DUMMY, hashPassword, normalEmail, saveAccounts } from '../lib/accounts.mjs'
import { escape, notice, verdictPanel } from '../lib/html.mjs'
import { isEmail, password as passwordOf, text } from '../lib/input.mjs'
import { accountRouter } from './account.mjs'
import { cartRouter } from './cart.mjs'
import { createCatalogue } from './catalogue.mjs'
import { createCodeStep } from './codestep.mjs'
import { createEmailConfirm } from './confirm.mjs'
import { createForms } from './forms.mjs'
import { CALM, homePage, loginForm, registerForm } from './pages.mjs'
import { spaRouter } from './spa.mjs'

/**
 * What the shop's routers share: the demo's context plus the catalogue, the code step and
 * the e-mail links.
 * @typedef {import('../app.mjs').DemoContext & {
 *   catalogue: ReturnType<typeof createCatalogue>,
 *   codes: ReturnType<typeof createCodeStep>,
 *   byEmail: ReturnType<typeof createEmailConfirm>,
 *   form: import('express').RequestHandler[],
 *   sameOrigin: import('express').RequestHandler,
 * }} ShopContext
 */

/**
 * @param {import('../app.mjs').DemoContext} ctx
 * @returns {import('express').Router}
 */
export function shopRouter(ctx) {
  const { verifier, kenchi, accounts, accountsPath, sessionOf, renewSession, page, remember, mailbox } = ctx
  const router = express.Router()
  // Posts from another origin are refused. SameSite=Lax keeps the session cookie off other
  // sites' posts, but every port of localhost (and of 127.0.0.1) is the same site; a guarded
  // form's Kenchi token is bound to its origin too, and this covers the unguarded posts (log
  // out, cart, code step, new password). Clients that send no Origin (curl, scripts) pass.
  const sameOrigin = (req, res, next) => {
    const origin = req.headers.origin
    if (origin === undefined || ctx.origins.includes(origin)) return next()
    page(res, 403, 'Not allowed', notice(CALM.deny))
  }
  /** @type {ShopContext} */
  const shop = {
    ...ctx,
    catalogue: createCatalogue(),
    codes: createCodeStep(ctx),
    byEmail: createEmailConfirm(ctx),
    sameOrigin,
    form: [sameOrigin, express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 })],
  }
  const { codes, byEmail, form, catalogue } = shop

  router.get('/', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Shop', homePage(s, catalogue.list()), s)
  })
  router.get('/login', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Log in', loginForm(), s)
  })

  const welcome = (name, extra = '') => `Welcome back, ${escape(name)}. You are logged in${extra}.`
  router.post(
    '/login',
    form,
    // Decision 0007: the password first (the same scrypt work for an unknown address), then
    // verify() with loginId, the address typed (velocity limits and attack mode count a bot's
    // guesses at unknown addresses), and userId (and email) only for an account whose
    // password is right, so the account history (new device, known device) is about the
    // account holder.
    kenchi.guard('login', async (req) => {
      const email = normalEmail(req.body?.email)
      const account = accounts.get(email)
      const passwordOk = account ? await checkPassword(account, passwordOf(req.body?.password)) : await checkPassword(DUMMY, '')
      req.passwordOk = passwordOk && account !== undefined
      return { ...(email ? { loginId: email } : {}), ...(req.passwordOk ? { userId: email, email } : {}) }
    }),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const email = normalEmail(req.body?.email)
      const account = accounts.get(email)
      const passwordOk = req.passwordOk === true
      if (verdict.decision === 'deny') {
        return page(
          res,
          403,
          'Log in',
          `${notice('We could not log you in right now. Please try again later.')}${verdictPanel(verdict)}${loginForm()}`,
          s,
        )
      }
      if (!passwordOk || !account) {
        await verifier.reportOutcome(verdict.eventId, 'login_failed').catch(() => {})
        return page(res, 401, 'Log in', `${notice('Wrong e-mail address or password.')}${verdictPanel(verdict)}${loginForm()}`, s)
      }
      if (verdict.decision === 'allow') {
        await verifier.reportOutcome(verdict.eventId, 'login_succeeded').catch(() => {})
        renewSession(req, res) // a new session id for the logged-in session (no fixation)
        s.email = email
        delete s.pending
        return page(
          res,
          200,
          'Welcome',
          `${notice(welcome(account.name), 'ok')}${verdictPanel(verdict)}<p><a href="/cart">Go to your cart</a> · <a href="/account">Your account</a></p>`,
          s,
        )
      }
      // challenge: the code goes to the address on file, never to one from the request.
      await codes.begin(req, res, s, verdict, { kind: 'login', email: account.email, title: 'Log in' })
    },
  )
  codes.on('login', {
    again: '/login',
    finish(req, res, s, pending) {
      renewSession(req, res)
      s.email = pending.email
      const name = accounts.get(pending.email)?.name ?? pending.email
      page(
        res,
        200,
        'Welcome',
        `${notice(`Thank you, ${escape(name)}. You are logged in; this browser is now remembered.`, 'ok')}<p><a href="/cart">Go to your cart</a> · <a href="/account">Your account</a></p>`,
        s,
      )
    },
  })
  router.post('/login/code', form, codes.check)
  router.post('/code', form, codes.check)

  router.get('/register', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Register', registerForm(), s)
  })

  router.post(
    '/register',
    form,
    kenchi.guard('register', (req) => ({ email: normalEmail(req.body?.email), fields: { name: text(req.body?.name, 60) } })),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const email = normalEmail(req.body?.email)
      const name = text(req.body?.name, 60)
      const password = passwordOf(req.body?.password, 201)
      if (verdict.decision === 'deny') {
        return page(
          res,
          403,
          'Register',
          `${notice('We could not create an account right now. Please try again later.')}${verdictPanel(verdict)}${registerForm()}`,
          s,
        )
      }
      if (!isEmail(email) || !name || password.length < 8 || password.length > 200) {
        return page(
          res,
          400,
          'Register',
          `${notice('Please enter a name, a valid e-mail address and a password of at least 8 characters.')}${registerForm()}`,
          s,
        )
      }
      if (accounts.has(email)) {
        return page(res, 400, 'Register', `${notice('Please choose another e-mail address or log in.')}${registerForm()}`, s)
      }
      const account = { email, name, ...(await hashPassword(password)) }
      if (verdict.decision === 'challenge') {
        // Anonymous, so no code step: the account is created when the link in the mail is opened.
        const sent = await byEmail.send(req, { purpose: 'registration', to: email, data: account, verdict })
        if (!sent.ok) return page(res, 429, 'Register', `${notice(CALM.busy)}${verdictPanel(verdict)}`, s)
        return page(
          res,
          202,
          'Confirm your e-mail address',
          `${notice(`Almost done: please confirm your e-mail address with the link we sent to ${escape(email)} (see the <a href="/mailbox">mailbox</a>).`, 'info')}${verdictPanel(verdict)}`,
          s,
        )
      }
      accounts.set(email, account)
      saveAccounts(accountsPath, accounts)
      page(
        res,
        201,
        'Registered',
        `${notice(`Welcome, ${escape(name)}. Your account is ready: please log in.`, 'ok')}${verdictPanel(verdict)}${loginForm()}`,
        s,
      )
    },
  )
  byEmail.on('registration', (req, res, s, { data: account }) => {
    if (accounts.has(account.email))
      return page(res, 400, 'Register', `${notice('This e-mail address already has an account: please log in.')}${loginForm()}`, s)
    accounts.set(account.email, account)
    saveAccounts(accountsPath, accounts)
    page(
      res,
      201,
      'Registered',
      `${notice(`Thank you, ${escape(account.name)}. Your e-mail address is confirmed and your account is ready: please log in.`, 'ok')}${loginForm()}`,
      s,
    )
  })

  router.get('/confirm', byEmail.route)

  router.post('/logout', sameOrigin, (req, res) => {
    const s = sessionOf(req, res)
    delete s.email
    delete s.pending
    delete s.reset
    res.redirect(303, '/')
  })

  router.get('/mailbox', (req, res) => {
    const s = sessionOf(req, res)
    const mails = mailbox
      .map(
        (m) =>
          `<article class="mail"><p><strong>${escape(m.subject)}</strong><br>To ${escape(m.to)}, ${new Date(m.at).toISOString()}</p><pre>${escape(m.text)}</pre>${
            m.link ? `<p><a class="mail-link" href="${escape(m.link)}">Open the link</a></p>` : ''
          }</article>`,
      )
      .join('')
    page(
      res,
      200,
      'Mailbox',
      `<h1>Mailbox</h1><p>Every mail the demo "sends" lands here, in memory, newest first; nothing leaves this machine.</p>${mails || '<p>No mail yet.</p>'}`,
      s,
    )
  })

  router.use(accountRouter(shop))
  router.use(cartRouter(shop))
  const forms = createForms(shop)
  router.use(forms.router)
  router.use(spaRouter(shop, forms))
  return router
}
