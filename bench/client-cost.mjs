// Page cost in Chromium: the same login page (1) bare, (2) with Kenchi's script tag, and
// (3) with FingerprintJS + BotD doing the same job (visitorId and bot verdict ready before
// submit; bench/apps/peers-app.js, tree-shaken and minified). Each round loads every variant
// in a fresh browser context, in rotating order, and fills the form like a script would
// (click, type with 80 ms between keys), starting 300 ms after the load event whatever the
// detector is doing. Measured per load:
//   - ready: navigation start → Kenchi.ready() / both peer results available;
//   - at submit: Kenchi.token('login') with the challenge prefetched, vs a fresh FingerprintJS
//     get() + BotD collect()/detect() (5 calls per load);
//   - long tasks (> 50 ms) and total blocking time (Σ of the part over 50 ms), navigation →
//     end of the form fill;
//   - INP (web-vitals, every interaction) during the form fill.
// Medians with quartiles and min–max over the loads.
//
//   npm run build && node bench/client-cost.mjs [rounds=7] [cpuSlowdown=1]     (npm run bench:client)
//
// Writes bench/results/client-cost.json (client-cost-cpu<N>x.json with a slowdown). Not part of npm test.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { buildApps } from './lib/apps.mjs'
import { CHROMIUM_ARGS, findChromium, secondsSince, spread, versions, writeResult } from './lib/env.mjs'
import { startSite } from './lib/site.mjs'

const rounds = Math.max(1, Number(process.argv[2] ?? 7))
const slowdown = Math.max(1, Number(process.argv[3] ?? 1))
const VARIANTS = ['blank', 'kenchi', 'peers']
const LABELS = { blank: 'blank page', kenchi: 'Kenchi (script tag)', peers: 'FingerprintJS + BotD' }
const EMAIL = 'hanako.yamada@example.jp'
const PASSWORD = 'Sakura-Momiji-2026'

const started = performance.now()
const appsDir = await mkdtemp(join(tmpdir(), 'kenchi-cost-'))
await buildApps(appsDir, ['peers'])
const site = await startSite({ appsDir })
const executablePath = await findChromium()
const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS })

async function load(variant) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const errors = []
  page.on('pageerror', (e) => errors.push(e.message))
  if (slowdown > 1) {
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: slowdown })
  }
  try {
    await page.goto(`${site.origin}/cost/${variant}`, { waitUntil: 'load' })
    await page.waitForTimeout(300)
    await page.click('#email')
    await page.keyboard.type(EMAIL, { delay: 80 })
    await page.click('#password')
    await page.keyboard.type(PASSWORD, { delay: 80 })
    // Let web-vitals see the last interaction, then read the figures for the form fill.
    await page.click('#title', { position: { x: 2, y: 2 } })
    await page.waitForTimeout(300)
    if (variant !== 'blank') await page.waitForFunction(() => window.__bench.readyAt !== null, null, { timeout: 20_000 })
    const bench = await page.evaluate(() => window.__bench)
    const out = {
      variant,
      readyMs: bench.readyAt === null ? null : Math.round(bench.readyAt),
      inpMs: bench.inp,
      longTasks: bench.longTasks,
    }
    out.tbtMs = bench.longTasks.reduce((a, [, d]) => a + Math.max(0, d - 50), 0)
    // At submit, five times.
    if (variant === 'kenchi') {
      out.atSubmitMs = await page.evaluate(async () => {
        const times = []
        for (let i = 0; i < 5; i++) {
          if (i > 0) window.Kenchi.prefetch('login')
          await new Promise((r) => setTimeout(r, 150))
          const t0 = performance.now()
          await window.Kenchi.token('login')
          times.push(Math.round((performance.now() - t0) * 10) / 10)
        }
        return times
      })
    } else if (variant === 'peers') {
      out.atSubmitMs = await page.evaluate(async () => {
        const times = []
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setTimeout(r, 150))
          const t0 = performance.now()
          await window.Peers.atSubmit()
          times.push(Math.round((performance.now() - t0) * 10) / 10)
        }
        return times
      })
    }
    await Promise.all([page.waitForURL('**/login'), page.click('#go')])
    if (errors.length) out.errors = errors
    return out
  } finally {
    await context.close()
  }
}

const runs = []
for (let i = 0; i < rounds; i++) {
  // Rotate the order so no variant always runs first (a cold browser) or last.
  const order = VARIANTS.map((_, j) => VARIANTS[(i + j) % VARIANTS.length])
  for (const variant of order) {
    try {
      runs.push(await load(variant))
    } catch (error) {
      // One broken load is reported and left out; the others still count.
      runs.push({ variant, failed: String(error?.message ?? error).split('\n')[0], longTasks: [] })
      console.warn(`${variant}: load failed: ${runs.at(-1).failed}`)
    }
  }
}
const chromiumVersion = browser.version()
const userAgent = await (async () => {
  const p = await browser.newPage()
  const ua = await p.evaluate(() => navigator.userAgent)
  await p.close()
  return ua
})()
await browser.close()
await site.close()
await rm(appsDir, { recursive: true, force: true })

const summary = {}
for (const variant of VARIANTS) {
  const rs = runs.filter((r) => r.variant === variant && !r.failed)
  const tasks = rs.flatMap((r) => r.longTasks.map(([, d]) => d))
  summary[variant] = {
    label: LABELS[variant],
    loads: rs.length,
    readyMs: spread(rs.map((r) => r.readyMs)),
    atSubmitMs: spread(rs.flatMap((r) => r.atSubmitMs ?? [])),
    longTasksPerLoad: spread(rs.map((r) => r.longTasks.length)),
    longTasksTotal: tasks.length,
    longestTaskMs: Math.max(0, ...tasks),
    tbtMs: spread(rs.map((r) => r.tbtMs)),
    inpMs: spread(rs.map((r) => r.inpMs)),
    errors: rs.flatMap((r) => r.errors ?? []),
    failedLoads: runs.filter((r) => r.variant === variant && r.failed).map((r) => r.failed),
  }
}
const seconds = secondsSince(started)
const path = await writeResult(slowdown > 1 ? `client-cost-cpu${slowdown}x` : 'client-cost', {
  chromium: chromiumVersion,
  userAgent,
  executablePath,
  headless: true,
  cpuSlowdown: slowdown,
  rounds,
  versions: versions(['playwright-core', '@fingerprintjs/fingerprintjs', '@fingerprintjs/botd', 'web-vitals']),
  method:
    'fresh context per load; form filled by Playwright (click, keyboard.type with 80 ms delay) from 300 ms after load; long tasks and TBT from navigation to the end of the form fill; INP by web-vitals onINP (reportAllChanges, durationThreshold 0)',
  summary,
  runs,
  seconds,
})

const fmt = (s) => (s.n ? `${s.median} (${s.min}–${s.max})` : '—')
console.log(
  `Page cost, Chromium ${chromiumVersion} headless, CPU slowdown ${slowdown}x, ${rounds} loads each (${seconds} s); median (min–max)`,
)
console.table(
  Object.fromEntries(
    VARIANTS.map((v) => [
      LABELS[v],
      {
        'ready (ms)': fmt(summary[v].readyMs),
        'at submit (ms)': fmt(summary[v].atSubmitMs),
        'long tasks/load': fmt(summary[v].longTasksPerLoad),
        'TBT (ms)': fmt(summary[v].tbtMs),
        'INP (ms)': fmt(summary[v].inpMs),
      },
    ]),
  ),
)
for (const v of VARIANTS) if (summary[v].errors.length) console.warn(`${v}: page errors: ${[...new Set(summary[v].errors)].join('; ')}`)
console.log(`wrote ${path}`)
