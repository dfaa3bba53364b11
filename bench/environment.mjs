// `npm run bench:environment`: the environment rules on phones, tablets and other engines.
//   1. False positives: the genuine-device fixtures (test/fixtures/devices/genuine.json:
//      iPhone, iPad, Android Chrome, Samsung Internet, LINE and Instagram in-app, Firefox,
//      WebKitGTK) and variations of each (orientation, window size, pixel ratio, touch
//      points, languages), through the server's HEADLESS, ENVIRONMENT_TAMPERED and
//      ENVIRONMENT_INCONSISTENT rules. The share with any of them at weight 40 or more, and
//      with any at all, with Wilson 95 % intervals. (The client's collectors over the same
//      fixtures are covered by test/environment-devices.test.ts.)
//   2. Catch rate: real Chromium sessions under Playwright's phone and tablet descriptors
//      (a desktop browser emulating a phone: user agent, screen, pixel ratio, touch) log in
//      on the bench site with the real built script; caught = one of those reasons at
//      weight 40 or more. Each session is a fresh browser context.
//   3. Layout shift the client causes: the cumulative layout-shift score (PerformanceObserver
//      `layout-shift`, without recent input) of the login page with Kenchi's script tag,
//      from load until every signal is collected (the desktop-font probe included), at a
//      desktop and a phone viewport. Expected: 0.
// Usage: node bench/environment.mjs [--sessions 100] [--cls-rounds 5]
// Writes bench/results/environment.json.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { chromium, devices } from 'playwright-core'
import { consistencyRule, headlessRule, tamperingRule } from '@kenchi/server/rules'
import { CHROMIUM_ARGS, findChromium, machine, versions, wilson, writeResult } from './lib/env.mjs'
import { startSite } from './lib/site.mjs'

const { values: args } = parseArgs({
  options: { sessions: { type: 'string', default: '100' }, 'cls-rounds': { type: 'string', default: '5' } },
})
const SESSIONS = Math.max(1, Number(args.sessions))
const CLS_ROUNDS = Math.max(1, Number(args['cls-rounds']))
const ENV_CODES = new Set(['HEADLESS', 'ENVIRONMENT_TAMPERED', 'ENVIRONMENT_INCONSISTENT'])
const started = Date.now()

// ---------- 1. genuine fixtures and their variations ----------
const genuine = JSON.parse(readFileSync(new URL('../test/fixtures/devices/genuine.json', import.meta.url), 'utf8'))

function signalsOf(d) {
  const v = (value) => ({ v: value, d: 0 })
  return {
    webdriver: v(false),
    automation: v([]),
    userAgent: v(d.ua),
    headless: v([]),
    tampering: v([]),
    platform: v([d.platform, d.vendor, d.oscpu]),
    clientHints: d.uaData
      ? v([d.uaData.platform, d.uaData.mobile, d.uaData.brands.map((b) => `${b.brand}/${b.version}`).join(',')])
      : { e: 'unsupported', d: 0 },
    languages: v([d.languages[0], ...d.languages]),
    timezone: v([d.timeZone, 0]),
    screen: v(d.screen),
    hardware: v([d.deviceMemory, d.hardwareConcurrency, d.maxTouchPoints]),
    webgl: d.webgl ? v(d.webgl) : { e: 'unsupported', d: 0 },
    consistency: v([]),
    worker: v({}),
    fontOs: v(d.fontOs),
  }
}

/** Seeded variations of a genuine device: rotated, another window size, zoomed pixel ratio, 5 or 10 touch points, other languages. */
function variations(d, n, seed) {
  let a = seed
  const rnd = () => (a = (a * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const out = [d]
  const touch = d.maxTouchPoints > 0
  for (let i = 1; i < n; i++) {
    const [w, h, aw, ah, cd, dpr, iw, ih, ow, oh] = d.screen
    const rotate = touch && rnd() < 0.5
    // iOS reports the screen in portrait whatever the orientation; Android rotates it.
    const ios = /iPhone|iPad|iPod/.test(d.ua) || (/Macintosh/.test(d.ua) && touch)
    const screen = rotate && !ios ? [h, w, ah, aw] : [w, h, aw, ah]
    const inner = rotate ? [ih, iw] : [iw, ih]
    const scale = touch ? 1 : [1, 0.9, 1.1, 1.25][Math.floor(rnd() * 4)]
    const innerW = Math.round(inner[0] * (touch ? 1 : 1 - rnd() * 0.3))
    const innerH = Math.round(inner[1] * (0.85 + rnd() * 0.15))
    out.push({
      ...d,
      maxTouchPoints: touch ? (rnd() < 0.5 ? 5 : 10) : d.maxTouchPoints,
      languages: rnd() < 0.5 ? d.languages : ['en-US', 'en'],
      screen: [
        ...screen,
        cd,
        Math.round(dpr * scale * 100) / 100,
        innerW,
        innerH,
        ow === 0 ? 0 : rotate ? oh : ow,
        oh === 0 ? 0 : rotate ? ow : oh,
      ],
    })
  }
  return out
}

const rules = [headlessRule(), tamperingRule(), consistencyRule()]
async function reasonsFor(d) {
  const input = {
    context: { action: 'login', userAgent: d.ua },
    token: { body: { s: signalsOf(d) } },
    device: { id: 'd', status: 'waiting', known: false },
    clues: { storedIds: [] },
    now: Date.now(),
  }
  return (await Promise.all(rules.map((r) => r.evaluate(input)))).flat()
}

const perDevice = []
let strong = 0
let any = 0
let total = 0
for (const [i, d] of genuine.entries()) {
  let s = 0
  let a = 0
  const vs = variations(d, 20, 1000 + i)
  for (const v of vs) {
    const reasons = (await reasonsFor(v)).filter((r) => ENV_CODES.has(r.code))
    // Software WebGL on a machine without a GPU is a weight-5 doubt, counted under "any".
    if (reasons.some((r) => r.weight >= 40)) s++
    if (reasons.length) a++
  }
  perDevice.push({ name: d.name, sessions: vs.length, weight40: s, any: a })
  strong += s
  any += a
  total += vs.length
}
const falsePositives = { sessions: total, weight40: wilson(strong, total), any: wilson(any, total), perDevice }
console.log(
  `genuine fixtures: ${total} sessions (${genuine.length} devices × 20 variations); environment reason ≥ 40 in ${strong}, any in ${any}`,
)

// ---------- 2 and 3: real Chromium ----------
const executablePath = await findChromium()
const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--enable-automation'] })
const site = await startSite()
const PHONES = Object.entries(devices)
  .filter(([name, d]) => d.isMobile && !/landscape/.test(name))
  .map(([name]) => name)
  .sort()

async function logIn(descriptor) {
  const context = await browser.newContext({ ...devices[descriptor] })
  try {
    const page = await context.newPage()
    await page.goto(`${site.origin}/login`)
    await page.waitForFunction(() => window.Kenchi?.ready)
    await page.evaluate(() => window.Kenchi.ready())
    await page.tap('#email')
    await page.fill('#email', `user${Math.floor(Math.random() * 1e6)}@example.com`)
    await page.tap('#password')
    await page.fill('#password', 'correct horse battery')
    const before = site.logins.length
    await Promise.all([page.waitForSelector('#decision', { timeout: 20_000 }), page.tap('#go')])
    if (site.logins.length === before) throw new Error('no verdict')
    return site.logins.at(-1).verdict
  } finally {
    await context.close()
  }
}

const sessions = []
for (let i = 0; i < SESSIONS; i++) {
  const descriptor = PHONES[i % PHONES.length]
  try {
    const verdict = await logIn(descriptor)
    const env = verdict.reasons.filter((r) => ENV_CODES.has(r.code))
    sessions.push({
      descriptor,
      caught: env.some((r) => r.weight >= 40),
      reasons: env.map((r) => `${r.code}:${r.weight}:${(r.detail?.found ?? []).join('+')}`),
    })
  } catch (error) {
    sessions.push({ descriptor, error: String(error).slice(0, 200) })
  }
  if ((i + 1) % 10 === 0) console.log(`emulated phones: ${i + 1} of ${SESSIONS} sessions`)
}
const done = sessions.filter((s) => !s.error)
const caught = done.filter((s) => s.caught).length
const found = {}
for (const s of done)
  for (const r of s.reasons) for (const code of r.split(':')[2].split('+')) if (code) found[code] = (found[code] ?? 0) + 1
const emulation = {
  descriptors: PHONES.length,
  sessions: done.length,
  errors: sessions.length - done.length,
  caught: wilson(caught, done.length),
  findings: found,
  missed: done.filter((s) => !s.caught).slice(0, 10),
}
console.log(`Chromium emulating phones (${PHONES.length} Playwright descriptors): caught ${caught} of ${done.length} sessions`)

// ---------- 3. layout shift ----------
async function cls(viewport) {
  const context = await browser.newContext(viewport)
  try {
    await context.addInitScript(() => {
      window.__cls = 0
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value
      }).observe({ type: 'layout-shift', buffered: true })
    })
    const page = await context.newPage()
    await page.goto(`${site.origin}/cost/kenchi`)
    await page.waitForFunction(() => window.Kenchi?.ready)
    await page.evaluate(() => window.Kenchi.ready())
    await page.waitForTimeout(300)
    return await page.evaluate(() => window.__cls)
  } finally {
    await context.close()
  }
}
const layoutShift = {}
for (const [name, viewport] of [
  ['desktop', { viewport: { width: 1366, height: 900 } }],
  ['phone', { viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
]) {
  const values = []
  for (let i = 0; i < CLS_ROUNDS; i++) values.push(await cls(viewport))
  layoutShift[name] = { rounds: values.length, max: Math.max(...values), values }
  console.log(`layout shift from the client (${name}): max ${Math.max(...values)} over ${values.length} loads`)
}

await site.close()
await browser.close()
await writeResult('environment', {
  generated: new Date().toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  machine: machine(),
  versions: { ...versions(['playwright-core']), chromium: browser.version?.() },
  falsePositives,
  emulation,
  layoutShift,
})
