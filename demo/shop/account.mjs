// The customer's account: overview, profile change (action `profile_update`), password
// change (action `password_change`, the current password checked) and password reset
// (action `password_reset`: a single-use link by e-mail, then a new password).
// Logged-in forms pass the customer as `userId`, so the device history applies: a
// `challenge` asks for the e-mail code (codestep.mjs) before the change is made.
import express from 'express'
import { checkPassword, hashPassword, normalEmail, saveAccounts } from '../lib/accounts.mjs'
import { escape, notice, verdictPanel } from '../lib/html.mjs'
import { isEmail, password, printable, text } from '../lib/input.mjs'
import { CALM, loginForm } from './pages.mjs'

/** How long the page opened by a reset link may set the new password. */
const RESET_WINDOW_MS = 15 * 60_000
const PROFILE_FIELDS = /** @type {const} */ ({ name: 60, postcode: 10, city: 60, address: 120 })

const passwordProblem = (value) =>
  value.length < 8
    ? 'Please choose a password of at least 8 characters.'
    : value.length > 200
      ? 'Please choose a password of at most 200 characters.'
      : undefined

/** @param {import('./routes.mjs').ShopContext} shop */
export function accountRouter(shop) {
  const {
    verifier,
    kenchi,
    accounts,
    accountsPath,
    sessionOf,
    sessionFromCookie,
    renewSession,
    endSessions,
    page,
    remember,
    form,
    codes,
    byEmail,
  } = shop
  const router = express.Router()
  const loggedIn = (req) => {
    const email = sessionFromCookie(req)?.email
    return email && accounts.has(email) ? { userId: email, email } : {}
  }
  const needLogin = (res, s) => page(res, 401, 'Log in', `${notice('Please log in first.')}${loginForm()}`, s)
  const save = () => saveAccounts(accountsPath, accounts)

  router.get('/account', (req, res) => {
    const s = sessionOf(req, res)
    const account = accounts.get(s.email)
    if (!account) return needLogin(res, s)
    page(res, 200, 'Your account', accountPage(account), s)
  })

  // Profile change.
  router.get('/account/profile', (req, res) => {
    const s = sessionOf(req, res)
    const account = accounts.get(s.email)
    if (!account) return needLogin(res, s)
    page(res, 200, 'Your profile', profileForm(account), s)
  })

  router.post(
    '/account/profile',
    form,
    kenchi.guard('profile_update', (req) => ({ ...loggedIn(req), fields: readProfile(req.body).profile })),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const account = accounts.get(s.email)
      if (!account) return needLogin(res, s)
      if (verdict.decision === 'deny')
        return page(res, 403, 'Your profile', `${notice(CALM.deny)}${verdictPanel(verdict)}${profileForm(account)}`, s)
      const { profile, problem } = readProfile(req.body)
      if (problem) return page(res, 400, 'Your profile', `${notice(problem)}${profileForm({ ...account, ...profile })}`, s)
      if (verdict.decision === 'challenge') {
        return codes.begin(req, res, s, verdict, {
          kind: 'profile_update',
          email: account.email,
          data: profile,
          title: 'Your profile',
          what: 'this change of your profile',
        })
      }
      Object.assign(account, profile)
      save()
      page(res, 200, 'Your profile', `${notice('Your profile is saved.', 'ok')}${verdictPanel(verdict)}${accountPage(account)}`, s)
    },
  )
  codes.on('profile_update', {
    again: '/account/profile',
    finish(req, res, s, pending) {
      const account = accounts.get(pending.email)
      if (!account || s.email !== pending.email) return needLogin(res, s)
      Object.assign(account, pending.data)
      save()
      page(res, 200, 'Your profile', `${notice('Thank you: your profile is saved.', 'ok')}${accountPage(account)}`, s)
    },
  })

  // Password change.
  router.get('/account/password', (req, res) => {
    const s = sessionOf(req, res)
    if (!accounts.has(s.email)) return needLogin(res, s)
    page(res, 200, 'Change your password', passwordForm(), s)
  })

  router.post('/account/password', form, kenchi.guard('password_change', loggedIn), async (req, res) => {
    const verdict = req.kenchi
    remember(verdict)
    const s = sessionOf(req, res)
    const account = accounts.get(s.email)
    if (!account) return needLogin(res, s)
    const current = password(req.body?.['current-password'])
    const next = password(req.body?.['new-password'], 201)
    const currentOk = await checkPassword(account, current)
    if (verdict.decision === 'deny')
      return page(res, 403, 'Change your password', `${notice(CALM.deny)}${verdictPanel(verdict)}${passwordForm()}`, s)
    if (!currentOk) {
      // A wrong current password is a failed password check: LOGIN_FAILURES counts guesses
      // from a session someone else left open.
      await verifier.reportOutcome(verdict.eventId, 'login_failed').catch(() => {})
      return page(
        res,
        401,
        'Change your password',
        `${notice('Your current password is not right.')}${verdictPanel(verdict)}${passwordForm()}`,
        s,
      )
    }
    const problem = passwordProblem(next)
    if (problem) return page(res, 400, 'Change your password', `${notice(problem)}${passwordForm()}`, s)
    const hashed = await hashPassword(next)
    if (verdict.decision === 'challenge') {
      // The session keeps the new password's hash, never the password, until the code is right.
      return codes.begin(req, res, s, verdict, {
        kind: 'password_change',
        email: account.email,
        data: hashed,
        title: 'Change your password',
        what: 'this change of your password',
      })
    }
    await verifier.reportOutcome(verdict.eventId, 'login_succeeded').catch(() => {})
    Object.assign(account, hashed)
    save()
    endSessions(account.email, s) // other browsers logged in with the old password are logged out
    page(
      res,
      200,
      'Change your password',
      `${notice('Your password is changed. Use the new one next time you log in.', 'ok')}${verdictPanel(verdict)}`,
      s,
    )
  })
  codes.on('password_change', {
    again: '/account/password',
    finish(req, res, s, pending) {
      const account = accounts.get(pending.email)
      if (!account || s.email !== pending.email) return needLogin(res, s)
      Object.assign(account, pending.data)
      save()
      endSessions(account.email, s)
      page(res, 200, 'Change your password', notice('Thank you: your password is changed. Use the new one next time you log in.', 'ok'), s)
    },
  })

  // Password reset: ask for a link, open it, choose a new password. The answer is the same
  // for every address (the link goes only to accounts: see mail.mjs), and the verdict does
  // not get the account as `userId`, so nothing on the page depends on the account existing.
  router.get('/password/reset', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Reset your password', resetRequestForm(), s)
  })

  router.post(
    '/password/reset',
    form,
    kenchi.guard('password_reset', (req) => ({ email: normalEmail(req.body?.email) })),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const email = normalEmail(req.body?.email)
      if (verdict.decision === 'deny')
        return page(res, 403, 'Reset your password', `${notice(CALM.deny)}${verdictPanel(verdict)}${resetRequestForm()}`, s)
      if (!isEmail(email))
        return page(
          res,
          400,
          'Reset your password',
          `${notice('Please enter the e-mail address of your account.')}${resetRequestForm()}`,
          s,
        )
      // The same call for every address: the sender drops the mail when there is no account.
      const sent = await byEmail.send(req, { purpose: 'password_reset', to: email, data: { email }, verdict })
      if (!sent.ok) return page(res, 429, 'Reset your password', `${notice(CALM.busy)}${verdictPanel(verdict)}`, s)
      page(
        res,
        200,
        'Reset your password',
        `${notice(`If an account uses ${escape(email)}, we sent it a link to choose a new password (see the <a href="/mailbox">mailbox</a>). The link works once, for an hour.`, 'info')}${verdictPanel(verdict)}`,
        s,
      )
    },
  )
  byEmail.on('password_reset', (req, res, s, { data }) => {
    if (!accounts.has(data.email)) return page(res, 400, 'Link not valid', notice(CALM.link), s)
    renewSession(req, res) // the session that may now set the password gets a new id (no fixation)
    s.reset = { email: data.email, until: Date.now() + RESET_WINDOW_MS }
    page(res, 200, 'Choose a new password', newPasswordForm(), s)
  })

  router.post('/password/reset/new', form, async (req, res) => {
    const s = sessionOf(req, res)
    const reset = s.reset
    const account = reset && reset.until > Date.now() ? accounts.get(reset.email) : undefined
    if (!account) {
      delete s.reset
      return page(res, 400, 'Reset your password', `${notice('This page has expired. Please ask for a new link.')}${resetRequestForm()}`, s)
    }
    const next = password(req.body?.['new-password'], 201)
    const problem = passwordProblem(next)
    if (problem) return page(res, 400, 'Choose a new password', `${notice(problem)}${newPasswordForm()}`, s)
    Object.assign(account, await hashPassword(next))
    save()
    // Whoever was logged in with the old password (perhaps the reason for the reset) is logged out.
    endSessions(account.email, s)
    delete s.reset
    delete s.email
    delete s.pending
    page(res, 200, 'Password changed', `${notice('Your password is changed. Please log in with it.', 'ok')}${loginForm()}`, s)
  })

  return router
}

/** The profile fields of a form: trimmed, bounded, printable; `problem` says what is wrong. */
function readProfile(body) {
  /** @type {Record<keyof typeof PROFILE_FIELDS, string>} */
  const profile = /** @type {any} */ ({})
  let problem
  for (const [name, max] of Object.entries(PROFILE_FIELDS)) {
    const raw = body?.[name]
    profile[name] = text(raw, max)
    if (typeof raw === 'string' && (raw.trim().length > max || !printable(raw)))
      problem = `Please shorten the ${name} field to ${max} characters of plain text.`
  }
  if (!profile.name) problem ??= 'Please enter your name.'
  return { profile, problem }
}

function accountPage(account) {
  const line = (label, value) => `<dt>${label}</dt><dd>${value ? escape(value) : '<em>not given</em>'}</dd>`
  return `<h1>Your account</h1>
<dl class="profile">${line('Name', account.name)}${line('E-mail', account.email)}${line('Postcode', account.postcode)}${line('City', account.city)}${line('Address', account.address)}</dl>
<p><a href="/account/profile">Change your profile</a> · <a href="/account/password">Change your password</a> · <a href="/cart">Your cart</a></p>`
}

function profileForm(account) {
  const value = (name) => escape(account[name] ?? '')
  return `<h1>Your profile</h1>
<form method="post" action="/account/profile" data-kenchi-action="profile_update">
  <label>Name <input name="name" autocomplete="name" required maxlength="60" value="${value('name')}"></label>
  <label>Postcode <input name="postcode" autocomplete="postal-code" maxlength="10" value="${value('postcode')}"></label>
  <label>City <input name="city" autocomplete="address-level2" maxlength="60" value="${value('city')}"></label>
  <label>Address <input name="address" autocomplete="street-address" maxlength="120" value="${value('address')}"></label>
  <button type="submit">Save</button>
</form>`
}

function passwordForm() {
  return `<h1>Change your password</h1>
<form method="post" action="/account/password" data-kenchi-action="password_change">
  <label>Current password <input type="password" name="current-password" autocomplete="current-password" required></label>
  <label>New password <input type="password" name="new-password" autocomplete="new-password" minlength="8" maxlength="200" required></label>
  <button type="submit">Change password</button>
</form>`
}

function resetRequestForm() {
  return `<h1>Reset your password</h1>
<p>Enter the e-mail address of your account: we will send it a link to choose a new password.</p>
<form method="post" action="/password/reset" data-kenchi-action="password_reset">
  <label>E-mail <input type="email" name="email" autocomplete="email" required maxlength="254"></label>
  <button type="submit">Send the link</button>
</form>`
}

function newPasswordForm() {
  return `<h1>Choose a new password</h1>
<form method="post" action="/password/reset/new">
  <label>New password <input type="password" name="new-password" autocomplete="new-password" minlength="8" maxlength="200" required></label>
  <button type="submit">Save the new password</button>
</form>`
}
