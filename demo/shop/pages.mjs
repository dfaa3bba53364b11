// The shop's shared page bodies: home (the catalogue), log in, register, the code step.
// Forms use plain, stable field names (`email`, `password`, ...; docs/demo.md lists them all)
// so integrators and automated tests find them; `data-kenchi-action` makes the script tag
// add a token.
import { SEEDED_ACCOUNTS } from '../lib/accounts.mjs'
import { escape } from '../lib/html.mjs'
import { yen } from './catalogue.mjs'

export const seededList = () =>
  `<p class="seeded">Demo accounts: ${SEEDED_ACCOUNTS.map((a) => `<code>${escape(a.email)}</code> / <code>${escape(a.password)}</code>`).join(', ')}.</p>`

/** The calm answers: the same words whatever Kenchi found, so a refused bot learns nothing. */
export const CALM = {
  deny: 'We could not do this right now. Please try again later or contact us.',
  busy: 'We could not send the e-mail right now. Please try again later.',
  link: 'This link does not work any more: it may have been used already or have expired. Please start again.',
}

/**
 * @param {Record<string, any>} session
 * @param {import('./catalogue.mjs').Product[]} products
 */
export function homePage(session, products) {
  return `<h1>Kenchi demo shop</h1>
<p>A small shop protected by Kenchi. Every form carries a Kenchi token; the server's
<code>verify()</code> decides <span class="allow">allow</span> (you notice nothing),
<span class="challenge">challenge</span> (a code or a link by e-mail, delivered to the
<a href="/mailbox">mailbox</a>) or <span class="deny">deny</span> (a calm "please try again
later"), and for the demo each result page shows the verdict.</p>
<h2>Products</h2>
<ul class="products">${products.map((p) => productCard(p, session.email)).join('')}</ul>
<h2>Try every touchpoint</h2>
<ul class="touchpoints">
<li><a href="/login">Log in</a> (a new browser for a known account is asked for a code) · <a href="/password/reset">forgot your password?</a></li>
<li><a href="/register">Register</a> a new account</li>
<li><a href="/account">Your account</a>: change your <a href="/account/profile">profile</a> or <a href="/account/password">password</a></li>
<li><a href="/cart">Cart</a> and <a href="/checkout">checkout</a> with a simulated card</li>
<li><a href="/contact">Contact us</a>, <a href="/newsletter">newsletter</a> (double opt-in), a restock alert for the teapot above</li>
<li><a href="/spa">Quick shop</a>: a single-page storefront using the npm import of <code>@kenchi/client</code></li>
<li><a href="/admin">Admin</a>: recent events (the password is printed where the demo was started)</li></ul>
${session.email ? '' : seededList()}`
}

function productCard(p, email = '') {
  const id = escape(p.id)
  const buy =
    p.stock > 0
      ? `<p class="price">${yen(p.price)} · ${p.stock} in stock</p>
<form method="post" action="/cart/add" class="add">
  <input type="hidden" name="product" value="${id}">
  <label>Quantity <input type="number" name="quantity" value="1" min="1" max="10" required></label>
  <button type="submit">Add to cart</button>
</form>`
      : `<p class="price">${yen(p.price)} · <strong>out of stock</strong></p>
<form method="post" action="/restock" data-kenchi-action="restock" class="restock">
  <input type="hidden" name="product" value="${id}">
  <label>E-mail me when it is back <input type="email" name="email" autocomplete="email" required maxlength="254" value="${escape(email)}"></label>
  <button type="submit">Notify me</button>
</form>`
  return `<li class="product" id="product-${id}"><h3>${escape(p.name)}</h3><p>${escape(p.blurb)}</p>${buy}</li>`
}

export function loginForm() {
  return `<h1>Log in</h1>
<form method="post" action="/login" data-kenchi-action="login">
  <label>E-mail <input type="email" name="email" autocomplete="username" required></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>
${seededList()}
<p>No account? <a href="/register">Register</a>. <a href="/password/reset">Forgot your password?</a></p>`
}

/** The code form of the e-mail code step; login posts to /login/code, account changes and checkout to /code. */
export function codeForm(action = '/login/code') {
  return `<form method="post" action="${escape(action)}">
  <label>Code from the e-mail we sent you <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="10" required></label>
  <button type="submit">Confirm</button>
</form>`
}

export function registerForm() {
  return `<h1>Register</h1>
<form method="post" action="/register" data-kenchi-action="register">
  <label>Name <input name="name" autocomplete="name" required maxlength="60"></label>
  <label>E-mail <input type="email" name="email" autocomplete="email" required></label>
  <label>Password <input type="password" name="password" autocomplete="new-password" minlength="8" required></label>
  <button type="submit">Create account</button>
</form>`
}
