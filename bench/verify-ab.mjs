// verify() of two builds of @kenchi/server in one process, rounds interleaved, so both see the
// same machine load: the built one (packages/server/dist) against another build's dist
// directory (e.g. a copy of dist built from the base commit). Per store: default rules,
// returning customers, one at a time; per-second, p50, p99 and the after/before ratios.
//
//   npm run build && node bench/verify-ab.mjs --before-dist .scratch/dist-base
//       [--stores memory,sqlite,redis] [--rounds 6] [--per-round 600] (rounded up to a multiple of the 200 customers)
//       [--concurrency 1]
//
// --concurrency N: N verifications in flight at once (each round's tokens in waves of N,
// the round's writes flushed at its end), where the event groups of the write-behind queue
// show; latencies are per verify() call.
//
// To make a before build: `git checkout <rev> -- packages/server/src && npx rollup -c`,
// copy packages/server/dist to .scratch/dist-base (inside the repository, so it resolves
// @kenchi/protocol), `git checkout HEAD -- packages/server/src` and build again.
// Writes bench/results/verify-ab.json (not part of npm run bench).
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import * as after from '@kenchi/server'
import { secondsSince, startRedis, writeResult } from './lib/env.mjs'
import { makeTokens, newDevice, ORIGIN, runVerify, SIGNALS, summarise } from './lib/verify-common.mjs'

const { values: args } = parseArgs({
  options: {
    'before-dist': { type: 'string' },
    stores: { type: 'string', default: 'memory,sqlite,redis' },
    rounds: { type: 'string', default: '6' },
    'per-round': { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '1' },
  },
})
if (!args['before-dist']) throw new Error('--before-dist <dir> is required')
const started = performance.now()
const before = await import(pathToFileURL(join(resolve(args['before-dist']), 'index.js')).href)
const ROUNDS = Math.max(2, Number(args.rounds))
const CUSTOMERS = 200
// runVerify gives token i to customer i mod CUSTOMERS, and token i is signed by device i mod
// CUSTOMERS: every slice must start at a multiple of CUSTOMERS, or customers would present
// one another's devices (not returning customers, and another code path: a challenge).
const PER_ROUND = Math.ceil(Math.max(100, Number(args['per-round'])) / CUSTOMERS) * CUSTOMERS
const CONCURRENCY = Math.max(1, Number(args.concurrency))

/** The round's tokens CONCURRENCY at a time; its writes flushed before the clock stops. */
async function runConcurrent(verifier, tokens) {
  const latencies = []
  const start = performance.now()
  for (let i = 0; i < tokens.length; i += CONCURRENCY) {
    await Promise.all(
      tokens.slice(i, i + CONCURRENCY).map(async (token, j) => {
        const n = (i + j) % CUSTOMERS
        const context = {
          action: 'login',
          ip: `198.51.${n >> 8}.${n & 255}`,
          userId: `customer${n}@example.jp`,
          userAgent: SIGNALS.userAgent.v,
        }
        const t0 = performance.now()
        await verifier.verify(token, context)
        latencies.push(performance.now() - t0)
      }),
    )
  }
  await verifier.flush()
  return { latencies, seconds: (performance.now() - start) / 1000 }
}
const builds = { before, after }

const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())
const returning = (i) => devices[i % CUSTOMERS]
const verifierOf = (server, store) =>
  server.createVerifier({
    keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
    hashSecret: 'bench-hash-bench-hash-bench-hash-bench-01',
    origins: [ORIGIN],
    store,
  })

const dir = await mkdtemp(join(os.tmpdir(), 'kenchi-ab-'))
let redis
const rows = []
try {
  for (const storeName of args.stores.split(',').filter(Boolean)) {
    if (storeName === 'redis' && !redis) redis = await startRedis()
    const runs = {}
    for (const [name, server] of Object.entries(builds)) {
      const store =
        storeName === 'memory'
          ? server.memoryStore()
          : storeName === 'sqlite'
            ? await server.sqliteStore({ path: join(dir, `${name}.db`) })
            : await server.redisStore({ url: redis.url, prefix: `ab-${name}:` })
      const verifier = await verifierOf(server, store)
      const tokens = await makeTokens(verifier, CUSTOMERS + 2 * CUSTOMERS + ROUNDS * PER_ROUND, returning)
      await runVerify(verifier, tokens.splice(0, CUSTOMERS), { customers: CUSTOMERS, succeed: true })
      await runVerify(verifier, tokens.splice(0, 2 * CUSTOMERS), { customers: CUSTOMERS }) // warm-up
      runs[name] = { store, verifier, tokens, latencies: [], seconds: 0 }
    }
    const names = Object.keys(runs)
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < names.length; k++) {
        const run = runs[names[(k + round) % names.length]]
        const slice = run.tokens.splice(0, PER_ROUND)
        const result =
          CONCURRENCY > 1 ? await runConcurrent(run.verifier, slice) : await runVerify(run.verifier, slice, { customers: CUSTOMERS })
        run.latencies.push(...result.latencies)
        run.seconds += result.seconds
      }
    }
    const pair = {}
    for (const [name, run] of Object.entries(runs)) {
      pair[name] = summarise(`verify() ${storeName} (${name})`, run.latencies, run.seconds, { store: storeName, build: name })
      run.verifier.close()
      await run.store.close()
    }
    const ratios = {
      perSecond: +(pair.after.perSecond / pair.before.perSecond).toFixed(2),
      p50: +(pair.after.p50ms / pair.before.p50ms).toFixed(2),
      p99: +(pair.after.p99ms / pair.before.p99ms).toFixed(2),
    }
    rows.push(pair.before, pair.after)
    console.table([pair.before, pair.after])
    console.log(`${storeName} after / before:`, ratios)
    pair.after.ratios = ratios
  }
} finally {
  redis?.stop()
  await rm(dir, { recursive: true, force: true })
}
const path = await writeResult('verify-ab', {
  beforeDist: args['before-dist'],
  rounds: ROUNDS,
  perRound: PER_ROUND,
  concurrency: CONCURRENCY,
  rows,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
