// The storefront: one page, three views (log in, code, account), JSON to the API.
// Kenchi: record from the first moment, get a token at submit, send it with the request.
import { createKenchi, startRecording } from '@kenchi/client'
// The worker the `worker` signal runs; Vite copies the file and gives its URL.
import workerUrl from '@kenchi/client/kenchi-worker.min.js?url'

const recorder = startRecording() // first thing: behaviour from page load
const kenchi = createKenchi({ endpoint: '/kenchi', recorder, workerUrl })

const app = document.querySelector('#app')
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

async function api(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return response.json()
}

function show(path, html) {
  if (location.pathname !== path) history.pushState(null, '', path)
  app.innerHTML = html
}

function loginView(message = '') {
  show(
    '/login',
    `<h1>Log in</h1>
    ${message ? `<p id="result">${escape(message)}</p>` : ''}
    <form id="login">
      <label>E-mail <input type="email" name="email" autocomplete="username" required></label>
      <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
      <button type="submit">Log in</button>
    </form>`,
  )
  kenchi.prefetch('login') // the challenge is ready before the customer presses the button
  app.querySelector('#login').addEventListener('submit', async (event) => {
    event.preventDefault()
    const form = new FormData(event.target)
    let token = ''
    try {
      token = await kenchi.token('login')
    } catch {
      // Challenge endpoint unreachable: send without a token, the server's policy decides.
    }
    const answer = await api('/api/login', { email: form.get('email'), password: form.get('password'), kenchiToken: token })
    if (answer.status === 'ok') return accountView(answer.email)
    if (answer.status === 'code') return codeView()
    loginView(answer.message)
  })
}

function codeView(message = '') {
  show(
    '/login/code',
    `<h1>Confirm it is you</h1>
    ${message ? `<p id="result">${escape(message)}</p>` : ''}
    <form id="code">
      <label for="code-input">Code from the e-mail we sent you</label>
      <input id="code-input" name="code" inputmode="numeric" autocomplete="one-time-code" required>
      <button type="submit">Confirm</button>
    </form>`,
  )
  app.querySelector('#code').addEventListener('submit', async (event) => {
    event.preventDefault()
    const answer = await api('/api/login/code', { code: new FormData(event.target).get('code') })
    if (answer.status === 'ok') return accountView(answer.email)
    if (answer.status === 'code') return codeView(answer.message)
    loginView(answer.message)
  })
}

function accountView(email) {
  show('/account', `<h1>Your account</h1><p id="result">Welcome back, ${escape(email)}.</p>`)
}

// Where the page starts: the account if the session cookie still holds, else the login.
fetch('/api/account')
  .then((r) => r.json())
  .then(
    (account) => (account.email ? accountView(account.email) : loginView()),
    () => loginView(),
  )
