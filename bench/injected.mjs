// INJECTED_INPUT, measured: headed Chromium under Xvfb logs in on one login page (the
// built client's script tag, a verifier with the default rules) with human-like mouse
// paths and key timings (bench/lib/injected-drive.mjs), either
//   - through the DevTools protocol, by playwright-core, patchright-core and
//     rebrowser-puppeteer-core (`page.mouse` / `page.keyboard`: Input.dispatch*Event), or
//   - by xdotool: real X11 input from the X server into a Chromium no driver is attached
//     to (the "genuine hardware" control; its profile is reused, like a returning customer).
// Reported per driver: catch rate (INJECTED_INPUT present) and the share not allowed, with
// Wilson 95 % intervals; for xdotool: the false-positive rate of INJECTED_INPUT. Also the
// phase share (the rule's statistic) per group.
//
//   npm run build && node bench/injected.mjs [--sessions 50] [--drivers a,b] [--genuine 50]
//
// Needs Xvfb and xdotool. Writes bench/results/injected.json. Not part of npm test.
import { parseArgs } from 'node:util'
import { decodeInputClock } from '@kenchi/protocol'
import { DRIVERS, injectedReason, launchDriver, launchGenuine, sessionPlan, startLoginSite, startXvfb } from './lib/injected-drive.mjs'
import { secondsSince, spread, versions, wilson, writeResult } from './lib/env.mjs'
import { importSource } from '../scripts/import-source.mjs'

// The injected-input rule's phase statistic is internal to @kenchi/server: read from its source.
const { inputClockPhase } = await importSource('packages/server/src/rules/injected-input.ts')

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '50' },
    genuine: { type: 'string', default: '' },
    drivers: { type: 'string', default: '' },
  },
})
const SESSIONS = Math.max(1, Number(args.sessions))
const GENUINE = args.genuine === '' ? SESSIONS : Math.max(0, Number(args.genuine))
const drivers = args.drivers ? args.drivers.split(',') : DRIVERS

const started = performance.now()
const xvfb = await startXvfb()
const site = await startLoginSite()
const clockOf = (token) => decodeInputClock(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).b?.q)

function summary(rows) {
  const judged = rows.filter((r) => r.events >= 12)
  return {
    sessions: rows.length,
    flagged: wilson(rows.filter((r) => r.flagged).length, rows.length),
    notAllowed: wilson(rows.filter((r) => r.decision !== 'allow').length, rows.length),
    judged: judged.length,
    phaseShare: spread(rows.map((r) => r.share)),
    events: spread(rows.map((r) => r.events)),
    errors: rows.filter((r) => r.error).length,
    reasons: Object.fromEntries(
      [...new Set(rows.flatMap((r) => r.codes))].sort().map((c) => [c, rows.filter((r) => r.codes.includes(c)).length]),
    ),
  }
}

function row(verdict) {
  const clock = clockOf(site.tokens.at(-1))
  const { share, n } = inputClockPhase(clock)
  return { decision: verdict.decision, flagged: !!injectedReason(verdict), codes: verdict.reasons.map((r) => r.code), share, events: n }
}

const groups = {}
try {
  if (GENUINE > 0) {
    const rows = []
    const genuine = await launchGenuine(site, xvfb.env)
    try {
      for (let i = 0; i < GENUINE; i++) {
        try {
          rows.push(row(await genuine.session(sessionPlan(1000 + i))))
        } catch (error) {
          rows.push({ decision: 'error', flagged: false, codes: [], share: null, events: 0, error: String(error.message) })
          break // the page is lost; what ran is reported
        }
      }
    } finally {
      await genuine.close()
    }
    groups.xdotool = summary(rows)
    console.log(
      `xdotool (real X11 input): INJECTED_INPUT in ${groups.xdotool.flagged.k}/${groups.xdotool.flagged.n}`,
      groups.xdotool.flagged,
    )
  }
  for (const name of drivers) {
    const rows = []
    const driver = await launchDriver(name, xvfb.env)
    try {
      for (let i = 0; i < SESSIONS; i++) {
        try {
          const next = site.nextVerdict(30_000)
          await driver.session(site.url, sessionPlan(5000 + i), site.nextReady(30_000))
          rows.push(row(await next))
        } catch (error) {
          rows.push({ decision: 'error', flagged: false, codes: [], share: null, events: 0, error: String(error.message) })
        }
      }
    } finally {
      await driver.close()
    }
    groups[name] = summary(rows)
    console.log(`${name}: INJECTED_INPUT in ${groups[name].flagged.k}/${groups[name].flagged.n}`, groups[name].flagged)
  }
} finally {
  await site.close()
  await xvfb.stop()
}

const path = await writeResult('injected', {
  sessions: SESSIONS,
  genuineSessions: GENUINE,
  seconds: secondsSince(started),
  versions: versions(['playwright-core', 'patchright-core', 'rebrowser-puppeteer-core']),
  note: 'flagged = INJECTED_INPUT in the verdict; notAllowed = challenge or deny from all default rules. xdotool is the false-positive control.',
  groups,
})
console.log('\ngroup                       INJECTED_INPUT            not allowed        phase share (median, min–max)')
for (const [name, g] of Object.entries(groups)) {
  const pct = (w) =>
    w.rate === null ? '   —' : `${(w.rate * 100).toFixed(1)} % [${(w.low * 100).toFixed(1)}–${(w.high * 100).toFixed(1)}]`
  console.log(
    `${name.padEnd(27)} ${`${g.flagged.k}/${g.flagged.n} ${pct(g.flagged)}`.padEnd(26)} ${pct(g.notAllowed).padEnd(18)} ${g.phaseShare.median} (${g.phaseShare.min}–${g.phaseShare.max})`,
  )
}
console.log(`wrote ${path}`)
