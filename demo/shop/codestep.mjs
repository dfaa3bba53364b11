// The e-mail code step on `challenge`, one for every form of a known customer: login,
// password change, profile change and checkout. `begin()` sends a 6-digit code to the
// address on file (`stepUp.start` from @kenchi/server) and keeps what was asked for in the
// session; a right code (`stepUp.check`, which reports `challenge_passed` and so trusts the
// device) runs the finisher registered for that kind. Login's form posts to /login/code,
// the others to /code.
import { notice, verdictPanel } from '../lib/html.mjs'
import { text } from '../lib/input.mjs'
import { codeForm } from './pages.mjs'

/** Step-up answers after which this code step cannot pass any more. */
const FINISHED = new Set([
  'STEP_UP_TOO_MANY_ATTEMPTS',
  'STEP_UP_USED',
  'STEP_UP_EXPIRED',
  'STEP_UP_EVENT_UNKNOWN',
  'STEP_UP_NOT_STARTED',
  'STEP_UP_NOT_ALLOWED',
  'STEP_UP_MISMATCH',
])

/**
 * @typedef {{ kind: string, eventId: string, email: string, data?: any }} Pending
 * @typedef {(req: any, res: any, session: Record<string, any>, pending: Pending) => unknown} Finisher
 */

/** @param {import('../app.mjs').DemoContext} ctx */
export function createCodeStep({ stepUp, sessionOf, page }) {
  /** @type {Map<string, { finish: Finisher, again: string }>} */
  const kinds = new Map()
  const formAction = (kind) => (kind === 'login' ? '/login/code' : '/code')

  return {
    /**
     * What a right code finishes for `kind`, and where to start again when the code cannot pass.
     * @param {string} kind @param {{ finish: Finisher, again: string }} handler
     */
    on(kind, handler) {
      kinds.set(kind, handler)
    },

    /**
     * Sends the code for a challenged verdict to `email` (the address on file, never one from
     * the request) and shows the code form. `data` is what the finisher needs (e.g. the new
     * profile), kept in the server-side session.
     */
    async begin(req, res, session, verdict, { kind, email, data, title, what = 'this change' }) {
      const started = await stepUp.start({ eventId: verdict.eventId, userId: email, to: email, ip: req.ip })
      if (!started.ok) {
        return page(
          res,
          429,
          title,
          `${notice('We could not send a code right now. Please try again later.')}${verdictPanel(verdict)}`,
          session,
        )
      }
      session.pending = { kind, eventId: verdict.eventId, email, data }
      const mailbox = '(see the <a href="/mailbox">mailbox</a>)'
      const message =
        kind === 'login'
          ? `To keep your account safe, we sent a 6-digit code to your e-mail address ${mailbox}.`
          : `To keep your account safe, please confirm ${what} with the 6-digit code we sent to your e-mail address ${mailbox}.`
      page(res, 200, 'Confirm it is you', `${notice(message, 'info')}${verdictPanel(verdict)}${codeForm(formAction(kind))}`, session)
    },

    /** The route handler of both code forms. */
    async check(req, res) {
      const s = sessionOf(req, res)
      /** @type {Pending | undefined} */
      const pending = s.pending
      const loginRoute = req.path === '/login/code'
      if (!pending || (pending.kind === 'login') !== loginRoute || !kinds.has(pending.kind))
        return res.redirect(303, loginRoute ? '/login' : '/account')
      const { finish, again } = /** @type {{ finish: Finisher, again: string }} */ (kinds.get(pending.kind))
      const result = await stepUp.check({ eventId: pending.eventId, userId: pending.email, code: text(req.body?.code, 32), ip: req.ip })
      if (result.ok) {
        delete s.pending
        return finish(req, res, s, pending)
      }
      if (FINISHED.has(result.code)) {
        delete s.pending
        const what = pending.kind === 'login' ? 'Please log in again' : 'Nothing was changed; please start again'
        return page(
          res,
          400,
          'Code not accepted',
          `${notice(`That code can no longer be used. ${what}.`)}<p><a href="${again}">Start again</a></p>`,
          s,
        )
      }
      if (result.code === 'STEP_UP_RATE_LIMITED') {
        return page(
          res,
          429,
          'Confirm it is you',
          `${notice('Too many attempts. Please wait a while and try again.')}${codeForm(formAction(pending.kind))}`,
          s,
        )
      }
      const left = result.attemptsLeft !== undefined ? ` ${result.attemptsLeft} attempts left.` : ''
      page(res, 400, 'Confirm it is you', `${notice(`That code is not right.${left}`)}${codeForm(formAction(pending.kind))}`, s)
    },
  }
}
