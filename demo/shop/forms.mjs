// The forms anyone may send: inquiry (action `inquiry`), newsletter sign-up (action
// `newsletter`, always double opt-in) and restock alert (action `restock`). None needs an
// account (a logged-in customer is passed as `userId` all the same), so a `challenge` is
// answered with a confirmation link by e-mail instead of a code: the form's request is
// carried out when the link is opened. deny: a calm refusal.
import express from 'express'
import { escape, notice, verdictPanel } from '../lib/html.mjs'
import { normalEmail } from '../lib/accounts.mjs'
import { isEmail, printable, text } from '../lib/input.mjs'
import { CALM } from './pages.mjs'

/** Denied strings of the demo's content rule (docs/rules.md, contentRule): try one in an inquiry. */
export const DENIED_WORDS = ['casino', 'viagra', 'crypto giveaway', '副業']

/** Bounded in-memory lists: what the shop would store in its own database. */
const MAX_KEPT = 1000
const keep = (list, item) => {
  list.push(item)
  if (list.length > MAX_KEPT) list.shift()
}

/**
 * @typedef {{ status: number, kind: 'accepted' | 'confirm' | 'refused' | 'busy' | 'invalid', message: string }} Answer
 * A form's answer, for the route to render as a page or as JSON. `message` is plain text.
 */

/**
 * The customer experience of a form anyone may send. allow: `accept(data)` now;
 * challenge (or `confirmAlways`, a newsletter's double opt-in): a link by e-mail, and
 * `accept(data)` when it is opened; deny: a calm refusal.
 * @param {import('./routes.mjs').ShopContext} shop
 * @returns {Promise<Answer>}
 */
export async function answerForm(shop, req, verdict, { purpose, email, data, accept, confirmAlways = false }) {
  if (verdict.decision === 'deny') return { status: 403, kind: 'refused', message: CALM.deny }
  if (verdict.decision === 'challenge' || confirmAlways) {
    const sent = await shop.byEmail.send(req, { purpose, to: email, data, verdict })
    if (!sent.ok) return { status: 429, kind: 'busy', message: CALM.busy }
    return {
      status: 202,
      kind: 'confirm',
      message: `Almost done: please confirm with the link we sent to ${email}. It works once, for an hour.`,
    }
  }
  return accept(data)
}

/** An answer as page content: the notice (with a mailbox link when a mail went out) and the verdict. */
export function answerHtml(answer, verdict) {
  const kind = answer.kind === 'accepted' ? 'ok' : answer.kind === 'confirm' ? 'info' : 'error'
  const mailbox = answer.kind === 'confirm' ? ' (See the <a href="/mailbox">mailbox</a>.)' : ''
  return `${notice(`${escape(answer.message)}${mailbox}`, kind)}${verdict ? verdictPanel(verdict) : ''}`
}

/** @param {import('./routes.mjs').ShopContext} shop */
export function createForms(shop) {
  const { kenchi, accounts, sessionOf, sessionFromCookie, page, remember, form, byEmail, catalogue } = shop
  const router = express.Router()
  /** @type {Array<{ at: number, email: string, name: string, message: string }>} */
  const inquiries = []
  /** @type {Set<string>} */
  const subscribers = new Set()
  /** @type {Array<{ at: number, email: string, product: string }>} */
  const restockAlerts = []
  const customer = (req) => {
    const email = sessionFromCookie(req)?.email
    return email && accounts.has(email) ? { userId: email } : {}
  }
  /** The form's address; a logged-in customer's form comes filled in with the address on file. */
  const emailOf = (req) => normalEmail(req.body?.email)
  /** Registers what the confirmation link does, and renders it. */
  const onConfirmed = (purpose, title, accept) =>
    byEmail.on(purpose, (req, res, s, entry) => {
      const answer = accept(entry.data)
      page(res, answer.status, title, answerHtml(answer), s)
    })

  // Inquiry (contact form).
  const acceptInquiry = (data) => {
    keep(inquiries, { at: Date.now(), ...data })
    return {
      status: 200,
      kind: 'accepted',
      message: `Thank you, ${data.name}: we received your message and will answer ${data.email} soon.`,
    }
  }
  onConfirmed('inquiry', 'Contact us', acceptInquiry)
  router.get('/contact', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Contact us', inquiryForm(accounts.get(s.email)), s)
  })
  router.post(
    '/contact',
    form,
    kenchi.guard('inquiry', (req) => ({
      ...customer(req),
      email: emailOf(req),
      fields: { name: text(req.body?.name, 60), message: text(req.body?.message, 2000) },
    })),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const email = emailOf(req)
      const name = text(req.body?.name, 60)
      const message = text(req.body?.message, 2000)
      const tooLong = typeof req.body?.message === 'string' && req.body.message.trim().length > 2000
      const answer =
        verdict.decision !== 'deny' && (!isEmail(email) || !name || !message || tooLong || !printable(name) || !printable(message, true))
          ? invalid('Please enter your name, your e-mail address and a message of at most 2,000 characters.')
          : await answerForm(shop, req, verdict, { purpose: 'inquiry', email, data: { email, name, message }, accept: acceptInquiry })
      page(
        res,
        answer.status,
        'Contact us',
        `${answerHtml(answer, verdict)}${answer.kind === 'accepted' || answer.kind === 'confirm' ? '' : inquiryForm(accounts.get(s.email))}`,
        s,
      )
    },
  )

  // Newsletter: always double opt-in; the link subscribes.
  const acceptNewsletter = ({ email }) => {
    subscribers.add(email)
    return { status: 200, kind: 'accepted', message: `Thank you: ${email} is subscribed to our newsletter.` }
  }
  onConfirmed('newsletter', 'Newsletter', acceptNewsletter)
  router.get('/newsletter', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Newsletter', newsletterForm(s.email), s)
  })
  router.post(
    '/newsletter',
    form,
    kenchi.guard('newsletter', (req) => ({ ...customer(req), email: emailOf(req) })),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const email = emailOf(req)
      const answer =
        verdict.decision !== 'deny' && !isEmail(email)
          ? invalid('Please enter your e-mail address.')
          : await answerForm(shop, req, verdict, {
              purpose: 'newsletter',
              email,
              data: { email },
              accept: acceptNewsletter,
              confirmAlways: true,
            })
      page(res, answer.status, 'Newsletter', `${answerHtml(answer, verdict)}${answer.kind === 'confirm' ? '' : newsletterForm(s.email)}`, s)
    },
  )

  // Restock alert, from the out-of-stock product on the home page (and the quick shop).
  const acceptRestock = ({ email, product }) => {
    keep(restockAlerts, { at: Date.now(), email, product })
    const name = catalogue.get(product)?.name ?? product
    return { status: 200, kind: 'accepted', message: `We will e-mail ${email} when the ${name} is back in stock.` }
  }
  onConfirmed('restock', 'Restock alert', acceptRestock)
  /**
   * A restock request from a page or the quick shop.
   * @returns {Promise<Answer>}
   */
  async function restock(req, verdict) {
    const email = emailOf(req)
    const product = catalogue.get(req.body?.product)
    if (verdict.decision !== 'deny') {
      if (!product || !isEmail(email)) return invalid('Please enter your e-mail address for a product.')
      if (product.stock > 0) return invalid(`Good news: the ${product.name} is in stock.`)
    }
    return answerForm(shop, req, verdict, { purpose: 'restock', email, data: { email, product: product?.id }, accept: acceptRestock })
  }
  router.post(
    '/restock',
    form,
    kenchi.guard('restock', (req) => ({ ...customer(req), email: emailOf(req) })),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      const answer = await restock(req, verdict)
      page(res, answer.status, 'Restock alert', `${answerHtml(answer, verdict)}<p><a href="/">Back to the shop</a></p>`, s)
    },
  )

  return { router, restock }
}

/** @returns {Answer} */
const invalid = (message) => ({ status: 400, kind: 'invalid', message })

function inquiryForm(account) {
  return `<h1>Contact us</h1>
<form method="post" action="/contact" data-kenchi-action="inquiry">
  <label>Name <input name="name" autocomplete="name" required maxlength="60" value="${escape(account?.name ?? '')}"></label>
  <label>E-mail <input type="email" name="email" autocomplete="email" required maxlength="254" value="${escape(account?.email ?? '')}"></label>
  <label>Message <textarea name="message" rows="6" required maxlength="2000"></textarea></label>
  <button type="submit">Send</button>
</form>
<p><small>The demo's content rule is on: a message with a denied word such as "casino", a link or a random string raises the score.</small></p>`
}

function newsletterForm(email) {
  const field = `<label>E-mail <input type="email" name="email" autocomplete="email" required maxlength="254" value="${escape(email ?? '')}"></label>`
  return `<h1>Newsletter</h1>
<p>News and restocks, once a month. We send a link to confirm the address first (double opt-in).</p>
<form method="post" action="/newsletter" data-kenchi-action="newsletter">
  ${field}
  <button type="submit">Subscribe</button>
</form>`
}
