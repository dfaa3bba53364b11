// Several verifier processes on one Redis: 1 process, then 2 (by default), each a separate
// Node process with its own event loop and Redis connection (`child_process.fork` of
// bench/verify-worker.mjs), verifying one at a time with the default rules for their own
// returning customers for a bounded time. Reports the aggregate verifications/s, p50/p99
// over every verification of every process, and the ratio of each run to one process
// (issue 19's target: two processes at least 1.6× one).
//
//   npm run build && node bench/scale.mjs [--procs 1,2] [--seconds 10]
//
// Writes bench/results/scale.json. Needs redis-server on PATH. On a machine with fewer
// cores than processes + Redis, the processes share cores with Redis and each other, which
// the ratio shows.
import os from 'node:os'
import { parseArgs } from 'node:util'
import { redisVersion, secondsSince, startRedis, writeResult } from './lib/env.mjs'
import { runProcesses } from './lib/processes.mjs'

const { values: args } = parseArgs({
  options: {
    procs: { type: 'string', default: '1,2' },
    seconds: { type: 'string', default: '10' },
    // Tokens are single use and made before the clock starts: enough for this rate per process.
    'max-rate': { type: 'string', default: '4000' },
  },
})
const started = performance.now()
const seconds = Math.max(1, Number(args.seconds))
const counts = args.procs
  .split(',')
  .map(Number)
  .filter((n) => n > 0)
const tokensPerProc = Math.ceil(Number(args['max-rate']) * seconds)
const CUSTOMERS = 100

let redis
try {
  redis = await startRedis()
} catch (error) {
  // No redis-server: say so in the results instead of failing the whole `npm run bench`.
  console.warn(`scale: not run, ${error.message}`)
  await writeResult('scale', { rows: [], notes: [`not run: ${error.message}`], seconds: secondsSince(started) })
  process.exit(0)
}
const rows = []
try {
  for (const procs of counts) {
    const load1 = os.loadavg()[0]
    const row = await runProcesses({
      url: redis.url,
      prefix: `scale${procs}:`,
      procs,
      tokens: tokensPerProc,
      customers: CUSTOMERS,
      seconds,
      extra: { loadBefore: +load1.toFixed(2) },
    })
    // The aggregate: each process's own rate, summed (they ran over the same seconds).
    row.perSecond = row.perProcess.reduce((a, b) => a + b, 0)
    rows.push(row)
    console.table([row])
  }
} finally {
  redis.stop()
}
const one = rows.find((r) => r.processes === 1)
for (const row of rows) row.ofOne = one ? +(row.perSecond / one.perSecond).toFixed(2) : null
const two = rows.find((r) => r.processes === 2)
const target = 'two processes ≥ 1.6× one'
console.table(rows.map(({ name, perSecond, perProcess, p50ms, p99ms, ofOne }) => ({ name, perSecond, perProcess, p50ms, p99ms, ofOne })))
const path = await writeResult('scale', {
  secondsPerRun: seconds,
  customersPerProcess: CUSTOMERS,
  redis: redisVersion(),
  method:
    'child_process.fork of bench/verify-worker.mjs per process, own Redis connection and customers (one successful login each first); all start together on a message and verify one at a time with the default rules for the given seconds',
  rows,
  target,
  ratio: two && one ? two.ofOne : null,
  meetsTarget: two && one ? two.ofOne >= 1.6 : null,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
