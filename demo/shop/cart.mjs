// Cart and checkout. The cart lives in the session (`{ [productId]: quantity }`); adding to
// it is not a protected touchpoint. Checkout (action `checkout`, logged-in customers, the
// customer as `userId` and the cart total as `fields.amount`) takes a simulated card whose
// fields are never read, logged or stored. allow: the order is placed (`order_accepted`);
// challenge: the e-mail code first; deny: a calm refusal (`order_declined`).
import express from 'express'
import { escape, notice, verdictPanel } from '../lib/html.mjs'
import { MAX_QUANTITY, quantityOf, yen } from './catalogue.mjs'
import { loginForm } from './pages.mjs'

/** @param {import('./routes.mjs').ShopContext} shop */
export function cartRouter(shop) {
  const { verifier, kenchi, accounts, sessionOf, sessionFromCookie, page, remember, form, codes, catalogue } = shop
  const router = express.Router()

  router.get('/cart', (req, res) => {
    const s = sessionOf(req, res)
    page(res, 200, 'Your cart', cartPage(catalogue.price(s.cart)), s)
  })

  router.post('/cart/add', form, (req, res) => {
    const s = sessionOf(req, res)
    const product = catalogue.get(req.body?.product)
    const quantity = quantityOf(req.body?.quantity)
    if (!product || !quantity)
      return page(
        res,
        400,
        'Your cart',
        `${notice(`Please choose a product and a quantity from 1 to ${MAX_QUANTITY}.`)}<p><a href="/">Back to the shop</a></p>`,
        s,
      )
    if (product.stock === 0)
      return page(
        res,
        409,
        'Your cart',
        `${notice(`Sorry, the ${escape(product.name)} is out of stock.`)}<p><a href="/#product-${escape(product.id)}">Ask for a restock alert</a></p>`,
        s,
      )
    s.cart ??= {}
    s.cart[product.id] = Math.min((s.cart[product.id] ?? 0) + quantity, MAX_QUANTITY, product.stock)
    res.redirect(303, '/cart')
  })

  router.post('/cart/remove', form, (req, res) => {
    const s = sessionOf(req, res)
    const product = catalogue.get(req.body?.product)
    if (product && s.cart) delete s.cart[product.id]
    res.redirect(303, '/cart')
  })

  router.get('/checkout', (req, res) => {
    const s = sessionOf(req, res)
    if (!s.email) return page(res, 401, 'Checkout', `${notice('Please log in first.')}${loginForm()}`, s)
    const order = catalogue.price(s.cart)
    if (order.lines.length === 0)
      return page(res, 200, 'Checkout', `${notice('Your cart is empty.', 'info')}<p><a href="/">Choose something in the shop</a></p>`, s)
    page(res, 200, 'Checkout', checkoutForm(order), s)
  })

  router.post(
    '/checkout',
    form,
    kenchi.guard('checkout', (req) => {
      const s = sessionFromCookie(req)
      const email = s?.email
      return email && accounts.has(email) ? { userId: email, email, fields: { amount: catalogue.price(s.cart).total } } : {}
    }),
    async (req, res) => {
      // The card fields are never read, logged or stored: this checkout is simulated.
      const verdict = req.kenchi
      remember(verdict)
      const s = sessionOf(req, res)
      if (!s.email) return page(res, 401, 'Checkout', `${notice('Please log in first.')}${loginForm()}`, s)
      const order = catalogue.price(s.cart)
      if (verdict.decision === 'deny') {
        await verifier.reportOutcome(verdict.eventId, 'order_declined').catch(() => {})
        return page(
          res,
          403,
          'Checkout',
          `${notice('We could not accept this order right now. Please try again later or contact us.')}${verdictPanel(verdict)}`,
          s,
        )
      }
      if (order.lines.length === 0)
        return page(res, 400, 'Checkout', `${notice('Your cart is empty.')}<p><a href="/">Choose something in the shop</a></p>`, s)
      if (verdict.decision === 'challenge') {
        return codes.begin(req, res, s, verdict, {
          kind: 'checkout',
          email: s.email,
          data: { cart: { ...s.cart }, eventId: verdict.eventId },
          title: 'Checkout',
          what: `this order of ${yen(order.total)}`,
        })
      }
      await place(res, s, { cart: s.cart, eventId: verdict.eventId }, verdictPanel(verdict))
    },
  )
  codes.on('checkout', {
    again: '/cart',
    finish: (req, res, s, pending) => place(res, s, pending.data),
  })

  /** Takes the items out of stock and empties the cart, or says what sold out meanwhile. */
  async function place(res, s, { cart, eventId }, panel = '') {
    const order = catalogue.price(cart)
    if (!catalogue.take(cart)) {
      return page(
        res,
        409,
        'Checkout',
        `${notice('Sorry, some items sold out meanwhile. Please check your cart.')}${panel}<p><a href="/cart">Your cart</a></p>`,
        s,
      )
    }
    await verifier.reportOutcome(eventId, 'order_accepted').catch(() => {})
    s.cart = {}
    page(
      res,
      200,
      'Thank you',
      `${notice(`Thank you: your (simulated) order is accepted, ${yen(order.total)} in all. No card was charged.`, 'ok')}${panel}${orderTable(order)}`,
      s,
    )
  }

  return router
}

function orderTable({ lines, total }, removable = false) {
  const rows = lines
    .map(
      (l) =>
        `<tr><td>${escape(l.product.name)}</td><td class="num">${l.quantity}</td><td class="num">${yen(l.amount)}</td>${
          removable
            ? `<td><form method="post" action="/cart/remove" class="inline"><input type="hidden" name="product" value="${escape(l.product.id)}"><button type="submit" aria-label="Remove ${escape(l.product.name)}">Remove</button></form></td>`
            : ''
        }</tr>`,
    )
    .join('')
  return `<table class="order"><thead><tr><th scope="col">Product</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Amount</th>${removable ? '<td></td>' : ''}</tr></thead>
<tbody>${rows}</tbody><tfoot><tr><th scope="row" colspan="2">Total</th><td class="num" id="total">${yen(total)}</td>${removable ? '<td></td>' : ''}</tr></tfoot></table>`
}

function cartPage(order) {
  if (order.lines.length === 0) return `<h1>Your cart</h1><p>Your cart is empty. <a href="/">Choose something in the shop</a>.</p>`
  return `<h1>Your cart</h1>${orderTable(order, true)}<p><a href="/checkout" class="button">Go to checkout</a> · <a href="/">Keep shopping</a></p>`
}

function checkoutForm(order) {
  return `<h1>Checkout</h1>
${orderTable(order)}
<p>The card is simulated: type any test number such as <code>4242 4242 4242 4242</code>,
never a real card. The fields are not read or stored.</p>
<form method="post" action="/checkout" data-kenchi-action="checkout">
  <label>Name on card <input name="card-name" autocomplete="off" required></label>
  <label>Card number <input name="card-number" inputmode="numeric" autocomplete="off" required></label>
  <label>Expiry (MM/YY) <input name="card-expiry" autocomplete="off" required></label>
  <label>CVC <input name="card-cvc" inputmode="numeric" autocomplete="off" required></label>
  <button type="submit">Place order · ${yen(order.total)}</button>
</form>`
}
