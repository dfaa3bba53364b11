// Behaviour benchmark: the scripted-input detectors on real people and on bots generated
// in the same run, and the typing-profile model against a scaled-Manhattan baseline.
//
//   npm run bench:behaviour -- [data folder]      (default ../shared/datasets)
//
// The data folder holds the research data sets described in docs/behaviour.md (Aalto
// typing, Keystroke100, Balabit mouse dynamics); they are never copied into this
// repository and only aggregate figures are written (bench/results/behaviour.json).
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join, resolve } from 'node:path'
import * as server from '@kenchi/server/rules'
import { importSource } from '../scripts/import-source.mjs'
const { scriptedInputRule } = server
// The timing features and typing-profile distances are internal to @kenchi/server: read from its source.
const { typingProfileScore, typingVector, scaledManhattan } = await importSource('packages/server/src/rules/typing-profile.ts')
const { extractTiming } = await importSource('packages/server/src/behaviour/timing.ts')
import {
  botPointer,
  botTyping,
  categoryOfKeyCode,
  encodeKeys,
  encodePointer,
  ghostApproach,
  bezierApproach,
  pressesToEvents,
  recordApproach,
  rng,
  straightApproach,
} from './behaviour-gen.mjs'

const dataDir = resolve(process.argv[2] ?? '../shared/datasets')
const started = Date.now()
const WINDOW = 32 // keystrokes per human typing submission (an e-mail and a password)

// ---------- statistics ----------
/** Wilson 95 % interval for k of n. */
function wilson(k, n) {
  if (n === 0) return { rate: null, low: null, high: null, k, n }
  const z = 1.96
  const p = k / n
  const d = 1 + (z * z) / n
  const c = (p + (z * z) / (2 * n)) / d
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d
  return { rate: round(p), low: round(Math.max(0, c - h)), high: round(Math.min(1, c + h)), k, n }
}
const round = (x) => Math.round(x * 10000) / 10000

const rule = scriptedInputRule()
const device = { id: 'd', status: 'waiting', known: false }
/** Runs the server rule itself on a behaviour section; returns the reason codes. */
function verdictCodes(b) {
  const reasons = rule.evaluate({
    token: { body: { b } },
    context: { action: 'login' },
    device,
    clues: { storedIds: [] },
    store: undefined,
    now: 0,
  })
  return reasons
}
const findingTally = {}
function tally(group, reasons) {
  findingTally[group] ??= {}
  for (const r of reasons) for (const f of r.detail?.found ?? [r.code]) findingTally[group][f] = (findingTally[group][f] ?? 0) + 1
}

// ---------- human typing ----------
function aaltoSubmissions() {
  const dir = join(dataDir, 'aalto-typing')
  const people = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const sentences = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    const subs = []
    for (const padded of sentences) {
      // Sentences are padded to 100 rows with [0, 0, 0, 0]: drop the padding.
      const sentence = padded.filter((row) => row.some((v) => v !== 0))
      // [keyCode, holdMs, downDownMs, upDownMs]; down times are the running sum of down-down.
      let t = 1000
      const presses = sentence.map(([code, hold, dd], i) => {
        if (i > 0) t += dd
        return { down: t, hold, category: categoryOfKeyCode(code) }
      })
      for (let i = 0; i + 16 <= presses.length; i += WINDOW) subs.push(presses.slice(i, i + WINDOW))
    }
    people.push({ id: file, subs, sentences })
  }
  return people
}

function keystroke100() {
  const dir = join(dataDir, 'keystroke100')
  const people = []
  for (const user of readdirSync(dir)
    .filter((d) => d.startsWith('user'))
    .sort()) {
    const file = join(dir, user, 'latency.txt')
    if (!existsSync(file)) continue
    const rows = readFileSync(file, 'utf8')
      .trim()
      .split(/\n/)
      .map((l) => l.trim().split(/\s+/).map(Number))
    people.push({ id: user, rows })
  }
  return people
}

// ---------- human mouse ----------
function balabitSegments() {
  const root = join(dataDir, 'balabit-mouse')
  const segments = []
  for (const user of readdirSync(root)
    .filter((d) => d.startsWith('user'))
    .sort()) {
    for (const file of readdirSync(join(root, user))
      .filter((f) => f.endsWith('.csv.gz'))
      .sort()) {
      const lines = gunzipSync(readFileSync(join(root, user, file)))
        .toString('utf8')
        .trim()
        .split('\n')
        .slice(1)
      let moves = []
      let press
      let dragged = false
      let lastT = -Infinity
      for (const line of lines) {
        const [, client, button, state, xs, ys] = line.split(',')
        let t = Number(client) * 1000
        if (!(t >= lastT)) t = lastT // client timestamps sometimes jump back: hold time still
        lastT = t
        const x = Number(xs)
        const y = Number(ys)
        if (state === 'Move') {
          moves.push({ t, x, y })
          if (moves.length > 400) moves = moves.slice(-200)
        } else if (state === 'Pressed' && button === 'Left') {
          press = { t, x, y }
          dragged = false
        } else if (state === 'Drag') {
          dragged = true
        } else if (state === 'Released' && button === 'Left' && press) {
          if (!dragged) {
            const since = moves.filter((m) => m.t >= press.t - 5000 && m.t <= press.t)
            const records = recordApproach(since, press, t - press.t)
            segments.push({ user, records, b: { p: encodePointer(records), x: [Math.round(t + 50), 0] } })
          }
          press = undefined
          moves = []
        }
      }
    }
  }
  return segments
}

// ---------- scripted-input false positives on people ----------
const results = { dataDir: undefined, generated: new Date().toISOString(), windowKeystrokes: WINDOW, humans: {}, bots: {}, profile: {} }
const aalto = aaltoSubmissions()
{
  let k = 0
  let n = 0
  let withShift = 0
  for (const person of aalto) {
    for (const presses of person.subs) {
      const b = { k: encodeKeys(pressesToEvents(presses)), x: [presses.at(-1).down + 500, 0] }
      const reasons = verdictCodes(b).filter((r) => r.code === 'SCRIPTED_TYPING')
      tally('aalto', reasons)
      n++
      if (reasons.length) k++
      if (presses.some((p) => p.category === 4)) withShift++
    }
  }
  results.humans.aaltoTyping = { people: aalto.length, submissions: n, withShift, falsePositive: wilson(k, n) }
}
const ks = keystroke100()
{
  let k = 0
  let n = 0
  for (const person of ks) {
    for (const row of person.rows) {
      // Only press-to-press latencies exist: key-downs without releases (holds unknown).
      let t = 1000
      const presses = [{ down: t, category: 1 }]
      for (const l of row) presses.push({ down: (t += l), category: 1 })
      const b = { k: encodeKeys(pressesToEvents(presses)), x: [t + 500, 0] }
      const reasons = verdictCodes(b).filter((r) => r.code === 'SCRIPTED_TYPING')
      tally('keystroke100', reasons)
      n++
      if (reasons.length) k++
    }
  }
  results.humans.keystroke100 = {
    people: ks.length,
    submissions: n,
    note: 'latencies only (8 keys, quantised timer): only the metronome test can apply',
    falsePositive: wilson(k, n),
  }
}
const segments = balabitSegments()
{
  let k = 0
  let judged = 0
  for (const s of segments) {
    const reasons = verdictCodes(s.b).filter((r) => r.code === 'SCRIPTED_POINTER')
    tally('balabit', reasons)
    const t = extractTiming(s.b)
    if (t.approaches.some((a) => a.moves >= 5)) judged++
    if (reasons.length) k++
  }
  // Login-sized submissions: 3 consecutive point-and-click actions of one user, one token.
  let k3 = 0
  let n3 = 0
  for (let i = 0; i + 3 <= segments.length; i += 3) {
    const group = segments.slice(i, i + 3)
    if (new Set(group.map((g) => g.user)).size > 1) continue
    const records = []
    let offset = 0
    for (const g of group) {
      const shift = offset - g.records[0].t + 300
      for (const rec of g.records) records.push({ ...rec, t: rec.t + shift })
      offset = records[records.length - 1].t
    }
    n3++
    if (verdictCodes({ p: encodePointer(records), x: [offset + 100, 0] }).some((r) => r.code === 'SCRIPTED_POINTER')) k3++
  }
  results.humans.balabitMouseThreeClicks = { submissions: n3, falsePositive: wilson(k3, n3) }
  results.humans.balabitMouse = {
    users: new Set(segments.map((s) => s.user)).size,
    segments: segments.length,
    withPathOfFiveMoves: judged,
    falsePositive: wilson(k, segments.length),
  }
}

// ---------- bots generated in this run ----------
const BOTS = 1000
function detect(name, make, code) {
  const r = rng(name.length * 7919 + 17)
  let k = 0
  for (let i = 0; i < BOTS; i++) {
    const reasons = verdictCodes(make(r, i)).filter((x) => x.code === code)
    tally(name, reasons)
    if (reasons.length) k++
  }
  results.bots[name] = wilson(k, BOTS)
}
detect('typing-fixed-delay', (r) => botTyping(r, 'fixed'), 'SCRIPTED_TYPING')
detect('typing-no-delay', (r) => botTyping(r, 'fixed', { delay: 0 }), 'SCRIPTED_TYPING')
detect('typing-random-delay-per-key', (r) => botTyping(r, 'per-key'), 'SCRIPTED_TYPING')
detect('typing-random-press-and-sleep-uniform', (r) => botTyping(r, 'sleep-uniform'), 'SCRIPTED_TYPING')
detect('typing-random-press-and-sleep-normal', (r) => botTyping(r, 'sleep-normal'), 'SCRIPTED_TYPING')
// Not a target: a script that imitates human timing statistics (log-normal delays), to show the limit.
detect('typing-random-press-and-sleep-lognormal', (r) => botTyping(r, 'sleep-lognormal'), 'SCRIPTED_TYPING')
detect('pointer-straight', (r) => botPointer(r, straightApproach), 'SCRIPTED_POINTER')
detect(
  'pointer-straight-humanised-click',
  (r) => botPointer(r, (rr) => straightApproach(rr, { hold: 60 + Math.round(rr() * 80), dwell: 100 })),
  'SCRIPTED_POINTER',
)
detect('pointer-bezier', (r) => botPointer(r, bezierApproach), 'SCRIPTED_POINTER')
detect('pointer-ghost-cursor', (r) => botPointer(r, ghostApproach), 'SCRIPTED_POINTER')
detect('pointer-ghost-cursor-single-click', (r) => botPointer(r, ghostApproach, 1), 'SCRIPTED_POINTER')

// ---------- typing profile EER ----------
if (typeof typingProfileScore === 'function') {
  results.profile = profileBenchmark()
}
function eer(genuine, impostor) {
  // Scores: higher = more different. EER where false-reject = false-accept.
  const all = [...genuine.map((s) => [s, 1]), ...impostor.map((s) => [s, 0])].sort((a, b) => a[0] - b[0])
  let fa = impostor.length // impostors accepted when threshold above all
  let fr = 0
  let best = { eer: 1, gap: Infinity }
  // threshold below everything: all rejected → fr = 1, fa = 0
  fa = 0
  fr = genuine.length
  for (const [, g] of all) {
    if (g) fr--
    else fa++
    const frr = fr / genuine.length
    const far = fa / impostor.length
    if (Math.abs(frr - far) < best.gap) best = { eer: (frr + far) / 2, gap: Math.abs(frr - far) }
  }
  return best.eer
}
function profileBenchmark() {
  // Keystroke100: the same password typed 10 times per person. Enrol on the first 5,
  // genuine = the other 5, impostors = every other person's samples.
  const byPerson = ks.map((p) =>
    p.rows.map((row) => {
      let t = 1000
      const presses = [{ down: t, category: 1 }]
      for (const l of row) presses.push({ down: (t += l), category: 1 })
      return { vector: row, timing: extractTiming({ k: encodeKeys(pressesToEvents(presses)) }).typing }
    }),
  )
  const ours = { g: [], i: [] }
  const base = { g: [], i: [] }
  let oursPer = 0
  let basePer = 0
  const slicesGo = [],
    slicesIo = [],
    slicesGb = [],
    slicesIb = []
  byPerson.forEach((samples, pi) => {
    const start = { og: ours.g.length, oi: ours.i.length, bg: base.g.length, bi: base.i.length }
    const half = Math.floor(samples.length / 2)
    const enrol = samples.slice(0, half)
    const profile = enrol.map((s) => typingVector(s.timing)).filter(Boolean)
    const baseTrain = enrol.map((s) => s.vector)
    for (const s of samples.slice(half)) {
      ours.g.push(typingProfileScore(profile, typingVector(s.timing)))
      base.g.push(scaledManhattan(baseTrain, s.vector))
    }
    byPerson.forEach((other, oi) => {
      if (oi === pi) return
      for (const s of other.slice(0, 5)) {
        ours.i.push(typingProfileScore(profile, typingVector(s.timing)))
        base.i.push(scaledManhattan(baseTrain, s.vector))
      }
    })
    slicesGo.push(ours.g.slice(start.og))
    slicesIo.push(ours.i.slice(start.oi))
    slicesGb.push(base.g.slice(start.bg))
    slicesIb.push(base.i.slice(start.bi))
    oursPer += eer(ours.g.slice(start.og), ours.i.slice(start.oi))
    basePer += eer(base.g.slice(start.bg), base.i.slice(start.bi))
  })
  const people = byPerson.length
  // Bootstrap over people (200 resamples) for 95 % intervals of both EERs and their ratio.
  const perPerson = byPerson.map((_, pi) => pi)
  const r = rng(4242)
  const boots = { ours: [], base: [], ratio: [] }
  for (let b = 0; b < 200; b++) {
    const pick = perPerson.map(() => perPerson[Math.floor(r() * people)])
    const og = pick.flatMap((pi) => slicesGo[pi]),
      oi = pick.flatMap((pi) => slicesIo[pi])
    const bg = pick.flatMap((pi) => slicesGb[pi]),
      bi = pick.flatMap((pi) => slicesIb[pi])
    const e1 = eer(og, oi)
    const e2 = eer(bg, bi)
    boots.ours.push(e1)
    boots.base.push(e2)
    boots.ratio.push(e1 / e2)
  }
  const ci = (a) => {
    const s = [...a].sort((x, y) => x - y)
    return [round(s[Math.floor(0.025 * (s.length - 1))]), round(s[Math.ceil(0.975 * (s.length - 1))])]
  }
  const threshold = server.TYPING_PROFILE_THRESHOLD ?? 2.2
  const gq = [...ours.g].sort((x, y) => x - y)
  const genuineQuantiles = [0.5, 0.9, 0.95].map((q) => round(gq[Math.floor(q * (gq.length - 1))]))
  const frr = ours.g.filter((x) => x > threshold).length / ours.g.length
  const far = ours.i.filter((x) => x <= threshold).length / ours.i.length
  const o = eer(ours.g, ours.i)
  const m = eer(base.g, base.i)
  return {
    dataset: 'keystroke100 (password try4-mbs, 10 samples per person; enrol 5, genuine 5, impostors 5 from each other person)',
    eerOneThreshold: {
      ours: round(o),
      oursCi95: ci(boots.ours),
      scaledManhattan: round(m),
      scaledManhattanCi95: ci(boots.base),
      ratio: round(o / m),
      ratioCi95: ci(boots.ratio),
    },
    atRuleThreshold: { threshold, genuineQuantiles50_90_95: genuineQuantiles, falseReject: round(frr), falseAccept: round(far) },
    eerPerPersonMean: { ours: round(oursPer / people), scaledManhattan: round(basePer / people), ratio: round(oursPer / basePer) },
    genuine: ours.g.length,
    impostor: ours.i.length,
  }
}

results.findings = findingTally
results.seconds = Math.round((Date.now() - started) / 100) / 10
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/behaviour.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')
console.log(JSON.stringify(results, null, 2))
