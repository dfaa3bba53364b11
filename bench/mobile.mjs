// Mobile benchmark: the scripted-input and replay rules on human-like phone, tablet and Japanese-IME
// sessions built from real people's typing intervals, next to the catch rate of scripted
// phone typing, and the desktop figures that must not move.
//
//   node bench/mobile.mjs [data folder]       (default ../shared/datasets; npm run bench runs it)
//
// Human-like sessions: the inter-key intervals of the Aalto typing study (real people, read
// from the data folder, never copied here), delivered as each device delivers them:
// Android Chrome / Samsung Internet (keyCode 229 pairs 8–20 ms apart, one insertText each),
// iOS Safari (the real key, down and up 0–3 ms apart), the same on tablets, and Japanese
// IME (every interval a composition step, words of 3–6 kana, converted and committed). Each
// session has three taps (two fields and the button). No public data set of phone touch
// contacts is in the data folder: contact durations are drawn from a log-normal with a
// median of 90 ms (spread 0.35), an assumption stated in docs/behaviour.md.
// The findings it could trip are scale-free (skewness, kurtosis, tail ratio, spread,
// coefficient of variation), so desktop intervals stand in for phone intervals up to speed.
//
// Writes bench/results/mobile.json and prints a table.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import * as server from '@kenchi/server'
import { botPhoneTyping, categoryOfKeyCode, encodeKeys, imeSession, onScreenSession, pressesToEvents, rng } from './behaviour-gen.mjs'
import { RESULTS, wilson, writeResult } from './lib/env.mjs'

const dataDir = resolve(process.argv[2] ?? '../shared/datasets')
const LATENCIES = 30 // characters per session - 1: an e-mail address and a password
const started = Date.now()
const rule = server.scriptedInputRule()
const BEHAVIOUR = new Set(['NO_INTERACTION', 'BEHAVIOR_REPLAYED', 'TYPING_MISMATCH'])

function reasons(b) {
  return rule.evaluate({
    token: { body: { b } },
    context: { action: 'login' },
    device: { id: 'd', status: 'waiting', known: false },
    clues: { storedIds: [] },
    store: undefined,
    now: 0,
  })
}
// The replay rule too, over every session of a profile in one store: different logins of
// real people must never look like a recording replayed.
const replay = server.behaviourReplayRule()
let replayStore = server.memoryStore()
async function flaggedAll(b) {
  const input = {
    token: { body: { b } },
    context: { action: 'login' },
    device: { id: 'd', status: 'waiting', known: false },
    clues: { storedIds: [] },
    store: replayStore,
    now: 0,
  }
  return [...reasons(b), ...(await replay.evaluate(input))].filter((r) => r.code.startsWith('SCRIPTED_') || BEHAVIOUR.has(r.code))
}
const flagged = (b) => reasons(b).filter((r) => r.code.startsWith('SCRIPTED_') || BEHAVIOUR.has(r.code))

// ---------- real people's intervals ----------
const dir = join(dataDir, 'aalto-typing')
if (!existsSync(dir)) {
  console.error(`no Aalto typing data at ${dir}: see docs/behaviour.md for the download`)
  process.exit(1)
}
const people = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')).map((padded) => padded.filter((row) => row.some((v) => v !== 0))))
const windows = []
for (const sentences of people) {
  for (const sentence of sentences) {
    const lat = sentence.slice(1).map((row) => row[2])
    for (let i = 0; i + LATENCIES <= lat.length; i += LATENCIES) windows.push(lat.slice(i, i + LATENCIES))
  }
}
const gauss = (r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
const humanTap = (r) => Math.max(25, Math.round(90 * Math.exp(0.35 * gauss(r))))

const humans = {}
const findings = {}
async function measure(name, make) {
  const r = rng(name.length * 104729 + 3)
  replayStore = server.memoryStore()
  let k = 0
  for (const w of windows) {
    const found = await flaggedAll(make(r, w))
    if (found.length) k++
    for (const x of found) for (const f of x.detail?.found ?? [x.code]) (findings[name] ??= {})[f] = (findings[name][f] ?? 0) + 1
  }
  humans[name] = wilson(k, windows.length)
}
for (const profile of ['android-phone', 'android-tablet', 'iphone', 'ipad'])
  await measure(profile, (r, w) => onScreenSession(r, w, { profile, tap: humanTap }))
await measure('ime-japanese', (r, w) => imeSession(r, w, { tap: humanTap }))

// ---------- desktop, unchanged: the physical-keyboard path on the same windows as bench/behaviour.mjs ----------
let dk = 0
let dn = 0
for (const sentences of people) {
  for (const sentence of sentences) {
    let t = 1000
    const presses = sentence.map(([code, hold, dd], i) => {
      if (i > 0) t += dd
      return { down: t, hold, category: categoryOfKeyCode(code) }
    })
    for (let i = 0; i + 16 <= presses.length; i += 32) {
      const sub = presses.slice(i, i + 32)
      dn++
      if (reasons({ k: encodeKeys(pressesToEvents(sub)), x: [sub.at(-1).down + 500, 0] }).some((x) => x.code === 'SCRIPTED_TYPING')) dk++
    }
  }
}
const desktop = { aaltoTyping: wilson(dk, dn) }
const behaviourFile = new URL('behaviour.json', RESULTS)
if (existsSync(behaviourFile)) {
  const b = JSON.parse(readFileSync(behaviourFile, 'utf8'))
  desktop.balabitMouseThreeClicks = {
    ...b.humans?.balabitMouseThreeClicks?.falsePositive,
    source: `bench/results/behaviour.json (${b.generated})`,
  }
}

// ---------- scripted phone typing ----------
const BOTS = 1000
const bots = {}
function catchRate(name, make) {
  const r = rng(name.length * 7919 + 11)
  let k = 0
  for (let i = 0; i < BOTS; i++) if (flagged(make(r)).length) k++
  bots[name] = wilson(k, BOTS)
}
for (const profile of ['android-phone', 'iphone']) {
  for (const mode of ['constant', 'uniform', 'normal']) {
    catchRate(`${profile}: insertText at ${mode} intervals, human taps`, (r) => botPhoneTyping(r, mode, { profile, length: LATENCIES }))
  }
}
catchRate('android-phone: uniform intervals, page.tap() taps (0–1 ms)', (r) =>
  botPhoneTyping(r, 'uniform', { length: LATENCIES, tapMs: 0 }),
)
catchRate('IME: imeSetComposition at a constant interval (+0–2 ms)', (r) => {
  const delay = 80 + Math.floor(r() * 200)
  return imeSession(
    r,
    Array.from({ length: LATENCIES }, () => delay + Math.floor(r() * 3)),
    { tap: humanTap },
  )
})
catchRate('IME: imeSetComposition at uniform random intervals', (r) => {
  const lo = 80 + r() * 150
  const hi = lo + 60 + r() * 400
  return imeSession(
    r,
    Array.from({ length: LATENCIES }, () => Math.round(lo + r() * (hi - lo))),
    { tap: humanTap },
  )
})

const result = {
  rules: ['scriptedInputRule', 'behaviourReplayRule (one store per profile)'],
  dataDir: undefined,
  latenciesPerSession: LATENCIES,
  sessionsPerProfile: windows.length,
  tapModel: 'log-normal, median 90 ms, spread 0.35 (assumed)',
  humans,
  findings,
  desktop,
  bots,
  seconds: (Date.now() - started) / 1000,
}
const pct = (w) =>
  w.rate === null ? '—' : `${(w.rate * 100).toFixed(2)} % [${(w.low * 100).toFixed(2)}, ${(w.high * 100).toFixed(2)}] (${w.k}/${w.n})`
console.log(
  `human-like sessions with any SCRIPTED_* or behaviour reason, scripted-input and replay rules (${windows.length} per profile, Wilson 95 %):`,
)
for (const [name, w] of Object.entries(humans))
  console.log(`  ${name.padEnd(16)} ${pct(w)}${findings[name] ? ` ${JSON.stringify(findings[name])}` : ''}`)
console.log('desktop (must hold: Aalto ≤ 0.3 %, Balabit ≤ 1 %):')
for (const [name, w] of Object.entries(desktop)) console.log(`  ${name.padEnd(24)} ${pct(w)}`)
console.log(`scripted phone typing caught (${BOTS} each):`)
for (const [name, w] of Object.entries(bots)) console.log(`  ${name.padEnd(64)} ${pct(w)}`)
console.log(`wrote ${await writeResult('mobile', result)}`)
