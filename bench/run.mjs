// `npm run bench`: every benchmark in one run, then docs/benchmarks.md from the results.
//   1. build (npm run build)          4. verify()      (bench/verify.mjs)
//   2. size      (bench/size.mjs)     5. detection     (bench/detection.mjs)
//   3. page cost (bench/client-cost.mjs)
//   6. flood     (bench/flood.mjs): store exhaustion, customer verdicts under a flood
//   7. environment (bench/environment.mjs): phones, tablets, other engines; client CLS
//   8. behaviour (bench/behaviour.mjs), only when the research data sets are there
//      (../shared/datasets, or KENCHI_DATASETS); skipped with a message otherwise.
//   9. mobile (bench/mobile.mjs): phones, tablets and IME on the same data, after 8.
//  10. injected (bench/injected.mjs): DevTools-protocol drivers vs real X11 input (Xvfb)
//  4a. profile (bench/profile.mjs): verify() per store under the CPU profiler, top-10 self time;
//      scale (bench/scale.mjs): 1 and 2 verifier processes on one Redis, and the ratio;
//      store-guard (bench/store-guard.mjs): the store-call time-out guard before/after its shared timer
//  4b. service (bench/service.mjs): POST /v1/verify over HTTP next to in-process verify()
//  4c. hostile (bench/hostile.mjs): rejections of hostile tokens per core, store calls and ECDSA counted
//  4d. sqlite-tail (bench/sqlite-tail.mjs), memory-store (bench/memory-store.mjs): the stores' A/B runs
//  4e. store-batch (bench/store-batch.mjs): ten hot-path store calls singly vs as one batch()
//  11. history (bench/history.mjs): 10 million events in PostgreSQL (bulk load, upgrade,
//      sizes), the console's queries, write-behind throughput, verify() on Redis vs split
// Each step is a child process with a time limit; a failed step is reported and the rest
// still run. Old results of the steps are deleted first, so the report never mixes runs.
//
//   npm run bench                       the full run (about 15 minutes on 2 cores)
//   node bench/run.mjs --quick          a smoke run with small counts (about 3 minutes)
//   node bench/run.mjs --skip-build --only size,verify   (a partial run: keeps run.json of the last full run)
//
// Writes bench/results/run.json and docs/benchmarks.md (bench/report.mjs).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { RESULTS, ROOT, machine, secondsSince, writeResult } from './lib/env.mjs'
import { writeReport } from './report.mjs'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    only: { type: 'string', default: '' },
  },
})
const quick = args.quick
const datasets = resolve(process.env.KENCHI_DATASETS ?? '../shared/datasets')
const cwd = fileURLToPath(ROOT)
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

const STEPS = [
  { name: 'build', command: [npm, 'run', 'build', '--silent'], limit: 180, skip: args['skip-build'] && 'asked to skip' },
  { name: 'size', command: ['node', 'bench/size.mjs'], limit: 120 },
  { name: 'client-cost', command: ['node', 'bench/client-cost.mjs', quick ? '2' : '7'], limit: 300 },
  {
    name: 'verify',
    command: ['node', 'bench/verify.mjs', ...(quick ? ['--tokens', '500', '--scale', '1000,10000', '--seconds', '1'] : [])],
    limit: 480,
  },
  { name: 'profile', command: ['node', 'bench/profile.mjs', ...(quick ? ['--seconds', '1'] : [])], limit: 180 },
  { name: 'store-guard', command: ['node', 'bench/store-guard.mjs', ...(quick ? ['--rounds', '2', '--calls', '20000'] : [])], limit: 120 },
  { name: 'scale', command: ['node', 'bench/scale.mjs', ...(quick ? ['--seconds', '2'] : [])], limit: 240 },
  { name: 'service', command: ['node', 'bench/service.mjs', ...(quick ? ['--tokens', '400'] : [])], limit: 300 },
  { name: 'hostile', command: ['node', 'bench/hostile.mjs', ...(quick ? ['--rounds', '1', '--ms', '200'] : ['--profile'])], limit: 300 },
  {
    name: 'sqlite-tail',
    command: ['node', 'bench/sqlite-tail.mjs', ...(quick ? ['--rounds', '2', '--per-round', '200'] : [])],
    limit: 480,
  },
  {
    name: 'memory-store',
    command: ['node', 'bench/memory-store.mjs', ...(quick ? ['--rounds', '2', '--per-round', '300'] : [])],
    limit: 300,
  },
  { name: 'store-batch', command: ['node', 'bench/store-batch.mjs', '--seconds', quick ? '4' : '20'], limit: 120 },
  { name: 'detection', command: ['node', 'bench/detection.mjs', '--runs', quick ? '2' : '10'], limit: 900 },
  { name: 'flood', command: ['node', 'bench/flood.mjs', ...(quick ? ['--seconds', '8', '--customers', '10'] : [])], limit: 300 },
  {
    name: 'environment',
    command: ['node', 'bench/environment.mjs', '--sessions', quick ? '10' : '100', '--cls-rounds', quick ? '2' : '5'],
    limit: 600,
  },
  {
    name: 'behaviour',
    command: ['node', 'bench/behaviour.mjs', datasets],
    limit: 120,
    skip: !existsSync(datasets) && `no data sets at ${datasets} (set KENCHI_DATASETS, see docs/behaviour.md)`,
  },
  {
    name: 'mobile',
    command: ['node', 'bench/mobile.mjs', datasets],
    limit: 120,
    skip: !existsSync(datasets) && `no data sets at ${datasets} (set KENCHI_DATASETS, see docs/behaviour.md)`,
  },
  { name: 'injected', command: ['node', 'bench/injected.mjs', '--sessions', quick ? '5' : '50'], limit: 3600 },
  {
    name: 'history',
    command: [
      'node',
      'bench/history.mjs',
      ...(quick ? ['--events', '200000', '--reps', '10', '--writes', '20000', '--tokens', '600'] : []),
    ],
    limit: 3600,
  },
]
const only = args.only ? args.only.split(',') : null

function run(step) {
  return new Promise((done) => {
    const child = spawn(step.command[0], step.command.slice(1), { cwd, stdio: 'inherit', detached: process.platform !== 'win32' })
    const timer = setTimeout(() => {
      console.error(`\n${step.name}: over its ${step.limit} s limit, stopped`)
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }, step.limit * 1000)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      done(code === 0 ? 'ok' : signal ? `stopped (${signal}, limit ${step.limit} s)` : `failed (exit ${code})`)
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      done(`failed (${error.message})`)
    })
  })
}

const started = performance.now()
const startedAt = new Date().toISOString()
const steps = []
for (const step of STEPS) {
  if (only && step.name !== 'build' && !only.includes(step.name)) continue
  if (step.skip) {
    console.log(`\n=== ${step.name}: skipped, ${step.skip}`)
    steps.push({ name: step.name, status: `skipped: ${step.skip}`, seconds: 0 })
    continue
  }
  if (step.name !== 'build') await rm(new URL(`${step.name}.json`, RESULTS), { force: true })
  console.log(`\n=== ${step.name}: ${step.command.join(' ')}`)
  const t0 = performance.now()
  const loadBefore = +loadavg()[0].toFixed(2)
  const status = await run(step)
  steps.push({ name: step.name, status, seconds: secondsSince(t0), load1: [loadBefore, +loadavg()[0].toFixed(2)] })
  console.log(`=== ${step.name}: ${status} in ${steps.at(-1).seconds} s`)
}
const wallSeconds = secondsSince(started)
// A partial run (--only) keeps the record of the last full run; its sections carry their own dates.
await writeResult(only ? 'run-partial' : 'run', { startedAt, quick, only, wallSeconds, steps, machine: machine() })
const doc = await writeReport()
console.log(
  `\n${steps.map((s) => `${s.name}: ${s.status} (${s.seconds} s)`).join('\n')}\ntotal ${Math.floor(wallSeconds / 60)} min ${Math.round(wallSeconds % 60)} s; wrote ${doc}`,
)
if (steps.some((s) => !s.status.startsWith('ok') && !s.status.startsWith('skipped'))) process.exitCode = 1
