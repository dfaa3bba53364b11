// What the device-trust model (docs/decisions/0006-device-trust.md) costs verify(): returning
// customers whose tokens carry the `ids` signal, as every token from the reference client
// does, on the memory and Redis stores. Rows:
//   - default rules, tokens with ids (what a shop runs);
//   - default rules without deviceClaimsRule and missingSignalsRule (the two rules it adds);
//   - default rules, tokens without ids (no stored-id read in the verifier).
//
//   npm run build && node bench/trust.mjs [--tokens 2000] [--stores memory,redis]
//
// Prints a table and writes bench/results/trust.json. One verification at a time.
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import { signToken } from '@kenchi/protocol'
import * as server from '@kenchi/server'
import { startRedis, secondsSince, versions, writeResult } from './lib/env.mjs'
import { ORIGIN, SIGNALS, makeVerifier, newDevice, runVerify, summarise } from './lib/verify-common.mjs'

const { values: args } = parseArgs({
  options: { tokens: { type: 'string', default: '2000' }, stores: { type: 'string', default: 'memory,redis' } },
})
const started = performance.now()
const COUNT = Math.max(400, Number(args.tokens))
const CUSTOMERS = 200
const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push({ ...(await newDevice()), id: randomBytes(16).toString('base64url') })

async function tokens(verifier, withIds) {
  const out = []
  for (let i = 0; i < COUNT; i++) {
    const device = devices[i % CUSTOMERS]
    const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
    const s = withIds ? { ...SIGNALS, ids: { v: { c: device.id, l: device.id, i: device.id, n: device.id }, d: 0 } } : SIGNALS
    out.push(await signToken({ v: 1, c: challenge, o: ORIGIN, t: Date.now(), k: device.k, ks: 'idb', s }, device.privateKey))
  }
  return out
}

const added = new Set(['device-claims', 'missing-signals'])
const variants = [
  { name: 'default rules, tokens with ids', rules: undefined, ids: true },
  {
    name: 'default rules without device-claims and missing-signals, tokens with ids',
    rules: () => server.defaultRules().filter((r) => !added.has(r.name)),
    ids: true,
  },
  { name: 'default rules, tokens without ids', rules: undefined, ids: false },
]

const rows = []
const stores = args.stores.split(',')
const redis = stores.includes('redis') ? await startRedis() : undefined
let prefix = 0
try {
  for (const storeName of stores) {
    for (const variant of variants) {
      const store = storeName === 'redis' ? await server.redisStore({ url: redis.url, prefix: `trust${++prefix}:` }) : server.memoryStore()
      const verifier = await makeVerifier(store, variant.rules?.())
      // Warm-up: every customer logs in once and succeeds, so the timed run is returning customers.
      await runVerify(verifier, await tokens(verifier, variant.ids), { customers: CUSTOMERS, succeed: true })
      const run = await runVerify(verifier, await tokens(verifier, variant.ids), { customers: CUSTOMERS })
      rows.push(summarise(`${storeName}: ${variant.name}`, run.latencies, run.seconds, { store: storeName, ...run.decisions }))
      verifier.close()
      await store.close()
    }
  }
} finally {
  redis?.stop()
}

console.table(rows)
const file = await writeResult('trust', {
  tokens: COUNT,
  customers: CUSTOMERS,
  rows,
  versions: versions(['ioredis']),
  seconds: secondsSince(started),
})
console.log(`wrote ${file}`)
