// The verification service over HTTP next to in-process verify(), same run, same verifier,
// same store (memory): the service runs in this process (createService) on 127.0.0.1, and
// the client sends POST /v1/verify one at a time over a keep-alive connection (node:http),
// so the difference is what the HTTP hop, the JSON and the API-secret check add. Both
// sides share this process's CPU, as a service and its caller on one small host would.
//
//   npm run build && node bench/service.mjs [--tokens 2000]
//
// Prints a table and writes bench/results/service.json.
import http from 'node:http'
import { parseArgs } from 'node:util'
import { createService, hashApiSecret } from '@kenchi/server/service'
import { secondsSince, versions, writeResult } from './lib/env.mjs'
import { makeTokens, newDevice, ORIGIN, runVerify, SIGNALS, summarise } from './lib/verify-common.mjs'

const { values: args } = parseArgs({ options: { tokens: { type: 'string', default: '2000' } } })
const COUNT = Math.max(200, Number(args.tokens))
const CUSTOMERS = 200
const SECRET = 'bench-api-secret-bench-api-secret-0123'
const started = performance.now()

const service = await createService({
  config: {
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: 'silent',
    sites: [
      {
        id: 'shop',
        origins: [ORIGIN],
        keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
        hashSecret: 'bench-hash-bench-hash-bench-hash-bench-01',
        apiSecrets: [{ id: 'bench', sha256: hashApiSecret(SECRET) }],
      },
    ],
  },
  clientDir: false,
  logger: false,
})
const { url } = await service.listen({ port: 0 })
const verifier = service.sites.get('shop').verifier
const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())
const deviceFor = (i) => devices[i % CUSTOMERS]

// Warm up both paths (JIT, the customers' devices and histories), untimed.
const warm = await makeTokens(verifier, CUSTOMERS * 2, deviceFor)
await runVerify(verifier, warm.slice(0, CUSTOMERS), { customers: CUSTOMERS, succeed: true })

const CONCURRENCY = 8
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
const target = new URL('/v1/verify', url)
function postVerify(token, n) {
  const body = JSON.stringify({
    token,
    context: { action: 'login', ip: `198.51.${n >> 8}.${n & 255}`, userId: `customer${n}@example.jp`, userAgent: SIGNALS.userAgent.v },
  })
  return new Promise((resolve, reject) => {
    const req = http.request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}`, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(JSON.parse(Buffer.concat(chunks).toString()))
            : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks)}`)),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}
async function runHttp(tokens) {
  const latencies = []
  const decisions = { allow: 0, challenge: 0, deny: 0 }
  const start = performance.now()
  for (let i = 0; i < tokens.length; i++) {
    const t0 = performance.now()
    const verdict = await postVerify(tokens[i], i % CUSTOMERS)
    latencies.push(performance.now() - t0)
    if (verdict.reasons.some((r) => r.code.startsWith('TOKEN_') || r.code === 'STORE_UNAVAILABLE' || r.code === 'INTERNAL_ERROR'))
      throw new Error(`broken verification: ${JSON.stringify(verdict.reasons)}`)
    decisions[verdict.decision]++
  }
  return { latencies, seconds: (performance.now() - start) / 1000, decisions }
}
for (const t of warm.slice(CUSTOMERS)) await postVerify(t, 0).catch(() => {})

// Measured: in-process, then HTTP, then in-process again (so drift shows), equal token counts;
// then both again with several requests in flight.
const rows = []
const half = Math.floor(COUNT / 2)
const inA = await runVerify(verifier, await makeTokens(verifier, half, deviceFor), { customers: CUSTOMERS })
const over = await runHttp(await makeTokens(verifier, COUNT, deviceFor))
const inB = await runVerify(verifier, await makeTokens(verifier, COUNT - half, deviceFor), { customers: CUSTOMERS })
// Throughput with CONCURRENCY requests in flight (a service answers many shops' requests at once), both paths.
async function concurrent(tokens, one) {
  const latencies = []
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < tokens.length) {
        const i = next++
        const t0 = performance.now()
        await one(tokens[i], i % CUSTOMERS)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  return { latencies, seconds: (performance.now() - start) / 1000 }
}
const ctxFor = (n) => ({
  action: 'login',
  ip: `198.51.${n >> 8}.${n & 255}`,
  userId: `customer${n}@example.jp`,
  userAgent: SIGNALS.userAgent.v,
})
const inC = await concurrent(await makeTokens(verifier, COUNT, deviceFor), (t, n) => verifier.verify(t, ctxFor(n)))
const httpC = await concurrent(await makeTokens(verifier, COUNT, deviceFor), (t, n) => postVerify(t, n))
const inProcess = summarise('in-process verify() (memory store)', [...inA.latencies, ...inB.latencies], inA.seconds + inB.seconds, {
  decisions: {
    allow: inA.decisions.allow + inB.decisions.allow,
    challenge: inA.decisions.challenge + inB.decisions.challenge,
    deny: inA.decisions.deny + inB.decisions.deny,
  },
})
const viaHttp = summarise('POST /v1/verify over HTTP (loopback, keep-alive)', over.latencies, over.seconds, { decisions: over.decisions })
rows.push(
  inProcess,
  viaHttp,
  summarise(`in-process verify(), ${CONCURRENCY} in flight`, inC.latencies, inC.seconds),
  summarise(`POST /v1/verify over HTTP, ${CONCURRENCY} in flight`, httpC.latencies, httpC.seconds),
)
// Time spent inside the service's handler (its own latency histogram), warm-up and both phases included.
const lat = await service.metrics.latencyOf('/v1/verify')
const serverSideMeanMs = lat ? +((lat.sum / lat.count) * 1000).toFixed(3) : null
agent.destroy()
await service.close()

const comparison = {
  p99AddedMs: +(viaHttp.p99ms - inProcess.p99ms).toFixed(3),
  p50AddedMs: +(viaHttp.p50ms - inProcess.p50ms).toFixed(3),
  throughputRatio: +(viaHttp.perSecond / inProcess.perSecond).toFixed(2),
  concurrentThroughputRatio: +(rows[3].perSecond / rows[2].perSecond).toFixed(2),
  serverSideMeanMs,
  target: 'p99 over HTTP within 1 ms of in-process; throughput at least half',
}
comparison.meetsTarget = comparison.p99AddedMs <= 1 && Math.max(comparison.throughputRatio, comparison.concurrentThroughputRatio) >= 0.5
console.log(`\nservice vs in-process verify(), ${COUNT} tokens each, ${CUSTOMERS} returning customers`)
console.log(`${'path'.padEnd(52)} ${'ops'.padStart(6)} ${'per s'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`)
for (const r of rows)
  console.log(
    `${r.name.padEnd(52)} ${String(r.ops).padStart(6)} ${String(r.perSecond).padStart(7)} ${r.p50ms.toFixed(3).padStart(8)} ${r.p99ms.toFixed(3).padStart(8)}`,
  )
console.log(
  `HTTP adds ${comparison.p50AddedMs} ms at p50, ${comparison.p99AddedMs} ms at p99 (one at a time); throughput ratio ${comparison.throughputRatio} one at a time, ${comparison.concurrentThroughputRatio} with ${CONCURRENCY} in flight (${comparison.meetsTarget ? 'meets' : 'misses'} the target: ${comparison.target})`,
)
const file = await writeResult('service', {
  tokens: COUNT,
  concurrency: CONCURRENCY,
  customers: CUSTOMERS,
  rows,
  comparison,
  versions: versions(['@kenchi/server']),
  seconds: secondsSince(started),
})
console.log(`wrote ${file}`)
