// The minimal demo: one login page protected by the script tag, the challenge endpoint,
// and a form handler that calls verify() and shows the verdict. It uses the packages
// exactly as a shop would. The full shop comes later (issue 8).
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { fileURLToPath } from 'node:url'
import { createVerifier, memoryStore } from '@kenchi/server'

const MAX_BODY = 64 * 1024
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/**
 * Starts the demo on 127.0.0.1. Resolves `{ url, verdicts, close }`; `verdicts` holds the
 * latest verdicts, newest last, for tests and curious readers.
 * @param {{ port?: number, host?: string }} [options]
 */
export async function startDemo({ port = 0, host = '127.0.0.1' } = {}) {
  const server = createServer()
  const listening = await listen(server, port, host)
  const origins = [`http://${host}:${listening}`, `http://localhost:${listening}`]
  const verifier = await createVerifier({
    keys: [{ id: 'demo', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins,
    store: memoryStore(),
  })
  const clientScript = fileURLToPath(import.meta.resolve('@kenchi/client/kenchi.js'))
  const style = await readFile(new URL('./public/style.css', import.meta.url))
  /** @type {import('@kenchi/server').Verdict[]} */
  const verdicts = []

  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', origins[0])
      if (req.method === 'GET' && url.pathname === '/') return send(res, 200, 'text/html', loginPage())
      if (req.method === 'GET' && url.pathname === '/kenchi.js') {
        return send(res, 200, 'text/javascript', await readFile(clientScript), { 'cache-control': 'no-cache' })
      }
      if (req.method === 'GET' && url.pathname === '/style.css') return send(res, 200, 'text/css', style)
      if (req.method === 'GET' && url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '')
      if (req.method === 'POST' && url.pathname === '/kenchi/challenge') {
        const body = JSON.parse((await readBody(req)) || '{}')
        const origin = req.headers.origin ?? origins[0]
        if (!origins.includes(origin)) return send(res, 403, 'application/json', JSON.stringify({ error: 'origin' }))
        const issued = await verifier.challenge({ action: String(body.action ?? ''), origin })
        return send(res, 200, 'application/json', JSON.stringify(issued), { 'cache-control': 'no-store' })
      }
      if (req.method === 'POST' && url.pathname === '/login') {
        const form = new URLSearchParams(await readBody(req))
        const verdict = await verifier.verify(form.get('kenchi-token'), {
          action: 'login',
          ip: req.socket.remoteAddress,
          userAgent: req.headers['user-agent'],
          origin: req.headers.origin,
        })
        verdicts.push(verdict)
        if (verdicts.length > 100) verdicts.shift()
        return send(res, 200, 'text/html', verdictPage(verdict))
      }
      return send(res, 404, 'text/plain', 'not found')
    } catch (error) {
      const status = error instanceof BodyTooLarge ? 413 : 400
      return send(res, status, 'text/plain', status === 413 ? 'request too large' : 'bad request')
    }
  })

  return {
    url: `http://${host}:${listening}/`,
    verdicts,
    verifier,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  }
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address().port)
    })
  })
}

class BodyTooLarge extends Error {}

async function readBody(req) {
  let size = 0
  const chunks = []
  for await (const chunk of req) {
    size += chunk.length
    if (size > MAX_BODY) throw new BodyTooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, {
    'content-type': `${type}; charset=utf-8`,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    ...headers,
  })
  res.end(body)
}

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])

function layout(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} · Kenchi demo</title>
<link rel="stylesheet" href="/style.css">
<script src="/kenchi.js" data-challenge-url="/kenchi/challenge" async></script>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`
}

function loginPage() {
  return layout(
    'Log in',
    `<h1>Log in</h1>
<p>Any e-mail and password will do: this page shows what Kenchi's <code>verify()</code> decides about your browser.</p>
<form method="post" action="/login" data-kenchi="login">
  <label>E-mail <input type="email" name="email" autocomplete="username" required></label>
  <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
  <button type="submit">Log in</button>
</form>`,
  )
}

function verdictPage(verdict) {
  const reasons = verdict.reasons
    .map((r) => `<li><code>${escape(r.code)}</code> (weight ${r.weight})${r.detail ? ` <small>${escape(JSON.stringify(r.detail))}</small>` : ''}</li>`)
    .join('')
  const device = verdict.device
    ? `<p>Device <code>${escape(verdict.device.id)}</code>, ${verdict.device.known ? 'seen before' : 'new'}, status ${escape(verdict.device.status)}.</p>`
    : '<p>No verified device.</p>'
  return layout(
    'Verdict',
    `<h1>Verdict: <span id="decision" class="${escape(verdict.decision)}">${escape(verdict.decision)}</span></h1>
<p>Score <strong id="score">${verdict.score}</strong> / 100, event <code>${escape(verdict.eventId)}</code>.</p>
${device}
<h2>Reasons</h2>
<ul id="reasons">${reasons || '<li>none</li>'}</ul>
<p><a href="/">Back</a></p>`,
  )
}
