// The quick shop at /spa: a single-page storefront that uses the npm import of
// @kenchi/client (demo/spa/main.js, bundled by the root rollup.config.mjs into
// demo/dist/spa.js and served at /assets/spa.js) instead of the script tag. The page draws
// the products from GET /spa/api/products; its forms send JSON with a Kenchi token
// (`kenchiToken`, from `createKenchi().token(action)`) to two routes guarded by
// `kenchi.guard`, which answer JSON:
//
//   POST /spa/api/buy      { product, quantity, email }  action `checkout`
//   POST /spa/api/restock  { product, email }            action `restock`
//
// Answers: `{ status: 'accepted' | 'confirm' | 'refused' | 'busy' | 'invalid', message, verdict }`
// (`verdict` only for the demo's panel). A logged-in customer buys as themselves (`userId`,
// the address on file); anyone else gives an e-mail address. challenge: a confirmation
// link by e-mail (purpose `guest_checkout`); the order is placed when it is opened.
import { fileURLToPath } from 'node:url'
import express from 'express'
import { normalEmail } from '../lib/accounts.mjs'
import { layout, notice } from '../lib/html.mjs'
import { isEmail } from '../lib/input.mjs'
import { quantityOf, yen } from './catalogue.mjs'
import { answerForm, answerHtml } from './forms.mjs'

const BUNDLE_DIR = fileURLToPath(new URL('../dist/', import.meta.url))
const SCRIPT = '<script type="module" src="/assets/spa.js"></script>'

/** What the page's verdict panel shows; a real shop would not send this to the browser. */
const verdictSummary = (v) => ({
  decision: v.decision,
  score: v.score,
  eventId: v.eventId,
  reasons: v.reasons.map((r) => ({ code: r.code, weight: r.weight })),
  device: v.device ? { id: v.device.id, known: v.device.known, status: v.device.status } : null,
})

/**
 * @param {import('./routes.mjs').ShopContext} shop
 * @param {ReturnType<typeof import('./forms.mjs').createForms>} forms
 */
export function spaRouter(shop, forms) {
  const { verifier, kenchi, accounts, sessionOf, sessionFromCookie, page, remember, byEmail, catalogue, sameOrigin } = shop
  const router = express.Router()
  const json = [sameOrigin, express.json({ limit: '16kb' })]
  const accountOf = (req) => {
    const email = sessionFromCookie(req)?.email
    return email ? accounts.get(email) : undefined
  }

  router.use('/assets', express.static(BUNDLE_DIR, { index: false, redirect: false }))

  router.get('/spa', (req, res) => {
    const s = sessionOf(req, res)
    const body = `<h1>Quick shop</h1>
<p>A single-page storefront: the products below are drawn in the browser from
<code>/spa/api/products</code>, and each form sends JSON with a token from the npm import of
<code>@kenchi/client</code> (<code>createKenchi().token(action)</code>), bundled by the
project's build into <code>/assets/spa.js</code>. No script tag on this page.</p>
<div id="spa" data-customer="${s.email ? 'yes' : ''}"><p>Loading the products…</p></div>
<p id="spa-status" role="status"></p>
<div id="spa-verdict"></div>
<noscript>${notice('The quick shop needs JavaScript; the <a href="/">shop</a> works without.', 'info')}</noscript>`
    res
      .status(200)
      .type('html')
      .send(layout('Quick shop', body, SCRIPT, s))
  })

  router.get('/spa/api/products', (req, res) => {
    const account = accountOf(req)
    res.json({
      customer: account ? { name: account.name, email: account.email } : null,
      products: catalogue.list().map(({ id, name, blurb, price, stock }) => ({ id, name, blurb, price, priceText: yen(price), stock })),
    })
  })

  const buyRequest = (req) => {
    const account = accountOf(req)
    const product = catalogue.get(req.body?.product)
    const quantity = quantityOf(req.body?.quantity)
    const email = account ? account.email : normalEmail(req.body?.email)
    return { account, product, quantity, email, amount: product && quantity ? product.price * quantity : 0 }
  }

  router.post(
    '/spa/api/buy',
    json,
    kenchi.guard('checkout', (req) => {
      const { account, email, amount } = buyRequest(req)
      return { ...(account ? { userId: account.email } : {}), email, fields: { amount } }
    }),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const { product, quantity, email, amount } = buyRequest(req)
      const reply = (answer) => res.status(answer.status).json({ ...answer, verdict: verdictSummary(verdict) })
      if (verdict.decision === 'deny') {
        await verifier.reportOutcome(verdict.eventId, 'order_declined').catch(() => {})
      } else if (!product || !quantity || !isEmail(email)) {
        return reply({
          status: 400,
          kind: 'invalid',
          message: 'Please choose a product, a quantity from 1 to 10 and give your e-mail address.',
        })
      } else if (product.stock < quantity) {
        return reply({
          status: 409,
          kind: 'invalid',
          message: product.stock ? `Sorry, only ${product.stock} left.` : `Sorry, the ${product.name} is out of stock.`,
        })
      }
      const cart = product && quantity ? { [product.id]: quantity } : {}
      const answer = await answerForm(shop, req, verdict, {
        purpose: 'guest_checkout',
        email,
        data: { cart, eventId: verdict.eventId },
        accept: (data) => placeOrder(data),
      })
      if (answer.kind === 'confirm')
        answer.message = `Almost done: please confirm your order of ${yen(amount)} with the link we sent to ${email}.`
      reply(answer)
    },
  )

  /** Places a quick-shop order (one product): takes it out of stock and reports `order_accepted`. */
  async function placeOrder({ cart, eventId }) {
    const { lines, total } = catalogue.price(cart)
    if (!catalogue.take(cart)) return { status: 409, kind: 'invalid', message: 'Sorry, this item sold out meanwhile.' }
    await verifier.reportOutcome(eventId, 'order_accepted').catch(() => {})
    const what = lines.map((l) => `${l.quantity} × ${l.product.name}`).join(', ')
    return {
      status: 200,
      kind: 'accepted',
      message: `Thank you: your (simulated) order of ${what}, ${yen(total)}, is accepted. No card was charged.`,
    }
  }
  byEmail.on('guest_checkout', async (req, res, s, entry) => {
    const answer = await placeOrder(entry.data)
    page(res, answer.status, 'Quick shop', `${answerHtml(answer)}<p><a href="/spa">Back to the quick shop</a></p>`, s)
  })

  router.post(
    '/spa/api/restock',
    json,
    kenchi.guard('restock', (req) => {
      const account = accountOf(req)
      return { ...(account ? { userId: account.email } : {}), email: normalEmail(req.body?.email) }
    }),
    async (req, res) => {
      const verdict = req.kenchi
      remember(verdict)
      const answer = await forms.restock(req, verdict)
      res.status(answer.status).json({ ...answer, verdict: verdictSummary(verdict) })
    },
  )

  return router
}
