// Headed sessions under Xvfb for INJECTED_INPUT (test/e2e/injected-input.test.ts and
// bench/injected.mjs): the same login page driven either through the DevTools protocol by
// an automation driver (playwright-core, patchright-core, rebrowser-puppeteer-core), with
// human-like mouse paths and key timings, or by xdotool: real X11 input from the X server,
// into a Chromium that no driver is attached to (the "genuine hardware" control).
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createVerifier, memoryStore } from '@kenchi/server'
import { CHROMIUM_ARGS, findChromium } from '../../scripts/find-chromium.mjs'

const clientDist = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url))
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; base-uri 'none'"

/** Where the page puts its controls (CSS px from the viewport's top left). */
export const LAYOUT = {
  user: { x: 300, y: 160, w: 240, h: 32 },
  password: { x: 300, y: 240, w: 240, h: 32 },
  submit: { x: 300, y: 320, w: 120, h: 40 },
}
const box = (b) => `position:absolute;left:${b.x}px;top:${b.y}px;width:${b.w}px;height:${b.h}px;box-sizing:border-box;margin:0`

const LOGIN = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Log in</title>
<script src="/kenchi/kenchi.min.js" data-endpoint="/kenchi" async></script><script src="/ready.js" defer></script></head>
<body style="margin:0"><form method="post" action="/verify" data-kenchi-action="login">
<input id="user" name="user" autocomplete="off" style="${box(LAYOUT.user)}">
<input id="password" name="password" type="password" autocomplete="off" style="${box(LAYOUT.password)}">
<button id="go" type="submit" style="${box(LAYOUT.submit)}">Log in</button></form></body></html>`
// Tells the harness when the client is ready (the xdotool browser has no driver to ask).
const READY = `(function w(){ if (window.Kenchi && window.Kenchi.ready) window.Kenchi.ready().then(function(){ fetch('/ready?dx=' + (screenX + outerWidth - innerWidth) + '&dy=' + (screenY + outerHeight - innerHeight), { method: 'POST' }) }); else setTimeout(w, 20) })()`
const NEXT = `setTimeout(function(){ location.href = '/login?' + Date.now() }, 200)`

/** A login site with a fresh verifier (default rules), recording verdicts. */
export async function startLoginSite() {
  const server = createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${server.address().port}`
  const verifier = await createVerifier({
    keys: [{ id: 'i', secret: randomBytes(32) }],
    hashSecret: randomBytes(32),
    origins: [origin],
    store: memoryStore(),
  })
  const verdicts = []
  const tokens = []
  const waiters = { ready: [], verdict: [] }
  const notify = (kind, value) => waiters[kind].splice(0).forEach((w) => w(value))
  const read = async (req) => {
    const chunks = []
    for await (const c of req) chunks.push(c)
    return Buffer.concat(chunks).toString('utf8')
  }
  const send = (res, status, type, body) => {
    res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'content-security-policy': CSP, 'cache-control': 'no-store' })
    res.end(body)
  }
  server.on('request', (req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', origin).pathname
      if (req.method === 'POST' && path === '/kenchi/challenge') {
        const body = JSON.parse((await read(req)) || '{}')
        return send(res, 200, 'application/json', JSON.stringify(await verifier.challenge({ action: String(body.action), origin })))
      }
      if (req.method === 'POST' && path === '/ready') {
        const q = new URL(req.url ?? '/', origin).searchParams
        notify('ready', { dx: Number(q.get('dx')) || 0, dy: Number(q.get('dy')) || 0 })
        return send(res, 204, 'text/plain', '')
      }
      if (req.method === 'POST' && path === '/verify') {
        const token = new URLSearchParams(await read(req)).get('kenchi-token') ?? ''
        tokens.push(token)
        const verdict = await verifier.verify(token, { action: 'login', ip: '127.0.0.1', userAgent: req.headers['user-agent'], origin })
        verdicts.push(verdict)
        notify('verdict', verdict)
        return send(res, 200, 'text/html', `<!doctype html><p id="decision">${verdict.decision}</p><script src="/next.js"></script>`)
      }
      if (req.method === 'GET' && path === '/login') return send(res, 200, 'text/html', LOGIN)
      if (req.method === 'GET' && path === '/ready.js') return send(res, 200, 'text/javascript', READY)
      if (req.method === 'GET' && path === '/next.js') return send(res, 200, 'text/javascript', NEXT)
      if (req.method === 'GET' && path.startsWith('/kenchi/')) {
        const file = normalize(path.slice(8))
        if (/^[\w.-]+$/.test(file)) {
          try {
            return send(res, 200, 'text/javascript', await readFile(join(clientDist, file)))
          } catch {
            // not found
          }
        }
      }
      return send(res, 404, 'text/plain', 'not found')
    })().catch(() => send(res, 500, 'text/plain', 'error'))
  })
  const wait = (kind, ms, what) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)
      waiters[kind].push((v) => {
        clearTimeout(timer)
        resolve(v)
      })
    })
  return {
    url: `${origin}/login`,
    verdicts,
    tokens,
    /** Resolves when a page's client is ready, with where the page's top left is on the screen (`dx`, `dy`). Call before the page loads. */
    nextReady: (ms = 20_000) => wait('ready', ms, 'ready page'),
    /** Resolves with the next verdict. */
    nextVerdict: (ms = 20_000) => wait('verdict', ms, 'verdict'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

/** Starts Xvfb on a free display; `env` has DISPLAY set. */
export async function startXvfb(width = 1280, height = 900) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const n = 120 + Math.floor(Math.random() * 800)
    if (existsSync(`/tmp/.X${n}-lock`) || existsSync(`/tmp/.X11-unix/X${n}`)) continue
    const proc = spawn('Xvfb', [`:${n}`, '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp'], { stdio: 'ignore' })
    let exited = false
    proc.on('exit', () => (exited = true))
    for (let i = 0; i < 50 && !exited && !existsSync(`/tmp/.X11-unix/X${n}`); i++) await sleep(50)
    if (exited || !existsSync(`/tmp/.X11-unix/X${n}`)) {
      proc.kill()
      continue
    }
    return {
      display: `:${n}`,
      env: { ...process.env, DISPLAY: `:${n}` },
      stop: () =>
        new Promise((resolve) => {
          if (exited) return resolve()
          proc.once('exit', () => resolve())
          proc.kill()
        }),
    }
  }
  throw new Error('no free X display for Xvfb')
}

// ---------- human-like input plans (shared by every driver) ----------

/** A seeded random source (mulberry32), so a session's plan is reproducible. */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const lognormal = (r, median, sigma) => median * Math.exp(sigma * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()))

/**
 * A curved approach from `from` to a point inside `target`: cubic Bezier with a random
 * bend, ease-in-out progress, hand tremor, 14–30 steps at 8–22 ms. Whole CSS pixels (X11
 * moves in whole pixels; drivers get the same points).
 */
export function pathPlan(r, from, target) {
  const to = { x: target.x + target.w * (0.3 + 0.4 * r()), y: target.y + target.h * (0.3 + 0.4 * r()) }
  const dx = to.x - from.x
  const dy = to.y - from.y
  const bend = (r() - 0.5) * 0.6
  const c1 = { x: from.x + dx * 0.3 - dy * bend, y: from.y + dy * 0.3 + dx * bend }
  const c2 = { x: from.x + dx * 0.7 - dy * bend * 0.5, y: from.y + dy * 0.7 + dx * bend * 0.5 }
  const steps = 14 + Math.floor(r() * 16)
  const out = []
  for (let i = 1; i <= steps; i++) {
    const u = i / steps
    const s = u < 0.5 ? 2 * u * u : 1 - (-2 * u + 2) ** 2 / 2
    const b = (p0, p1, p2, p3) => (1 - s) ** 3 * p0 + 3 * (1 - s) ** 2 * s * p1 + 3 * (1 - s) * s * s * p2 + s ** 3 * p3
    const jitter = i < steps ? (r() - 0.5) * 2 : 0
    out.push({
      x: Math.round(b(from.x, c1.x, c2.x, to.x) + jitter),
      y: Math.round(b(from.y, c1.y, c2.y, to.y) + jitter),
      wait: Math.round(8 + r() * 14),
    })
  }
  return out
}

/** Key timings of a person: lognormal holds (~95 ms) and gaps (~170 ms) with occasional pauses. */
export function typingPlan(r, text) {
  return [...text].map((ch) => ({
    ch,
    hold: Math.round(lognormal(r, 95, 0.3)),
    gap: Math.round(lognormal(r, 170, 0.45) + (r() < 0.08 ? 400 * r() : 0)),
  }))
}

/** One session's plan: approach and click the user field, type, the password field, type, the button, click. */
export function sessionPlan(seed) {
  const r = rng(seed)
  const user = `cust${Math.floor(r() * 9000 + 1000)}`
  const password = `horse ${Math.floor(r() * 90 + 10)}`
  const start = { x: Math.round(40 + r() * 200), y: Math.round(420 + r() * 200) }
  const steps = []
  let at = start
  for (const [target, text] of [
    [LAYOUT.user, user],
    [LAYOUT.password, password],
    [LAYOUT.submit, null],
  ]) {
    const path = pathPlan(r, at, target)
    at = path.at(-1)
    steps.push({ path, hold: Math.round(lognormal(r, 90, 0.35)), keys: text ? typingPlan(r, text) : [] })
  }
  return { start, steps }
}

// ---------- drivers ----------

/** DevTools-protocol drivers by name, each `{ launch(env) → { session(url, plan) , close() } }`. */
export const DRIVERS = ['playwright-core', 'patchright-core', 'rebrowser-puppeteer-core']

const launchArgs = ['--window-position=0,0', '--window-size=1100,800']

/**
 * Launches one headed browser driven by `name` on the X display in `env`. `session(url,
 * plan)` opens a fresh context and page, performs the plan through the protocol
 * (`page.mouse` and `page.keyboard`: Input.dispatchMouseEvent / dispatchKeyEvent) and submits.
 */
export async function launchDriver(name, env) {
  const executablePath = findChromium()
  const args = [...CHROMIUM_ARGS, ...launchArgs]
  if (name === 'rebrowser-puppeteer-core') {
    const { default: puppeteer } = await import('rebrowser-puppeteer-core')
    const browser = await puppeteer.launch({ executablePath, headless: false, env, args, defaultViewport: null })
    return {
      async session(url, plan, ready) {
        const context = await browser.createBrowserContext()
        const page = await context.newPage()
        try {
          await Promise.all([ready, page.goto(url)])
          await perform(page, plan)
        } finally {
          setTimeout(() => void context.close().catch(() => {}), 1500)
        }
      },
      close: () => browser.close(),
    }
  }
  const { chromium } = await import(name === 'patchright-core' ? 'patchright-core' : 'playwright-core')
  const browser = await chromium.launch({ executablePath, headless: false, env, args })
  return {
    async session(url, plan, ready) {
      const context = await browser.newContext({ viewport: null })
      const page = await context.newPage()
      try {
        await Promise.all([ready, page.goto(url)])
        await perform(page, plan)
      } finally {
        setTimeout(() => void context.close().catch(() => {}), 1500)
      }
    },
    close: () => browser.close(),
  }
}

async function perform(page, plan) {
  await page.mouse.move(plan.start.x, plan.start.y)
  for (const step of plan.steps) {
    for (const p of step.path) {
      await page.mouse.move(p.x, p.y)
      await sleep(p.wait)
    }
    await page.mouse.down()
    await sleep(step.hold)
    await page.mouse.up()
    await sleep(150)
    for (const k of step.keys) {
      await page.keyboard.down(k.ch)
      await sleep(k.hold)
      await page.keyboard.up(k.ch)
      await sleep(k.gap)
    }
  }
}

/**
 * Plays a plan with xdotool, one command per X11 action (absolute screen moves: page
 * coordinates plus the page's screen offset `at`), the waits taken here between them.
 */
export async function playXdotool(plan, env, at = { dx: 0, dy: 0 }) {
  const x = (...args) =>
    new Promise((resolve, reject) => execFile('xdotool', args, { env }, (error) => (error ? reject(error) : resolve())))
  const name = (ch) => (ch === ' ' ? 'space' : ch)
  await x('mousemove', String(plan.start.x + at.dx), String(plan.start.y + at.dy))
  for (const step of plan.steps) {
    for (const p of step.path) {
      await x('mousemove', String(p.x + at.dx), String(p.y + at.dy))
      await sleep(p.wait)
    }
    await x('mousedown', '1')
    await sleep(step.hold)
    await x('mouseup', '1')
    await sleep(150)
    for (const k of step.keys) {
      await x('keydown', name(k.ch))
      await sleep(k.hold)
      await x('keyup', name(k.ch))
      await sleep(k.gap)
    }
  }
}

/**
 * Starts a Chromium that no driver is attached to (no DevTools port, no automation flags),
 * in app mode at the screen's top left, on the login page; each `session(plan)` waits for the page's client, plays the plan with
 * xdotool (real X11 input through the X server) and resolves with the verdict. The result
 * page goes back to the login page by itself.
 */
export async function launchGenuine(site, env) {
  const profile = mkdtempSync(join(tmpdir(), 'kenchi-xdotool-'))
  let ready = site.nextReady(30_000)
  const proc = spawn(
    findChromium(),
    [...CHROMIUM_ARGS, ...launchArgs, `--user-data-dir=${profile}`, '--no-default-browser-check', `--app=${site.url}`],
    {
      env,
      stdio: 'ignore',
    },
  )
  return {
    async session(plan) {
      const at = await ready
      await sleep(150)
      const verdict = site.nextVerdict(30_000)
      ready = site.nextReady(30_000)
      ready.catch(() => {})
      await playXdotool(plan, env, at)
      return verdict
    },
    async close() {
      await new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve()
        proc.once('exit', () => resolve())
        proc.kill()
      })
      // Chromium's helpers can still be writing the profile as the main process exits.
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 })
      } catch {
        // a temporary profile left behind is not a failure of the session
      }
    },
  }
}

/** The `INJECTED_INPUT` reason of a verdict, if any. */
export const injectedReason = (verdict) => verdict.reasons.find((r) => r.code === 'INJECTED_INPUT')
