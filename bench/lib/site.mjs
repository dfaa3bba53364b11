// The benchmarks' shop: one Express server on 127.0.0.1 with Kenchi mounted the way the
// docs say (`expressKenchi(verifier)`: challenge endpoint and client files under /kenchi,
// `scriptTag()` in the page, `guard('login')` on the form's POST), the peers' app bundles
// under /apps/, and the pages the page-cost and detection benchmarks load. A strict CSP on
// every response (script-src 'self', nothing inline), as a shop should have.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import express from 'express'
import { createVerifier, memoryStore } from '@kenchi/server'
import { expressKenchi } from '@kenchi/server/express'
import { ROOT } from './env.mjs'

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'"

// Runs first on page-cost pages: long tasks, INP (web-vitals) and when the detector is ready.
const HARNESS = `
window.__bench = { longTasks: [], inp: 0, readyAt: null };
new PerformanceObserver(function (list) {
  for (const e of list.getEntries()) window.__bench.longTasks.push([Math.round(e.startTime), Math.round(e.duration)]);
}).observe({ type: 'longtask', buffered: true });
webVitals.onINP(function (m) { window.__bench.inp = m.value }, { reportAllChanges: true, durationThreshold: 0 });
document.addEventListener('load', function (event) {
  var src = (event.target && event.target.src) || '';
  var mark = function () { window.__bench.readyAt = performance.now() };
  if (src.indexOf('/kenchi/kenchi.min.js') >= 0) window.Kenchi.ready().then(mark);
  if (src.indexOf('/apps/peers/') >= 0) window.Peers.ready().then(mark);
}, true);
`

const FORM = (extra = '') => `<h1 id="title">Log in</h1>
<form method="post" action="/login" data-kenchi-action="login">
<p><label>E-mail <input id="email" name="email" autocomplete="off"></label></p>
<p><label>Password <input id="password" name="password" type="password" autocomplete="off"></label></p>
${extra}<p><button id="go" type="submit">Log in</button></p>
</form>
${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>'.repeat(30)}`

/**
 * Starts the site. `appsDir`: the output of buildApps() (served under /apps/). Each call of
 * `reset()` gives a fresh verifier and empty memory store, so runs do not see each other.
 */
export async function startSite({ appsDir, rules } = {}) {
  const app = express()
  const server = createServer(app)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${server.address().port}`
  const webVitals = readFileSync(new URL('node_modules/web-vitals/dist/web-vitals.iife.js', ROOT))
  const state = { verifier: undefined, kenchi: undefined }
  const logins = []

  async function reset() {
    state.verifier = await createVerifier({
      keys: [{ id: 'bench', secret: randomBytes(32) }],
      hashSecret: randomBytes(32),
      origins: [origin],
      store: memoryStore(),
      ...(rules ? { rules } : {}),
    })
    state.kenchi = expressKenchi(state.verifier)
  }
  await reset()

  app.disable('x-powered-by')
  app.use((req, res, next) => {
    res.setHeader('content-security-policy', CSP)
    next()
  })
  app.use((req, res, next) => state.kenchi.middleware(req, res, next))
  app.use('/apps', express.static(appsDir ?? new URL('../apps/', import.meta.url).pathname, { cacheControl: false, etag: false }))
  app.get('/harness.js', (req, res) => res.type('text/javascript').send(HARNESS))
  app.get('/web-vitals.js', (req, res) => res.type('text/javascript').send(webVitals))

  const page = (head, body) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Log in</title>${head}</head><body>${body}</body></html>`
  const harness = '<script src="/web-vitals.js"></script><script src="/harness.js"></script>'
  // Page cost: the same login page bare, with Kenchi's script tag, or with FingerprintJS + BotD.
  app.get('/cost/blank', (req, res) => res.type('html').send(page(harness, FORM())))
  app.get('/cost/kenchi', (req, res) => res.type('html').send(page(harness + state.kenchi.scriptTag(), FORM())))
  app.get('/cost/peers', (req, res) =>
    res
      .type('html')
      .send(
        page(
          harness + '<script type="module" src="/apps/peers/app.js"></script>',
          FORM('<input type="hidden" name="visitor-id"><input type="hidden" name="botd">'),
        ),
      ),
  )
  // Detection: Kenchi's script tag and BotD on the same login page.
  app.get('/login', (req, res) =>
    res
      .type('html')
      .send(
        page(
          state.kenchi.scriptTag() + '<script type="module" src="/apps/botd/app.js"></script>',
          FORM('<input type="hidden" name="botd">'),
        ),
      ),
  )
  app.post(
    '/login',
    express.urlencoded({ extended: false, limit: '16kb' }),
    (req, res, next) =>
      state.kenchi.guard('login', () => ({ userId: String(req.body?.email ?? ''), email: String(req.body?.email ?? '') }))(req, res, next),
    (req, res) => {
      let botd = null
      try {
        botd = req.body?.botd ? JSON.parse(req.body.botd) : null
      } catch {
        botd = { error: 'unreadable' }
      }
      logins.push({ verdict: req.kenchi, botd, at: Date.now() })
      res.type('html').send(page('', `<p id="decision">${req.kenchi.decision}</p>`))
    },
  )

  return {
    origin,
    logins,
    reset,
    get verifier() {
      return state.verifier
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
