// The client's cost on a page, in Chromium: the same login page with and without the
// script tag, loaded and typed into by a script, several rounds each, alternating.
// Prints and writes bench/results/client-cost.json:
//   - time from navigation start until a token is ready (every signal collected);
//   - time of token() at submit, with the challenge prefetched (as the script tag does);
//   - long tasks (> 50 ms) from navigation to submit, with and without the SDK;
//   - INP (web-vitals) during scripted typing, with and without the SDK.
// Run after `npm run build`: node bench/client-cost.mjs [rounds=5] [cpuSlowdown=1]
// (npm run bench:client). Not part of npm test.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { createVerifier, memoryStore } from '@kenchi/server'

const rounds = Math.max(1, Number(process.argv[2] ?? 5))
const slowdown = Math.max(1, Number(process.argv[3] ?? 1))
const clientDist = dirname(fileURLToPath(import.meta.resolve('@kenchi/client/kenchi.min.js')))
const webVitals = fileURLToPath(new URL('../node_modules/web-vitals/dist/web-vitals.iife.js', import.meta.url))
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'"

// The harness runs before anything else on the page: long-task observer and INP.
const HARNESS = `
window.__bench = { longTasks: [], inp: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) window.__bench.longTasks.push([Math.round(e.startTime), Math.round(e.duration)]);
}).observe({ type: 'longtask', buffered: true });
webVitals.onINP((m) => { window.__bench.inp = m.value }, { reportAllChanges: true, durationThreshold: 0 });
`

function pageHtml(withSdk) {
  const sdk = withSdk ? '<script src="/kenchi/kenchi.min.js" data-endpoint="/kenchi" async></script>' : ''
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>
<script src="/web-vitals.js"></script><script src="/harness.js"></script>${sdk}</head><body>
<form method="post" action="/done" data-kenchi-action="login">
<p><input id="email" name="email" autocomplete="off"></p>
<p><input id="password" name="password" type="password" autocomplete="off"></p>
<p><button id="go" type="submit">Log in</button></p>
${'<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>'.repeat(40)}
</form></body></html>`
}

const server = createServer()
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}`
const verifier = await createVerifier({ keys: [{ id: 'b', secret: randomBytes(32) }], origins: [origin], store: memoryStore() })
server.on('request', async (req, res) => {
  const send = (status, type, body) => {
    res.writeHead(status, { 'content-type': type, 'content-security-policy': CSP, 'cache-control': 'no-store' })
    res.end(body)
  }
  try {
    const path = new URL(req.url, origin).pathname
    if (path === '/with') return send(200, 'text/html', pageHtml(true))
    if (path === '/without') return send(200, 'text/html', pageHtml(false))
    if (path === '/harness.js') return send(200, 'text/javascript', HARNESS)
    if (path === '/web-vitals.js') return send(200, 'text/javascript', await readFile(webVitals))
    if (req.method === 'POST' && path === '/kenchi/challenge') {
      let body = ''
      for await (const chunk of req) body += chunk
      return send(200, 'application/json', JSON.stringify(await verifier.challenge({ action: JSON.parse(body).action, origin })))
    }
    if (req.method === 'POST' && path === '/done') return send(200, 'text/html', '<p id="done">done</p>')
    const file = path.startsWith('/kenchi/') ? join(clientDist, path.slice(8)) : ''
    if (file && /^[\w.-]+$/.test(path.slice(8)) && existsSync(file)) return send(200, 'text/javascript', await readFile(file))
    return send(404, 'text/plain', 'not found')
  } catch {
    return send(500, 'text/plain', 'error')
  }
})

const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(existsSync) ?? process.env.KENCHI_CHROMIUM
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--disable-gpu', '--no-first-run', '--disable-background-networking', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
})

const TEXT = 'hanako.yamada@example.jp'
const PASSWORD = 'Sakura-Momiji-2026'

async function run(withSdk) {
  const context = await browser.newContext()
  const page = await context.newPage()
  if (slowdown > 1) {
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: slowdown })
  }
  await page.goto(`${origin}/${withSdk ? 'with' : 'without'}`, { waitUntil: 'load' })
  const out = { withSdk }
  if (withSdk) {
    await page.waitForFunction(() => typeof window.Kenchi?.ready === 'function')
    out.readyMs = await page.evaluate(async () => {
      await window.Kenchi.ready()
      return Math.round(performance.now())
    })
  }
  // Scripted typing, as a person would: click a field, type with ~80 ms between keys.
  await page.click('#email')
  await page.keyboard.type(TEXT, { delay: 80 })
  await page.click('#password')
  await page.keyboard.type(PASSWORD, { delay: 80 })
  if (withSdk) {
    // token() at submit: the challenge was prefetched when the form was seen.
    out.tokenMs = await page.evaluate(async () => {
      const times = []
      for (let i = 0; i < 5; i++) {
        window.Kenchi.prefetch('login')
        await new Promise((r) => setTimeout(r, 150))
        const t0 = performance.now()
        await window.Kenchi.token('login')
        times.push(performance.now() - t0)
      }
      return times
    })
  }
  // Let web-vitals see the last interactions, then read the figures before submitting.
  await page.click('body', { position: { x: 5, y: 5 } })
  await page.waitForTimeout(300)
  const bench = await page.evaluate(() => window.__bench)
  out.inpMs = bench.inp
  out.longTasks = bench.longTasks
  await Promise.all([page.waitForURL('**/done'), page.click('#go')])
  await context.close()
  return out
}

const chromiumVersion = browser.version()
const results = { with: [], without: [] }
const started = performance.now()
for (let i = 0; i < rounds; i++) {
  results.without.push(await run(false))
  results.with.push(await run(true))
}
await browser.close()
server.close()

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return 0
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const round1 = (x) => Math.round(x * 10) / 10
const longTasks = (rs) => rs.flatMap((r) => r.longTasks.map(([, d]) => d))
const tokenTimes = results.with.flatMap((r) => r.tokenMs)
const summary = {
  date: new Date().toISOString(),
  chromium: chromiumVersion,
  cpuSlowdown: slowdown,
  rounds,
  tokenReadyMs: { median: median(results.with.map((r) => r.readyMs)), max: Math.max(...results.with.map((r) => r.readyMs)) },
  tokenAtSubmitMs: { median: round1(median(tokenTimes)), max: round1(Math.max(...tokenTimes)) },
  longTasks: {
    with: { count: longTasks(results.with).length, maxMs: Math.max(0, ...longTasks(results.with)) },
    without: { count: longTasks(results.without).length, maxMs: Math.max(0, ...longTasks(results.without)) },
  },
  inpMs: {
    with: { median: median(results.with.map((r) => r.inpMs)), all: results.with.map((r) => r.inpMs) },
    without: { median: median(results.without.map((r) => r.inpMs)), all: results.without.map((r) => r.inpMs) },
  },
  seconds: Math.round((performance.now() - started) / 1000),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? '', node: process.version },
}
summary.inpMs.difference = summary.inpMs.with.median - summary.inpMs.without.median

console.log(`Kenchi client cost, Chromium, CPU slowdown ${slowdown}x, ${rounds} rounds each (${summary.seconds} s)`)
console.table({
  'token ready after navigation (ms)': { median: summary.tokenReadyMs.median, max: summary.tokenReadyMs.max },
  'token() at submit (ms)': { median: summary.tokenAtSubmitMs.median, max: summary.tokenAtSubmitMs.max },
  'INP with SDK (ms)': { median: summary.inpMs.with.median, max: Math.max(...summary.inpMs.with.all) },
  'INP without SDK (ms)': { median: summary.inpMs.without.median, max: Math.max(...summary.inpMs.without.all) },
})
console.table({
  'long tasks > 50 ms, with SDK': { total: summary.longTasks.with.count, longestMs: summary.longTasks.with.maxMs },
  'long tasks > 50 ms, without SDK': { total: summary.longTasks.without.count, longestMs: summary.longTasks.without.maxMs },
})
console.log(`INP difference (median with − without): ${summary.inpMs.difference} ms`)
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(new URL(`./results/client-cost${slowdown > 1 ? `-cpu${slowdown}x` : ''}.json`, import.meta.url), JSON.stringify({ summary, results }, null, 2) + '\n')
