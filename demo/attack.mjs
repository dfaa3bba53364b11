// npm run demo:attack [-- URL] [options]: a bounded credential-stuffing bot against the demo
// shop, so you can watch Kenchi and the admin console react. It drives a real Chromium
// (playwright-core and the browser on this machine, never a downloaded one) through the
// shop's real login form, with a "leaked" list of e-mail/password pairs: mostly addresses
// the shop has never seen, a few of its accounts with wrong passwords, and one right
// password. It prints each verdict the page shows and a summary.
//
// Each worker is one bot browser (one device) sending its attempts through a pool of proxy
// addresses (X-Forwarded-For, which the demo trusts from loopback as it would behind a
// local reverse proxy): so the per-IP limits stay quiet and the other rules have to do the
// work, and your own browser on 127.0.0.1 is not caught up in the attack.
//
// `runAttack(options)` is the same bot as a function, for tests and the console.
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { launchChromium } from '../scripts/find-chromium.mjs'
import { SEEDED_ACCOUNTS } from './lib/accounts.mjs'

export const ATTACK_DEFAULTS = Object.freeze({
  url: 'http://127.0.0.1:3000/',
  attempts: 60,
  concurrency: 2,
  timeLimitMs: 120_000,
  proxies: 8,
  stealthy: false,
  headed: false,
  seed: 1,
  allowRemote: false,
})

/** Bounds of the numeric options: [least, most]. */
export const ATTACK_BOUNDS = Object.freeze({
  attempts: [1, 500],
  concurrency: [1, 8],
  timeLimitMs: [1_000, 600_000],
  proxies: [0, 250],
})

const ATTEMPT_TIMEOUT_MS = 20_000
const MAX_ERRORS_IN_A_ROW = 5

/** A bad option; the CLI prints it with the usage. */
export class AttackOptionError extends Error {
  name = 'AttackOptionError'
}

// ---------------------------------------------------------------------------------------
// The "leaked" list

const FIRST = [
  'yuki',
  'haruto',
  'sota',
  'mei',
  'aoi',
  'ren',
  'hina',
  'riku',
  'sakura',
  'kenji',
  'emma',
  'liam',
  'olivia',
  'noah',
  'mia',
  'lucas',
  'sofia',
  'leo',
  'anna',
  'max',
]
const LAST = [
  'sato',
  'suzuki',
  'takahashi',
  'tanaka',
  'watanabe',
  'ito',
  'yamamoto',
  'nakamura',
  'kobayashi',
  'kato',
  'smith',
  'muller',
  'rossi',
  'martin',
  'garcia',
  'nguyen',
  'kim',
  'silva',
  'novak',
  'jensen',
]
const DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.jp', 'example.co.jp']
const PASSWORDS = [
  '123456',
  'password1',
  'qwerty123',
  'iloveyou',
  'sakura123',
  'dragon2024',
  'letmein!',
  'abc12345',
  'tokyo2020',
  'monkey99',
  'Passw0rd',
  'summer2025',
  '1q2w3e4r',
  'pokemon1',
  'baseball7',
]

/** A small seeded PRNG (mulberry32): the same seed gives the same list and the same delays. */
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const pick = (random, list) => list[Math.floor(random() * list.length)]

/**
 * `count` e-mail/password pairs as a credential-stuffing list looks to a shop: mostly
 * addresses from another site's breach that have no account here (`unknown`), the shop's
 * demo accounts with wrong passwords (`wrong-password`, about one pair in 15) and, from 10
 * pairs up, one with its right password (`right-password`), two thirds of the way in.
 * Deterministic for a seed.
 * @param {number} count
 * @param {number} [seed]
 * @returns {Array<{ email: string, password: string, kind: 'unknown' | 'wrong-password' | 'right-password' }>}
 */
export function leakedCredentials(count, seed = 1) {
  const random = prng(seed)
  const seen = new Set(SEEDED_ACCOUNTS.map((a) => a.email))
  const list = []
  while (list.length < count) {
    const email = `${pick(random, FIRST)}${pick(random, ['.', '_', ''])}${pick(random, LAST)}${random() < 0.4 ? Math.floor(random() * 100) : ''}@${pick(random, DOMAINS)}`
    if (seen.has(email)) continue
    seen.add(email)
    list.push({ email, password: pick(random, PASSWORDS), kind: 'unknown' })
  }
  // The shop's own accounts, found in another breach with another password: about one
  // pair in 15 (1 to 4), spread over the list.
  const known = Math.min(4, Math.max(1, Math.round(count / 15)))
  for (let i = 0; i < known && count > 1; i++) {
    const account = SEEDED_ACCOUNTS[i % SEEDED_ACCOUNTS.length]
    list[Math.floor(count * (0.15 + (0.7 * i) / Math.max(1, known - 1)))] = {
      email: account.email,
      password: pick(random, PASSWORDS),
      kind: 'wrong-password',
    }
  }
  // And, from 10 pairs up, one customer who reused the shop's password elsewhere.
  if (count >= 10) {
    const account = SEEDED_ACCOUNTS[0]
    list[Math.floor(count * 0.66)] = { email: account.email, password: account.password, kind: 'right-password' }
  }
  return list
}

/** The i-th fake proxy address, from the documentation ranges (RFC 5737): never a real host. */
export function proxyAddress(i) {
  return i < 125 ? `198.51.100.${10 + i}` : `203.0.113.${10 + (i - 125)}`
}

// ---------------------------------------------------------------------------------------
// The bot

const STEALTH_USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36 Edg/137.0.0.0',
]
const SCREENS = [
  { width: 1920, height: 1080 },
  { width: 1536, height: 864 },
  { width: 1440, height: 900 },
  { width: 1366, height: 768 },
]
const LOCALES = ['ja-JP', 'en-US', 'en-GB', 'de-DE']

function checkOptions(options) {
  const o = { ...ATTACK_DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) }
  let url
  try {
    url = new URL(o.url)
  } catch {
    throw new AttackOptionError(`url: not a URL: ${String(o.url).slice(0, 200)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AttackOptionError(`url: expected http:// or https://, got ${url.protocol}`)
  if (o.allowRemote !== true && !isLoopback(url.hostname)) {
    throw new AttackOptionError(
      `url: ${url.hostname} is not this machine. The bot is for the local demo; to attack a shop you run elsewhere, pass --allow-remote (allowRemote: true)`,
    )
  }
  for (const [name, [least, most]] of Object.entries(ATTACK_BOUNDS)) {
    const value = o[name]
    if (!Number.isInteger(value) || value < least || value > most)
      throw new AttackOptionError(`${name}: expected an integer from ${least} to ${most}, got ${String(value)}`)
  }
  if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)
    throw new AttackOptionError(`seed: expected a whole number below 2^32, got ${String(o.seed)}`)
  for (const name of ['stealthy', 'headed', 'allowRemote'])
    if (typeof o[name] !== 'boolean') throw new AttackOptionError(`${name}: expected true or false`)
  if (
    o.credentials !== undefined &&
    (!Array.isArray(o.credentials) || o.credentials.some((c) => typeof c?.email !== 'string' || typeof c?.password !== 'string'))
  ) {
    throw new AttackOptionError('credentials: expected [{ email, password }]')
  }
  return { ...o, url: url.href }
}

/** localhost, 127.0.0.0/8 or [::1]: the machine the bot runs on. */
export const isLoopback = (hostname) => hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname)

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined)
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve(undefined)
    }
    signal.addEventListener('abort', done, { once: true })
  })

/** Fails fast, with a message a person can act on, when nothing answers at the URL. */
async function preflight(url, signal) {
  const login = new URL('login', url).href
  let response
  try {
    response = await fetch(login, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]), redirect: 'manual' })
  } catch (error) {
    throw new Error(
      `Cannot reach the demo shop at ${url} (${error?.cause?.code ?? error?.name ?? error}). Start it first with: npm run demo`,
    )
  }
  const text = await response.text()
  if (!response.ok || !/data-kenchi-action="login"/.test(text)) {
    throw new Error(`${login} answered ${response.status} without the demo's login form: is the Kenchi demo shop running there?`)
  }
}

/**
 * One login attempt in the bot's page: open /login, type the pair, submit, read the verdict
 * panel the demo shows (#decision, #score, #reasons) and what happened to the login.
 */
async function attempt(page, base, item, o, random) {
  await page.goto(new URL('login', base).href, { waitUntil: 'load', timeout: ATTEMPT_TIMEOUT_MS })
  const form = page.locator('main form[data-kenchi-action="login"]')
  const email = form.locator('input[name=email]')
  const password = form.locator('input[name=password]')
  const button = form.locator('button[type=submit]')
  if (o.stealthy) {
    // Typed key by key with random delays, and a click that moves and presses like a hand.
    await email.click()
    await page.keyboard.type(item.email, { delay: 25 + Math.floor(random() * 45) })
    await password.click()
    await page.keyboard.type(item.password, { delay: 25 + Math.floor(random() * 45) })
  } else {
    await email.fill(item.email)
    await password.fill(item.password)
  }
  const posted = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login', {
    timeout: ATTEMPT_TIMEOUT_MS,
  })
  if (o.stealthy) {
    const box = await button.boundingBox()
    if (!box) throw new Error('no login button on the page')
    await page.mouse.move(box.x + box.width * (0.3 + random() * 0.4), box.y + box.height * (0.3 + random() * 0.4), {
      steps: 5 + Math.floor(random() * 10),
    })
    await page.mouse.down()
    await page.waitForTimeout(60 + Math.floor(random() * 80))
    await page.mouse.up()
  } else {
    await button.click()
  }
  const response = await posted
  await page.waitForSelector('#decision', { timeout: ATTEMPT_TIMEOUT_MS })
  const decision = (await page.textContent('#decision'))?.trim() ?? ''
  const score = Number(await page.textContent('#score'))
  // One entry per code (a rule can give a code twice, e.g. AUTOMATION for two findings).
  const reasons = [...new Set(await page.locator('#reasons li code').allTextContents())]
  const loggedIn = ((await page.textContent('nav')) ?? '').includes('Logged in as')
  const codeStep = (await page.locator('input[name=code]').count()) > 0
  const status = response.status()
  const outcome = loggedIn
    ? 'logged-in'
    : codeStep
      ? 'code-step'
      : status === 401
        ? 'wrong-password'
        : status === 403
          ? 'refused'
          : `http-${status}`
  if (loggedIn) {
    // The bot got in (it should not): log out so the next attempt starts as a stranger.
    await page.locator('nav form[action="/logout"] button').click()
    await page.waitForLoadState('load')
  }
  return { decision, score, reasons, outcome, status }
}

/**
 * Runs the bot against a demo shop and resolves a summary. Rejects (before any attempt)
 * when an option is wrong (`AttackOptionError`), no browser is found, or nothing answers
 * at `url`; failed attempts are counted, not thrown. Stops at `attempts`, at `timeLimitMs`,
 * after 5 errors in a row, or when `signal` aborts, and always closes its browser.
 *
 * @param {object} [options]
 * @param {string} [options.url] the demo's base URL, on this machine (localhost, 127.0.0.0/8, [::1]) unless `allowRemote`. Default http://127.0.0.1:3000/
 * @param {boolean} [options.allowRemote] allow a URL on another machine (a shop you run and may attack). Default false
 * @param {number} [options.attempts] login attempts, 1–500. Default 60
 * @param {number} [options.concurrency] bot browsers working at once, each one device, 1–8. Default 2
 * @param {number} [options.timeLimitMs] longest run, 1 s – 10 min. Default 2 minutes
 * @param {number} [options.proxies] fake source addresses (X-Forwarded-For) the attempts rotate through; 0 sends none. Default 8
 * @param {boolean} [options.stealthy] hide the automation flags, vary user agents, screens and locales, type with random delays, click like a hand. Default false
 * @param {boolean} [options.headed] show the bot's browser windows. Default false
 * @param {number} [options.seed] seed of the list and the random delays. Default 1
 * @param {Array<{ email: string, password: string }>} [options.credentials] the pairs to try instead of `leakedCredentials(attempts, seed)`
 * @param {string} [options.adminPassword] when given, the summary includes GET /admin/api/attack at the end
 * @param {AbortSignal} [options.signal] stops the run; the summary covers the attempts finished
 * @param {(attempt: AttemptResult) => void} [options.onAttempt] called after each attempt
 * @returns {Promise<AttackSummary>}
 *
 * @typedef {{ n: number, email: string, kind: string, ip: string | null, decision: string, score: number | null, reasons: string[], outcome: string, ms: number, error?: string }} AttemptResult
 * @typedef {{
 *   url: string, stealthy: boolean, proxies: number, concurrency: number, planned: number,
 *   attempts: AttemptResult[], counts: { allow: number, challenge: number, deny: number, error: number },
 *   outcomes: Record<string, number>, loggedIn: string[], reasons: Record<string, number>,
 *   attackMode: { seen: boolean, firstAttempt: number | null, state: object | null },
 *   durationMs: number, stoppedBy: 'done' | 'time' | 'signal' | 'errors'
 * }} AttackSummary
 */
export async function runAttack(options = {}) {
  const o = checkOptions(options)
  const list = (o.credentials ?? leakedCredentials(o.attempts, o.seed))
    .slice(0, o.attempts)
    .map((c, i) => ({ kind: 'given', ...c, n: i + 1 }))
  const stop = new AbortController()
  const stopWith = (why) => {
    if (!stop.signal.aborted) stop.abort(why)
  }
  const onOuterAbort = () => stopWith('signal')
  if (o.signal?.aborted) stopWith('signal')
  o.signal?.addEventListener('abort', onOuterAbort, { once: true })
  const started = Date.now()
  const timer = setTimeout(() => stopWith('time'), o.timeLimitMs)
  const random = prng(o.seed ^ 0x5eed)
  /** @type {AttemptResult[]} */
  const results = []
  let browser
  try {
    await preflight(o.url, stop.signal)
    browser = await launchChromium({
      headless: !o.headed,
      ...(o.stealthy ? { ignoreDefaultArgs: ['--enable-automation'], args: ['--disable-blink-features=AutomationControlled'] } : {}),
    })
    // Closing the browser ends every attempt in flight at once.
    stop.signal.addEventListener('abort', () => void browser.close().catch(() => {}), { once: true })
    let next = 0
    let errorsInARow = 0
    const worker = async (w) => {
      const screen = SCREENS[w % SCREENS.length]
      let context
      let page
      try {
        context = await browser.newContext(
          o.stealthy
            ? {
                userAgent: STEALTH_USER_AGENTS[w % STEALTH_USER_AGENTS.length],
                screen,
                viewport: { width: screen.width - 120, height: screen.height - 160 },
                locale: LOCALES[w % LOCALES.length],
              }
            : {},
        )
        page = await context.newPage()
      } catch (error) {
        if (stop.signal.aborted) return // stopped while starting
        throw error
      }
      while (next < list.length && !stop.signal.aborted) {
        const item = list[next++]
        const ip = o.proxies > 0 ? proxyAddress((item.n - 1) % o.proxies) : null
        const t0 = Date.now()
        /** @type {AttemptResult} */
        let result
        try {
          if (ip) await context.setExtraHTTPHeaders({ 'x-forwarded-for': ip })
          const seen = await attempt(page, o.url, item, o, random)
          errorsInARow = 0
          result = { n: item.n, email: item.email, kind: item.kind, ip, ...seen, ms: Date.now() - t0 }
        } catch (error) {
          if (stop.signal.aborted) break // cut short by the time limit or the signal: not the shop's doing
          result = {
            n: item.n,
            email: item.email,
            kind: item.kind,
            ip,
            decision: 'error',
            score: null,
            reasons: [],
            outcome: 'error',
            ms: Date.now() - t0,
            error: String(error?.message ?? error).split('\n')[0],
          }
          if (++errorsInARow >= MAX_ERRORS_IN_A_ROW) stopWith('errors')
        }
        results.push(result)
        try {
          o.onAttempt?.(result)
        } catch {
          // a listener's error is not the bot's
        }
        if (o.stealthy) await sleep(200 + Math.floor(random() * 600), stop.signal)
      }
      await context.close().catch(() => {})
    }
    await Promise.all(Array.from({ length: Math.min(o.concurrency, list.length) }, (_, w) => worker(w)))
  } finally {
    clearTimeout(timer)
    o.signal?.removeEventListener('abort', onOuterAbort)
    await browser?.close().catch(() => {})
  }
  results.sort((a, b) => a.n - b.n)
  return {
    url: o.url,
    stealthy: o.stealthy,
    proxies: o.proxies,
    concurrency: o.concurrency,
    planned: list.length,
    attempts: results,
    ...tally(results),
    attackMode: { ...attackSeen(results), state: o.adminPassword ? await attackState(o.url, o.adminPassword) : null },
    durationMs: Date.now() - started,
    stoppedBy: stop.signal.aborted ? stop.signal.reason : 'done',
  }
}

function tally(results) {
  const counts = { allow: 0, challenge: 0, deny: 0, error: 0 }
  const outcomes = {}
  const reasons = {}
  for (const r of results) {
    counts[r.decision in counts ? r.decision : 'error']++
    outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1
    for (const code of new Set(r.reasons)) reasons[code] = (reasons[code] ?? 0) + 1
  }
  const sorted = Object.fromEntries(Object.entries(reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])))
  return { counts, outcomes, loggedIn: results.filter((r) => r.outcome === 'logged-in').map((r) => r.email), reasons: sorted }
}

function attackSeen(results) {
  const first = results.find((r) => r.reasons.includes('ATTACK_MODE'))
  return { seen: first !== undefined, firstAttempt: first?.n ?? null }
}

/** GET /admin/api/attack, or null when it cannot be read (wrong password, not the demo). */
async function attackState(url, adminPassword) {
  try {
    const response = await fetch(new URL('admin/api/attack', url), {
      headers: { authorization: `Bearer ${adminPassword}` },
      signal: AbortSignal.timeout(5_000),
    })
    return response.ok ? await response.json() : null
  } catch {
    return null
  }
}

// ---------------------------------------------------------------------------------------
// Printing

/** One line per attempt: number, source address, pair kind, decision, score, reasons, what happened. */
export function formatAttempt(r) {
  const kind = r.kind === 'right-password' ? ' (right password)' : r.kind === 'wrong-password' ? ' (shop account)' : ''
  const verdict =
    r.decision === 'error'
      ? `error: ${r.error}`
      : `${r.decision.padEnd(9)} ${String(r.score).padStart(3)}  ${r.reasons.join(', ') || '-'}  → ${r.outcome}`
  return `#${String(r.n).padStart(3)}  ${(r.ip ?? 'direct').padEnd(14)} ${`${r.email}${kind}`.padEnd(44)} ${verdict}  (${r.ms} ms)`
}

/** The summary as a few lines of text. */
export function formatSummary(s) {
  const lines = []
  const why = { done: '', time: ' (stopped at the time limit)', signal: ' (stopped)', errors: ' (stopped after 5 errors in a row)' }[
    s.stoppedBy
  ]
  lines.push(
    `${s.attempts.length} of ${s.planned} attempts in ${(s.durationMs / 1000).toFixed(1)} s${why}: ${s.counts.allow} allow, ${s.counts.challenge} challenge, ${s.counts.deny} deny, ${s.counts.error} errors.`,
  )
  lines.push(
    `What the bot got: ${
      Object.entries(s.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'nothing'
    }; logged in: ${s.loggedIn.length === 0 ? 'never' : s.loggedIn.join(', ')}.`,
  )
  lines.push(
    `Reasons seen (attempts): ${
      Object.entries(s.reasons)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || 'none'
    }.`,
  )
  const mode = s.attackMode.seen ? `engaged (ATTACK_MODE from attempt #${s.attackMode.firstAttempt})` : 'not seen in the verdicts'
  const state = s.attackMode.state
    ? `; GET /admin/api/attack now says ${s.attackMode.state.active ? `on since ${new Date(s.attackMode.state.since).toISOString()}` : 'off'}`
    : ''
  lines.push(`Attack mode: ${mode}${state}.`)
  if (s.attackMode.seen)
    lines.push(
      "It steps down by itself once the attack has been over for the policy's window plus its calm period (see /admin/api/attack).",
    )
  return lines.join('\n')
}

export const USAGE = `Usage: npm run demo:attack [-- [URL] [options]]
       node demo/attack.mjs [URL] [options]

A bounded credential-stuffing bot against the Kenchi demo shop (start it first: npm run demo).
URL defaults to ${ATTACK_DEFAULTS.url}; it must be on this machine unless --allow-remote.

Options:
  --attempts N        login attempts, ${ATTACK_BOUNDS.attempts.join('–')} (default ${ATTACK_DEFAULTS.attempts})
  --concurrency N     bot browsers at once, each one device, ${ATTACK_BOUNDS.concurrency.join('–')} (default ${ATTACK_DEFAULTS.concurrency})
  --time SECONDS      longest run, 1–600 (default ${ATTACK_DEFAULTS.timeLimitMs / 1000})
  --proxies N         fake source addresses to rotate through (X-Forwarded-For), 0 = none (default ${ATTACK_DEFAULTS.proxies})
  --stealthy          hide the automation flags, vary user agents, type with random delays
  --headed            show the bot's browser windows
  --allow-remote      allow a URL that is not on this machine (only a shop you run)
  --seed N            seed of the leaked list and the delays (default ${ATTACK_DEFAULTS.seed})
  --admin-password P  also read GET /admin/api/attack at the end (or set KENCHI_ADMIN_PASSWORD)
  --json              print the summary as JSON instead of text
  -h, --help          this help

Exit status: 0 when the bot ran (whatever the shop decided), 1 when it could not run
(no browser, demo not reachable), 2 for a bad option.`

/** Parses the command line into runAttack options, or throws AttackOptionError. */
export function parseAttackArgs(argv) {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        attempts: { type: 'string' },
        concurrency: { type: 'string' },
        time: { type: 'string' },
        proxies: { type: 'string' },
        seed: { type: 'string' },
        stealthy: { type: 'boolean' },
        headed: { type: 'boolean' },
        'allow-remote': { type: 'boolean' },
        'admin-password': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new AttackOptionError(error.message)
  }
  const { values, positionals } = parsed
  if (positionals.length > 1) throw new AttackOptionError(`one URL at most, got: ${positionals.join(' ')}`)
  const integer = (name, text) => {
    if (text === undefined) return undefined
    if (!/^\d+$/.test(text)) throw new AttackOptionError(`--${name}: expected a whole number, got "${text}"`)
    return Number(text)
  }
  const time = integer('time', values.time)
  const [least, most] = ATTACK_BOUNDS.timeLimitMs.map((ms) => ms / 1000)
  if (time !== undefined && (time < least || time > most))
    throw new AttackOptionError(`--time: expected ${least} to ${most} seconds, got ${time}`)
  return {
    help: values.help === true,
    json: values.json === true,
    options: {
      url: positionals[0],
      attempts: integer('attempts', values.attempts),
      concurrency: integer('concurrency', values.concurrency),
      timeLimitMs: time === undefined ? undefined : time * 1000,
      proxies: integer('proxies', values.proxies),
      seed: integer('seed', values.seed),
      stealthy: values.stealthy === true,
      headed: values.headed === true,
      allowRemote: values['allow-remote'] === true,
      adminPassword: values['admin-password'] ?? process.env.KENCHI_ADMIN_PASSWORD,
    },
  }
}

async function main(argv) {
  let args
  try {
    args = parseAttackArgs(argv)
    if (args.help) {
      console.log(USAGE)
      return 0
    }
    checkOptions(args.options)
  } catch (error) {
    if (!(error instanceof AttackOptionError)) throw error
    const message = error.message.replace(/^(attempts|concurrency|proxies|seed|url):/, (_, name) =>
      name === 'url' ? 'URL:' : `--${name}:`,
    )
    console.error(`demo:attack: ${message}\nRun with --help for the options.`)
    return 2
  }
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort())
  const o = { ...ATTACK_DEFAULTS, ...Object.fromEntries(Object.entries(args.options).filter(([, v]) => v !== undefined)) }
  if (!args.json) {
    console.log(
      `Credential stuffing ${o.url}: ${o.attempts} attempts, ${o.concurrency} bot browser(s), ${o.proxies || 'no'} proxy address(es)${o.stealthy ? ', stealthy' : ''}; at most ${o.timeLimitMs / 1000} s. Ctrl+C stops.`,
    )
    console.log(`Watch the admin console: ${new URL('admin', o.url).href}\n`)
  }
  let summary
  try {
    summary = await runAttack({
      ...args.options,
      signal: controller.signal,
      onAttempt: args.json ? undefined : (r) => console.log(formatAttempt(r)),
    })
  } catch (error) {
    console.error(`demo:attack: ${error?.message ?? error}`)
    return 1
  }
  console.log(args.json ? JSON.stringify(summary, null, 2) : `\n${formatSummary(summary)}`)
  return 0
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2))
}
