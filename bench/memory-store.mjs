// The memory store before and after, in one process: the store as it was at `--before`
// (default e3e4792, the server before issue 19) against the store at `--after` (default HEAD),
// both loaded from git history the same way. Both from git, not the new one from the build:
// a store loaded from git carries its own copy of stores/batch.ts, so the verifier's one-pass
// batch for its own memory store (withSyncOps) does not apply to it, and against the build the
// same code measured 1.18x faster (2026-12-03, --before HEAD). Rounds alternate (order
// rotated), so both see the same machine load; compare the ratios. Rows: verify() with the default rules (returning customers), and
// recordEvent alone on events captured from those verifications (the store kept full at
// maxEvents 10 000, as under a flood), per wall and per CPU second.
//
//   npm run build && node bench/memory-store.mjs [--rounds 8] [--per-round 1000] [--before <commit>] [--after <commit>]
//
// Writes bench/results/memory-store.json.
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { secondsSince, writeResult } from './lib/env.mjs'
import { importFromGit } from './lib/from-git.mjs'
import { makeTokens, makeVerifier, newDevice, runVerify, summarise } from './lib/verify-common.mjs'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '8' },
    'per-round': { type: 'string', default: '1000' },
    before: { type: 'string', default: 'e3e4792715f6beca16a3bea8dfd0667df4eda4e9' },
    after: { type: 'string', default: 'HEAD' },
  },
})
const started = performance.now()
const ROUNDS = Math.max(1, Number(args.rounds))
const PER_ROUND = Math.max(100, Number(args['per-round']))
const CUSTOMERS = 200
const before = args.before
const after = execFileSync('git', ['rev-parse', args.after], { encoding: 'utf8' }).trim()
// memory.ts and every module it imports at run time (types-only imports are erased).
const files = [
  'packages/server/src/stores/memory.ts',
  'packages/server/src/stores/types.ts',
  'packages/server/src/stores/query.ts',
  'packages/server/src/stores/batch.ts',
  'packages/server/src/evict.ts',
  'packages/server/src/validate.ts',
  'packages/server/src/errors.ts',
]
const old = await importFromGit(before, files)
const current = await importFromGit(after, files)
const variants = { before: old.memoryStore, after: current.memoryStore }

const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())
const returning = (i) => devices[i % CUSTOMERS]

// --- verify(), both stores, interleaved
const captured = []
const runs = {}
for (const [name, make] of Object.entries(variants)) {
  const store = make()
  const recordEvent = store.recordEvent.bind(store)
  // Keeps a few real events for the second part (a copy, so the store's own stays private).
  if (name === 'after') store.recordEvent = (event) => (captured.length < 500 && captured.push(structuredClone(event)), recordEvent(event))
  const verifier = await makeVerifier(store)
  const tokens = await makeTokens(verifier, CUSTOMERS + ROUNDS * PER_ROUND, returning)
  await runVerify(verifier, tokens.splice(0, CUSTOMERS), { customers: CUSTOMERS, succeed: true })
  runs[name] = { verifier, tokens, latencies: [], seconds: 0, decisions: { allow: 0, challenge: 0, deny: 0 } }
}
const names = Object.keys(variants)
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names.map((_, i) => names[(i + round) % names.length])) {
    const run = runs[name]
    const r = await runVerify(run.verifier, run.tokens.splice(0, PER_ROUND), { customers: CUSTOMERS })
    run.latencies.push(...r.latencies)
    run.seconds += r.seconds
    for (const d of Object.keys(r.decisions)) run.decisions[d] += r.decisions[d]
  }
}
const verifyRows = names.map((name) =>
  summarise(`verify() memory (${name}), default rules, returning customers`, runs[name].latencies, runs[name].seconds, {
    variant: name,
    ...runs[name].decisions,
  }),
)
console.table(verifyRows)

// --- recordEvent alone, on the captured events (new ids each time)
const recordRows = []
const stores = Object.fromEntries(names.map((name) => [name, variants[name]({ maxEvents: 10_000 })]))
const timing = Object.fromEntries(names.map((name) => [name, { latencies: [], seconds: 0, cpu: 0 }]))
let serial = 0
for (let round = 0; round < ROUNDS; round++) {
  for (const name of names.map((_, i) => names[(i + round) % names.length])) {
    const t = performance.now()
    const cpu0 = process.cpuUsage()
    for (let i = 0; i < PER_ROUND * 5; i++) {
      const event = { ...captured[i % captured.length], id: `e${serial++}` }
      const t0 = performance.now()
      await stores[name].recordEvent(event)
      timing[name].latencies.push(performance.now() - t0)
    }
    timing[name].seconds += (performance.now() - t) / 1000
    const cpu = process.cpuUsage(cpu0)
    timing[name].cpu += (cpu.user + cpu.system) / 1e6
  }
}
for (const name of names)
  recordRows.push(
    summarise(`recordEvent memory (${name}), events from default-rule verifications`, timing[name].latencies, timing[name].seconds, {
      variant: name,
      perCpuSecond: Math.round(timing[name].latencies.length / timing[name].cpu),
    }),
  )
console.table(recordRows)

const ratio = (rows) => +(rows[1].perSecond / rows[0].perSecond).toFixed(2)
const ratios = {
  verifyPerSecond: ratio(verifyRows),
  verifyP50: +(verifyRows[1].p50ms / verifyRows[0].p50ms).toFixed(2),
  recordEventPerSecond: ratio(recordRows),
  recordEventPerCpuSecond: +(recordRows[1].perCpuSecond / recordRows[0].perCpuSecond).toFixed(2),
}
console.log('after / before:', ratios)
const path = await writeResult('memory-store', {
  before,
  after,
  rounds: ROUNDS,
  perRound: PER_ROUND,
  customers: CUSTOMERS,
  eventBytes: Math.round(captured.reduce((n, e) => n + JSON.stringify(e).length, 0) / Math.max(1, captured.length)),
  method: 'both stores loaded from git (bench/lib/from-git.mjs) the same way, rounds interleaved with the order rotated, in one process',
  verify: verifyRows,
  recordEvent: recordRows,
  ratios,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
