// The shop's page bodies. Forms use plain, stable field names (`email`, `password`, ...) so
// integrators and automated tests find them; `data-kenchi-action` makes the script tag add a token.
import { SEEDED_ACCOUNTS } from '../lib/accounts.mjs'
import { escape } from '../lib/html.mjs'

export const seededList = () =>
  `<p class="seeded">Demo accounts: ${SEEDED_ACCOUNTS.map((a) => `<code>${escape(a.email)}</code> / <code>${escape(a.password)}</code>`).join(', ')}.</p>`

export function homePage(session) {
  return `<h1>Kenchi demo shop</h1>
<p>A small shop protected by Kenchi. Every form below carries a Kenchi token; the server's
<code>verify()</code> decides <span class="allow">allow</span>, <span class="challenge">challenge</span>
(an e-mail code, delivered to the <a href="/mailbox">mailbox</a>) or <span class="deny">deny</span>, and
each page shows the verdict.</p>
<ul><li><a href="/login">Log in</a> (a new browser for a known account is asked for a code)</li>
<li><a href="/register">Register</a> a new account</li>
<li><a href="/checkout">Checkout</a> with a simulated card</li>
<li><a href="/admin">Admin</a>: recent events (the password is printed where the demo was started)</li></ul>
${session.email ? '' : loginForm()}`
}

export function loginForm() {
  return `<h1>Log in</h1>
<form method="post" action="/login" data-kenchi-action="login">
  <label>E-mail <input type="email" name="email" autocomplete="username" required></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>
${seededList()}
<p>No account? <a href="/register">Register</a>.</p>`
}

export function codeForm() {
  return `<form method="post" action="/login/code">
  <label>Code from the e-mail we sent you <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" required></label>
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

export function checkoutForm() {
  return `<h1>Checkout</h1>
<p>One Kenchi mug, ¥1,800. The card is simulated: type any test number such as
<code>4242 4242 4242 4242</code>, never a real card. The fields are not stored.</p>
<form method="post" action="/checkout" data-kenchi-action="checkout">
  <label>Name on card <input name="card-name" autocomplete="off" required></label>
  <label>Card number <input name="card-number" inputmode="numeric" autocomplete="off" required></label>
  <label>Expiry (MM/YY) <input name="card-expiry" autocomplete="off" required></label>
  <label>CVC <input name="card-cvc" inputmode="numeric" autocomplete="off" required></label>
  <button type="submit">Place order</button>
</form>`
}

