// The store-call guard before and after its shared timer, in one process: the guard as it was
// at `--before` (default: the last commit with a setTimeout + clearTimeout per call)
// against HEAD's (one timer per verifier), both loaded from git. Rounds
// alternate. Rows: guarded calls of an already-answered store call one at a time (as a
// verification's sequential calls) and 16 at a time (as its concurrent rule reads), per
// wall second and per CPU second; the bare call without a guard is the floor.
//
//   node bench/store-guard.mjs [--rounds 6] [--calls 200000] [--before <commit>]
//
// Writes bench/results/store-guard.json.
import { parseArgs } from 'node:util'
import { secondsSince, writeResult } from './lib/env.mjs'
import { importFromGit } from './lib/from-git.mjs'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    calls: { type: 'string', default: '200000' },
    before: { type: 'string', default: '' },
  },
})
const started = performance.now()
const ROUNDS = Math.max(1, Number(args.rounds))
const CALLS = Math.max(1000, Number(args.calls))
// The last commit with a timer per store call (the parent of the shared-timer change).
const before = args.before || 'e3e4792715f6beca16a3bea8dfd0667df4eda4e9'
const files = ['packages/server/src/verify/store-call.ts', 'packages/server/src/validate.ts', 'packages/server/src/errors.ts']
const old = await importFromGit(before, files)
const now = await importFromGit('HEAD', files.slice(0, 1))
const variants = {
  none: () => (call) => call(),
  before: () => old.storeGuard(1000),
  after: () => now.storeGuard(1000),
}
const answer = async () => 1

async function sequential(guard) {
  for (let i = 0; i < CALLS; i++) await guard(answer)
}
async function concurrent(guard) {
  const batch = new Array(16)
  for (let i = 0; i < CALLS; i += 16) {
    for (let j = 0; j < 16; j++) batch[j] = guard(answer)
    await Promise.all(batch)
  }
}

const totals = {}
for (let round = 0; round < ROUNDS; round++) {
  const names = Object.keys(variants)
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length]
    for (const [mode, run] of Object.entries({ sequential, concurrent })) {
      const guard = variants[name]()
      const cpu0 = process.cpuUsage()
      const t0 = performance.now()
      await run(guard)
      const wall = (performance.now() - t0) / 1000
      const cpu = process.cpuUsage(cpu0)
      guard.close?.()
      if (round === 0) continue // warm-up
      const t = (totals[`${name} ${mode}`] ??= { variant: name, mode, calls: 0, wall: 0, cpu: 0 })
      t.calls += CALLS
      t.wall += wall
      t.cpu += (cpu.user + cpu.system) / 1e6
    }
  }
}
const rows = Object.values(totals).map((t) => ({
  variant: t.variant,
  mode: t.mode,
  callsPerSecond: Math.round(t.calls / t.wall),
  perCpuSecond: Math.round(t.calls / t.cpu),
  nsPerCall: Math.round((t.wall / t.calls) * 1e9),
}))
const ns = (variant, mode) => rows.find((r) => r.variant === variant && r.mode === mode).nsPerCall
const overhead = Object.fromEntries(
  ['sequential', 'concurrent'].map((mode) => [
    mode,
    { beforeNs: ns('before', mode) - ns('none', mode), afterNs: ns('after', mode) - ns('none', mode) },
  ]),
)
console.table(rows)
console.log('guard overhead per call (ns, over the bare call):', overhead)
const path = await writeResult('store-guard', {
  before,
  rounds: ROUNDS,
  callsPerRun: CALLS,
  rows,
  overhead,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
