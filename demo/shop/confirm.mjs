// Confirmation by e-mail link, for forms anyone may send (registration, inquiry, newsletter,
// restock alert, the quick shop's guest order) and for password reset. `send()` keeps what
// was asked for under a random reference and mails a signed, expiring, single-use link
// (`createConfirmations` from @kenchi/server); GET /confirm?token=... checks the link and
// runs the finisher registered for its purpose. When the form's verdict was `challenge`,
// opening the link is the passed challenge: `challenge_passed` is reported on that event.
import { randomUUID } from 'node:crypto'
import { notice } from '../lib/html.mjs'
import { CALM } from './pages.mjs'

/** Pending confirmations kept in memory; the oldest go first (a restart forgets them all). */
const MAX_PENDING = 5000

/**
 * @typedef {{ purpose: string, data: any, eventId?: string, challenged: boolean }} Entry
 * @typedef {(req: any, res: any, session: Record<string, any>, entry: Entry) => unknown} Finisher
 */

/** @param {import('../app.mjs').DemoContext} ctx */
export function createEmailConfirm({ confirmations, verifier, sessionOf, page }) {
  /** @type {Map<string, Entry>} */
  const pending = new Map()
  /** @type {Map<string, Finisher>} */
  const finishers = new Map()

  return {
    /** What opening a link for `purpose` finishes. @param {string} purpose @param {Finisher} finish */
    on(purpose, finish) {
      finishers.set(purpose, finish)
    },

    /**
     * Mails a confirmation link for `purpose` to `to`. Resolves the confirmations' answer:
     * `{ ok: true, expiresAt }`, or `{ ok: false, code }` (`CONFIRM_RATE_LIMITED` when the
     * address or the IP asked too often, `CONFIRM_INPUT_INVALID` for an empty address).
     * @param {any} req @param {{ purpose: string, to: string, data: any, verdict?: import('@kenchi/server').Verdict }} request
     */
    async send(req, { purpose, to, data, verdict }) {
      const ref = randomUUID()
      const sent = await confirmations.send({ purpose, ref, to, ip: req.ip })
      if (sent.ok) {
        if (pending.size >= MAX_PENDING) pending.delete(/** @type {string} */ (pending.keys().next().value))
        pending.set(ref, { purpose, data, eventId: verdict?.eventId, challenged: verdict?.decision === 'challenge' })
      }
      return sent
    },

    /** GET /confirm?token=...: a forged, altered, expired or used link gets one calm answer. */
    async route(req, res) {
      const s = sessionOf(req, res)
      const result = await confirmations.confirmLink(req.query?.token)
      const entry = result.ok ? pending.get(result.ref) : undefined
      if (!result.ok || !entry) {
        const code = result.ok ? 'CONFIRM_EXPIRED' : result.code
        return page(
          res,
          400,
          'Link not valid',
          `${notice(CALM.link)}<p><small>(<code>${code}</code>)</small></p><p><a href="/">Back to the shop</a></p>`,
          s,
        )
      }
      pending.delete(result.ref)
      if (entry.challenged && entry.eventId) await verifier.reportOutcome(entry.eventId, 'challenge_passed').catch(() => {})
      const finish = finishers.get(entry.purpose)
      if (!finish) return page(res, 400, 'Link not valid', notice(CALM.link), s)
      return finish(req, res, s, entry)
    },
  }
}
