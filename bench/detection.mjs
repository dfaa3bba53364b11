// Detection, side by side: the same login page carries Kenchi's script tag (served and
// verified by `expressKenchi(verifier)` with the default rules, `scriptTag()` in the page,
// `guard('login')` on the POST) and BotD (bench/apps/botd-app.js, its verdict posted with
// the form). Each kind of automation that runs here logs in `--runs` times (10 by default),
// each run in a fresh browser profile against a fresh verifier and store, so a verdict
// comes from that one session (no velocity across runs). Reported per kind: the share
// Kenchi challenged or denied, the share it denied, and the share BotD called a bot, with
// counts and Wilson 95 % intervals, and which reasons and botKinds came up.
//
//   npm run build && node bench/detection.mjs [--runs 10] [--kinds id,id,...]
//
// Headed kinds need an X display: Xvfb is started on a free display if installed
// (apt-get install xvfb), else $DISPLAY is used, else those kinds are skipped and say so.
// Writes bench/results/detection.json. Not part of npm test.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createCursor, path as ghostPath } from 'ghost-cursor'
import { chromium } from 'playwright-core'
import { addExtra as playwrightExtra } from 'playwright-extra'
import puppeteerCore from 'puppeteer-core'
import { addExtra as puppeteerExtra } from 'puppeteer-extra'
import StealthPlugin from 'puppeteer-extra-plugin-stealth'
import { buildApps } from './lib/apps.mjs'
import { CHROMIUM_ARGS, findChromium, secondsSince, versions, wilson, writeResult } from './lib/env.mjs'
import { startSite } from './lib/site.mjs'

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '10' }, kinds: { type: 'string', default: '' } } })
const RUNS = Math.max(1, Number(args.runs))
// A realistic login, kept short so the typing kinds fit the time budget (30 keys).
const EMAIL = 'hanako.y@example.jp'
const PASSWORD = 'Momiji-2026'

/** The kinds of automation, weakest disguise first. */
const KINDS = [
  { id: 'playwright-headless', label: 'Playwright, headless', driver: 'playwright', headless: true, input: 'fill' },
  { id: 'playwright-headed', label: 'Playwright, headed (Xvfb)', driver: 'playwright', headless: false, input: 'fill' },
  { id: 'playwright-stealth', label: 'playwright-extra + stealth, headless', driver: 'playwright-extra', headless: true, input: 'fill' },
  {
    id: 'puppeteer-stealth',
    label: 'puppeteer-core + puppeteer-extra stealth, headless',
    driver: 'puppeteer-extra',
    headless: true,
    input: 'type',
  },
  {
    id: 'puppeteer-stealth-typing-fixed',
    label: 'puppeteer stealth, typing with a fixed 100 ms delay',
    driver: 'puppeteer-extra',
    headless: true,
    input: 'type-fixed',
  },
  {
    id: 'puppeteer-stealth-typing-random',
    label: 'puppeteer stealth, typing with randomised delays',
    driver: 'puppeteer-extra',
    headless: true,
    input: 'type-random',
  },
  {
    id: 'puppeteer-stealth-ghost-cursor',
    label: 'puppeteer stealth + ghost-cursor mouse paths + randomised typing',
    driver: 'puppeteer-extra',
    headless: true,
    input: 'ghost',
  },
  {
    id: 'puppeteer-stealth-ghost-cursor-headed',
    label: 'puppeteer stealth + ghost-cursor + randomised typing, headed (Xvfb)',
    driver: 'puppeteer-extra',
    headless: false,
    input: 'ghost',
  },
  {
    id: 'playwright-flags-hidden-human-input',
    label: 'Playwright headed (Xvfb), automation flags removed at launch, ghost-cursor paths paced like a hand + randomised typing',
    driver: 'playwright',
    headless: false,
    hideFlags: true,
    input: 'ghost-paced',
  },
]
const INPUTS = {
  fill: 'page.fill() both fields, page.click() the button',
  type: 'page.type() both fields (no delay), page.click() the button',
  'type-fixed': 'click each field, page.type() with { delay: 100 } (puppeteer: key held 100 ms, no gap), click the button',
  'type-random':
    'click each field; per key: hold 40–110 ms, gap 40–320 ms (log-normal, median 110), Shift for capitals; click held 60–140 ms',
  ghost: 'ghost-cursor Bezier paths and clicks (hesitate, 60–140 ms press) to each field and the button, randomised typing as above',
  'ghost-paced':
    'ghost-cursor path() points replayed with page.mouse over 450–900 ms per move, 60–140 ms presses, randomised typing as above',
}

// ---------- a display for headed browsers ----------
async function startXvfb() {
  return new Promise((resolve) => {
    let child
    try {
      child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1366x768x24', '-nolisten', 'tcp'], {
        stdio: ['ignore', 'ignore', 'ignore', 'pipe'],
      })
    } catch {
      return resolve(undefined)
    }
    const timer = setTimeout(() => resolve(undefined), 5000)
    child.once('error', () => {
      clearTimeout(timer)
      resolve(undefined)
    })
    child.stdio[3].once('data', (data) => {
      clearTimeout(timer)
      resolve({ display: `:${String(data).trim()}`, stop: () => child.kill('SIGTERM') })
    })
  })
}

// ---------- human-ish randomness (seeded, so runs are repeatable in kind) ----------
let seed = 20261121
const random = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed / 0x7fffffff
}
const between = (lo, hi) => lo + random() * (hi - lo)
const logNormal = (median, sigma, lo, hi) => {
  const u = Math.max(1e-9, random())
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
  return Math.min(hi, Math.max(lo, median * Math.exp(sigma * z)))
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Types like a fast hand: key held 40–110 ms, gaps log-normal around 110 ms, Shift for capitals. Works for both drivers' keyboards. */
async function typeRandom(keyboard, text) {
  for (const ch of text) {
    const shift = /[A-Z]/.test(ch)
    if (shift) {
      await keyboard.down('Shift')
      await sleep(between(30, 90))
    }
    await keyboard.down(ch)
    await sleep(between(40, 110))
    await keyboard.up(ch)
    if (shift) await keyboard.up('Shift')
    await sleep(logNormal(110, 0.45, 40, 320))
  }
}

// ---------- the drivers ----------
const executablePath = await findChromium()

async function launch(kind, display) {
  const env = display ? { ...process.env, DISPLAY: display } : process.env
  if (kind.driver === 'playwright' || kind.driver === 'playwright-extra') {
    let launcher = chromium
    if (kind.driver === 'playwright-extra') {
      launcher = playwrightExtra(chromium)
      launcher.use(StealthPlugin())
    }
    const hide = kind.hideFlags ? { ignoreDefaultArgs: ['--enable-automation'] } : {}
    const extraArgs = kind.hideFlags ? ['--disable-blink-features=AutomationControlled'] : []
    const browser = await launcher.launch({ executablePath, headless: kind.headless, args: [...CHROMIUM_ARGS, ...extraArgs], env, ...hide })
    return {
      version: browser.version(),
      async newPage() {
        const context = await browser.newContext()
        const page = await context.newPage()
        return { page, close: () => context.close() }
      },
      close: () => browser.close(),
    }
  }
  const puppeteer = puppeteerExtra(puppeteerCore)
  puppeteer.use(StealthPlugin())
  const browser = await puppeteer.launch({
    executablePath,
    headless: kind.headless,
    args: CHROMIUM_ARGS,
    env,
    defaultViewport: { width: 1280, height: 720 },
  })
  return {
    version: await browser.version(),
    async newPage() {
      const context = await browser.createBrowserContext()
      const page = await context.newPage()
      return { page, close: () => context.close() }
    },
    close: () => browser.close(),
  }
}

/** Fills the form and submits it, the kind's way; resolves when the verdict page is shown. */
async function logIn(kind, page, origin) {
  const isPlaywright = kind.driver.startsWith('playwright')
  await page.goto(`${origin}/login`, { waitUntil: 'load' })
  // Both detectors get the same chance: BotD has finished before anything is typed.
  await page.waitForSelector('html[data-botd]', { timeout: 15_000 })
  // Playwright's waitForURL would match the login page itself; the verdict page's #decision marks the end for both.
  const submitted = isPlaywright ? Promise.resolve() : page.waitForNavigation({ waitUntil: 'load' })
  const holdClick = async (selector) => {
    const box = await (await page.$(selector)).boundingBox()
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await sleep(between(60, 140))
    await page.mouse.up()
  }
  switch (kind.input) {
    case 'fill':
      await page.fill('#email', EMAIL)
      await page.fill('#password', PASSWORD)
      await page.click('#go')
      break
    case 'type':
      await page.type('#email', EMAIL)
      await page.type('#password', PASSWORD)
      await page.click('#go')
      break
    case 'type-fixed':
      await page.click('#email')
      await page.type('#email', EMAIL, { delay: 100 })
      await page.click('#password')
      await page.type('#password', PASSWORD, { delay: 100 })
      await page.click('#go')
      break
    case 'type-random':
      await sleep(between(400, 900))
      await holdClick('#email')
      await typeRandom(page.keyboard, EMAIL)
      await sleep(between(200, 600))
      await holdClick('#password')
      await typeRandom(page.keyboard, PASSWORD)
      await sleep(between(300, 800))
      await holdClick('#go')
      break
    case 'ghost': {
      const cursor = createCursor(page, { x: between(50, 400), y: between(300, 600) })
      const click = { hesitate: between(50, 200), waitForClick: between(60, 140), moveDelay: 300 }
      await sleep(between(400, 900))
      await cursor.click('#email', click)
      await typeRandom(page.keyboard, EMAIL)
      await cursor.click('#password', { ...click, hesitate: between(50, 200) })
      await typeRandom(page.keyboard, PASSWORD)
      await cursor.click('#go', { ...click, hesitate: between(100, 300) })
      break
    }
    case 'ghost-paced': {
      let at = { x: between(50, 400), y: between(300, 600) }
      const moveAndClick = async (selector) => {
        const box = await page.locator(selector).boundingBox()
        const to = { x: box.x + between(0.2, 0.8) * box.width, y: box.y + between(0.25, 0.75) * box.height }
        // ghost-cursor's Bezier path, paced like a hand: 450–900 ms per move, jittered steps.
        const points = ghostPath(at, to)
        const step = between(450, 900) / points.length
        for (const p of points) {
          await page.mouse.move(p.x, p.y)
          await sleep(step * between(0.6, 1.4))
        }
        at = to
        await sleep(between(50, 200))
        await page.mouse.down()
        await sleep(between(60, 140))
        await page.mouse.up()
      }
      await sleep(between(400, 900))
      await moveAndClick('#email')
      await typeRandom(page.keyboard, EMAIL)
      await moveAndClick('#password')
      await typeRandom(page.keyboard, PASSWORD)
      await sleep(between(200, 500))
      await moveAndClick('#go')
      break
    }
    default:
      throw new Error(`unknown input ${kind.input}`)
  }
  await submitted
  await page.waitForSelector('#decision', { timeout: 15_000 })
  return page.evaluate(() => ({ webdriver: navigator.webdriver, userAgent: navigator.userAgent }))
}

// ---------- the run ----------
const started = performance.now()
const appsDir = await mkdtemp(join(tmpdir(), 'kenchi-detect-'))
await buildApps(appsDir, ['botd'])
const site = await startSite({ appsDir })
const wantedKinds = args.kinds ? KINDS.filter((k) => args.kinds.split(',').includes(k.id)) : KINDS
let xvfb
const needsDisplay = wantedKinds.some((k) => !k.headless)
if (needsDisplay) xvfb = await startXvfb()
const display = xvfb?.display ?? process.env.DISPLAY
const results = []
const skipped = []
let chromiumVersion = null

try {
  for (const kind of wantedKinds) {
    if (!kind.headless && !display) {
      skipped.push({ id: kind.id, label: kind.label, why: 'no X display: Xvfb not installed and $DISPLAY not set' })
      console.warn(`skipped ${kind.id}: ${skipped.at(-1).why}`)
      continue
    }
    const kindStart = performance.now()
    const browser = await launch(kind, kind.headless ? undefined : display)
    chromiumVersion ??= browser.version
    const runs = []
    try {
      for (let i = 0; i < RUNS; i++) {
        await site.reset()
        const before = site.logins.length
        const { page, close } = await browser.newPage()
        try {
          const seen = await logIn(kind, page, site.origin)
          const login = site.logins[before]
          if (!login) throw new Error('no login reached the server')
          runs.push({
            decision: login.verdict.decision,
            score: login.verdict.score,
            reasons: login.verdict.reasons.map((r) => r.code),
            signals: login.verdict.reasons.flatMap((r) =>
              r.detail?.signal ? [`${r.code}:${r.detail.signal}`] : r.detail?.found ? r.detail.found.map((f) => `${r.code}:${f}`) : [],
            ),
            botd: login.botd,
            ...seen,
          })
        } catch (error) {
          runs.push({ error: String(error?.message ?? error).split('\n')[0] })
        } finally {
          await close()
        }
      }
    } finally {
      await browser.close()
    }
    const ok = runs.filter((r) => !r.error)
    const count = (pred) => ok.filter(pred).length
    const tally = (list) =>
      Object.fromEntries(Object.entries(list.reduce((a, x) => ((a[x] = (a[x] ?? 0) + 1), a), {})).sort((a, b) => b[1] - a[1]))
    const result = {
      id: kind.id,
      label: kind.label,
      driver: kind.driver,
      headless: kind.headless,
      input: INPUTS[kind.input],
      runs: runs.length,
      completed: ok.length,
      errors: runs.filter((r) => r.error).map((r) => r.error),
      kenchi: {
        flagged: wilson(
          count((r) => r.decision !== 'allow'),
          ok.length,
        ),
        denied: wilson(
          count((r) => r.decision === 'deny'),
          ok.length,
        ),
        decisions: {
          allow: count((r) => r.decision === 'allow'),
          challenge: count((r) => r.decision === 'challenge'),
          deny: count((r) => r.decision === 'deny'),
        },
        reasons: tally(ok.flatMap((r) => [...new Set(r.reasons)])),
        findings: tally(ok.flatMap((r) => [...new Set(r.signals)])),
      },
      botd: {
        bot: wilson(
          count((r) => r.botd?.bot === true),
          ok.length,
        ),
        botKinds: tally(ok.filter((r) => r.botd?.bot).map((r) => r.botd.botKind)),
        errors: count((r) => !r.botd || 'error' in r.botd),
      },
      webdriver: tally(ok.map((r) => String(r.webdriver))),
      userAgents: [...new Set(ok.map((r) => r.userAgent))],
      seconds: secondsSince(kindStart),
      samples: runs,
    }
    results.push(result)
    const pct = (w) => (w.rate === null ? '—' : `${Math.round(w.rate * 100)} % (${w.k}/${w.n})`)
    console.log(
      `${kind.id}: Kenchi flagged ${pct(result.kenchi.flagged)}, denied ${pct(result.kenchi.denied)}; BotD bot ${pct(result.botd.bot)} [${result.seconds} s]${result.errors.length ? ` errors: ${result.errors.length}` : ''}`,
    )
  }
} finally {
  xvfb?.stop()
  await site.close()
  await rm(appsDir, { recursive: true, force: true })
}

const path = await writeResult('detection', {
  chromium: chromiumVersion,
  executablePath,
  runsPerKind: RUNS,
  display: xvfb ? `Xvfb ${xvfb.display}` : display ? `$DISPLAY ${display}` : null,
  versions: versions([
    'playwright-core',
    'playwright-extra',
    'puppeteer-core',
    'puppeteer-extra',
    'puppeteer-extra-plugin-stealth',
    'ghost-cursor',
    '@fingerprintjs/botd',
    'express',
  ]),
  method:
    'one login page with Kenchi (expressKenchi scriptTag + guard, default rules) and BotD (load + detect, verdict posted with the form); each run: fresh browser context, fresh verifier and memory store, wait for BotD, fill the form, submit; flagged = challenge or deny; intervals are Wilson 95 %',
  kinds: results,
  skipped,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
