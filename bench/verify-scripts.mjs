// Scripts (EVALSHA + EVAL, from INFO commandstats) per verify() on a real Redis: one
// verification at a time, then `--concurrency` at once, returning customers, default rules;
// events flushed before counting stops. With --before-dist, the same for another build.
// A count, not a timing: the machine's load does not change it much.
//
//   npm run build && node bench/verify-scripts.mjs [--before-dist .scratch/dist-base] [--count 500] [--concurrency 32]
//
// Writes bench/results/verify-scripts.json (not part of npm run bench).
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import * as after from '@kenchi/server'
import { Redis } from 'ioredis'
import { secondsSince, startRedis, writeResult } from './lib/env.mjs'
import { makeTokens, newDevice, ORIGIN, runVerify } from './lib/verify-common.mjs'

const { values: args } = parseArgs({
  options: {
    'before-dist': { type: 'string' },
    count: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '32' },
  },
})
const started = performance.now()
// Slices start at multiples of CUSTOMERS, so each token goes to its own device's customer.
const COUNT = Math.ceil(Math.max(100, Number(args.count)) / 100) * 100
const CONCURRENCY = Math.max(2, Number(args.concurrency))
const CUSTOMERS = 100
const builds = { after }
if (args['before-dist']) builds.before = await import(pathToFileURL(join(resolve(args['before-dist']), 'index.js')).href)

const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())
const returning = (i) => devices[i % CUSTOMERS]
const context = (n) => ({ action: 'login', ip: `198.51.100.${n % 250}`, userId: `customer${n}@example.jp` })

const redis = await startRedis()
const admin = new Redis(redis.url)
async function scripts() {
  let calls = 0
  for (const [, n] of (await admin.info('commandstats')).matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)) calls += Number(n)
  return calls
}

const rows = []
try {
  for (const [name, server] of Object.entries(builds)) {
    const store = await server.redisStore({ url: redis.url, prefix: `vs-${name}:` })
    const verifier = await server.createVerifier({
      keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
      hashSecret: 'bench-hash-bench-hash-bench-hash-bench-01',
      origins: [ORIGIN],
      store,
    })
    const tokens = await makeTokens(verifier, CUSTOMERS + 2 * COUNT, returning)
    await runVerify(verifier, tokens.splice(0, CUSTOMERS), { customers: CUSTOMERS, succeed: true })
    await verifier.flush()
    // One at a time.
    let before = await scripts()
    await runVerify(verifier, tokens.splice(0, COUNT), { customers: CUSTOMERS })
    await verifier.flush()
    const sequential = ((await scripts()) - before) / COUNT
    // CONCURRENCY at once, in waves.
    const wave = tokens.splice(0, COUNT)
    before = await scripts()
    for (let i = 0; i < wave.length; i += CONCURRENCY) {
      await Promise.all(wave.slice(i, i + CONCURRENCY).map((token, j) => verifier.verify(token, context((i + j) % CUSTOMERS))))
    }
    await verifier.flush()
    const concurrent = ((await scripts()) - before) / COUNT
    const row = { build: name, count: COUNT, sequential: +sequential.toFixed(3), [`concurrent${CONCURRENCY}`]: +concurrent.toFixed(3) }
    rows.push(row)
    verifier.close()
    await store.close()
  }
} finally {
  admin.disconnect()
  await redis.stop()
}
console.table(rows)
const path = await writeResult('verify-scripts', { rows, seconds: secondsSince(started) })
console.log(`wrote ${path} (${secondsSince(started)} s)`)
