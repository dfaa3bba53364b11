// Store exhaustion under a flood: one attacker process sends requests as fast as it can to
// a real Express server (expressKenchi, default memory store, default challenge limit)
// while legitimate customers, each on their own address, log in. The same customers log in
// the same way on a fresh server without the flood first; the benchmark reports whether
// every customer verdict (decision and reason codes) is unchanged, the customers' latency
// with and without the flood, what the attacker achieved, and how long the attacker would
// need to fill the nonce store at the rate it got challenges.
//
// The attacker (a forked process, one address, 127.0.0.1) keeps `--concurrency` requests
// in flight, in a mix:
//   - POST /kenchi/challenge for fresh challenges (the old way to fill the nonce table),
//   - a validly signed token with its own key for each challenge it gets (spends a nonce),
//   - junk-signature tokens on challenges it holds (spent or not),
//   - replays of its own valid tokens.
// A third run repeats the flood with `challengeLimit: false` (skip it with --skip-unlimited),
// to show what the limit prevents.
// Customers use 127.0.1.x (all of 127.0.0.0/8 reaches a 127.0.0.1 server on Linux).
//
//   npm run bench:flood, or: npm run build && node bench/flood.mjs [--seconds 20] [--customers 40] [--concurrency 64]
//       [--skip-unlimited] [--store memory|sqlite|redis]   (default memory; Redis needs redis-server on PATH)
//
// Prints a summary and writes bench/results/flood.json.
import { fork, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'node:http'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { signToken } from '@kenchi/protocol'
import * as server from '@kenchi/server'
import { expressKenchi } from '@kenchi/server/express'
import express from 'express'
import { freePort, secondsSince, versions, writeResult } from './lib/env.mjs'
import { ORIGIN, SIGNALS, newDevice, percentile } from './lib/verify-common.mjs'

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    customers: { type: 'string', default: '40' },
    concurrency: { type: 'string', default: '64' },
    'skip-unlimited': { type: 'boolean', default: false },
    store: { type: 'string', default: 'memory' },
    worker: { type: 'string' },
  },
})

// ---------------------------------------------------------------- the attacker (child)
if (args.worker) {
  const [port, seconds, concurrency] = args.worker.split(',').map(Number)
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, localAddress: '127.0.0.1' })
  const device = await newDevice()
  const counts = {
    requests: 0,
    challengesIssued: 0,
    challengesRefused: 0,
    challengesOther: 0,
    valid: 0,
    junk: 0,
    replays: 0,
    errors: 0,
    verdicts: {},
  }
  const challenges = []
  const spent = []
  const post = (path, body) =>
    new Promise((resolve) => {
      const data = JSON.stringify(body)
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', origin: ORIGIN, 'content-length': Buffer.byteLength(data) },
        },
        (res) => {
          let text = ''
          res.on('data', (c) => (text += c))
          res.on('end', () => resolve({ status: res.statusCode, text }))
        },
      )
      req.on('error', () => resolve({ status: 0, text: '' }))
      req.end(data)
    })
  const junk = (token) =>
    token.slice(0, token.lastIndexOf('.') + 1) + Buffer.from(crypto.getRandomValues(new Uint8Array(64))).toString('base64url')
  const end = performance.now() + seconds * 1000
  let turn = 0
  async function one() {
    const kind = turn++ % 4
    counts.requests++
    if (kind === 0 || challenges.length === 0) {
      const r = await post('/kenchi/challenge', { action: 'login' })
      if (r.status === 200) {
        counts.challengesIssued++
        const { challenge } = JSON.parse(r.text)
        challenges.push(challenge)
        if (challenges.length > 64) challenges.shift()
        // Spend it with a validly signed token: the only way left to create a nonce.
        const token = await signToken(
          { v: 1, c: challenge, o: ORIGIN, t: Date.now(), k: device.k, ks: 'idb', s: SIGNALS },
          device.privateKey,
        )
        const v = await post('/login', { 'kenchi-token': token })
        counts.requests++
        counts.valid++
        tally(v)
        spent.push(token)
        if (spent.length > 64) spent.shift()
      } else if (r.status === 429) counts.challengesRefused++
      else counts.challengesOther++
      return
    }
    if (kind === 3 && spent.length > 0) {
      counts.replays++
      return tally(await post('/login', { 'kenchi-token': spent[Math.floor(Math.random() * spent.length)] }))
    }
    // A forgery on a challenge it holds (or one it spent): junk signature, own key in the body.
    const challenge = challenges[Math.floor(Math.random() * challenges.length)]
    const token = await signToken({ v: 1, c: challenge, o: ORIGIN, t: Date.now(), k: device.k, ks: 'idb', s: SIGNALS }, device.privateKey)
    counts.junk++
    tally(await post('/login', { 'kenchi-token': junk(token) }))
  }
  function tally(r) {
    if (r.status !== 200) return void counts.errors++
    const verdict = JSON.parse(r.text)
    const key = `${verdict.decision}:${verdict.reasons.map((x) => x.code).join('+')}`
    counts.verdicts[key] = (counts.verdicts[key] ?? 0) + 1
  }
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await one()
    }),
  )
  agent.destroy()
  process.send({ ...counts, seconds: (performance.now() - started) / 1000 })
  process.exit(0)
}

// ---------------------------------------------------------------- the server and customers
const started = performance.now()
const SECONDS = Number(args.seconds)
const CUSTOMERS = Number(args.customers)
const CONCURRENCY = Number(args.concurrency)
const TTL = 600
const TOLERANCE = 30
const STORE = args.store
if (!['memory', 'sqlite', 'redis'].includes(STORE)) throw new Error('--store: memory, sqlite or redis')
// The nonce bound of the store in use: memoryStore's and sqliteStore's maxFlags; Redis
// has none but its memory (null).
const MAX_FLAGS = { memory: 200_000, sqlite: 1_000_000, redis: null }[STORE]
const BOUND = { memory: 'maxFlags', sqlite: 'maxFlags', redis: 'a bound (none: Redis memory only)' }[STORE]

const cleanups = []
let openStore = () => server.memoryStore()
if (STORE === 'sqlite') {
  const dir = await mkdtemp(join(os.tmpdir(), 'kenchi-flood-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  let n = 0
  openStore = () => server.sqliteStore({ path: join(dir, `flood-${n++}.db`) })
}
if (STORE === 'redis') {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  await new Promise((resolve, reject) => {
    child.once('error', reject)
    setTimeout(resolve, 300)
  })
  cleanups.push(() => child.kill('SIGKILL'))
  let n = 0
  openStore = () => server.redisStore({ url: `redis://127.0.0.1:${port}`, prefix: `flood${n++}:` })
}

async function startServer({ limit }) {
  const store = await openStore()
  const verifier = await server.createVerifier({
    keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
    hashSecret: 'bench-hash-bench-hash-bench-hash-bench-01',
    origins: [ORIGIN],
    store,
  })
  const kenchi = expressKenchi(verifier, { serveClient: false, ...(limit ? {} : { challengeLimit: false }) })
  const app = express()
  app.use(kenchi.middleware)
  app.post(
    '/login',
    express.json(),
    kenchi.guard('login', (req) => (req.body?.userId ? { userId: req.body.userId, loginId: req.body.userId } : {})),
    (req, res) => res.json(req.kenchi),
  )
  app.post('/outcome', express.json(), async (req, res) => {
    await verifier.reportOutcome(req.body.eventId, req.body.outcome)
    res.json({ ok: true })
  })
  const http = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => http.once('listening', resolve))
  return {
    port: http.address().port,
    async close() {
      http.closeAllConnections?.()
      await new Promise((resolve) => http.close(resolve))
      verifier.close()
      await store.close()
    },
  }
}

function call(port, path, body, localAddress, agent) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body)
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        localAddress,
        agent,
        headers: {
          'content-type': 'application/json',
          origin: ORIGIN,
          'user-agent': SIGNALS.userAgent.v,
          'content-length': Buffer.byteLength(data),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (c) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined }))
      },
    )
    req.on('error', reject)
    req.end(data)
  })
}

const devices = []
for (let i = 0; i < CUSTOMERS; i++) devices.push(await newDevice())

/**
 * Each customer logs in `rounds` times, spread over `seconds`, from 127.0.1.(i+1): a
 * challenge, a signed token, the verdict, and `login_succeeded` after an allow.
 */
async function customers(port, seconds, rounds) {
  const verdicts = []
  const latencies = []
  const refused = []
  const gap = (seconds * 1000) / rounds
  await Promise.all(
    devices.map(async (device, i) => {
      const address = `127.0.1.${i + 1}`
      const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: address })
      await new Promise((r) => setTimeout(r, (gap * i) / CUSTOMERS))
      for (let round = 0; round < rounds; round++) {
        const t0 = performance.now()
        const issued = await call(port, '/kenchi/challenge', { action: 'login' }, address, agent)
        if (issued.status !== 200) {
          refused.push(issued.status)
          verdicts[i * rounds + round] = `challenge refused: ${issued.status}`
        } else {
          const token = await signToken(
            { v: 1, c: issued.body.challenge, o: ORIGIN, t: Date.now(), k: device.k, ks: 'idb', s: SIGNALS },
            device.privateKey,
          )
          const { body: verdict } = await call(port, '/login', { 'kenchi-token': token, userId: `customer${i}@example.jp` }, address, agent)
          latencies.push(performance.now() - t0)
          verdicts[i * rounds + round] = `${verdict.decision}:${verdict.reasons.map((r) => r.code).join('+')}`
          if (verdict.decision === 'allow')
            await call(port, '/outcome', { eventId: verdict.eventId, outcome: 'login_succeeded' }, address, agent)
        }
        const wait = t0 + gap - performance.now()
        if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      }
      agent.destroy()
    }),
  )
  const sorted = Float64Array.from(latencies).sort()
  return {
    verdicts,
    refused: refused.length,
    p50ms: +percentile(sorted, 50).toFixed(1),
    p99ms: +percentile(sorted, 99).toFixed(1),
    logins: latencies.length,
  }
}

function flood(port, seconds) {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--worker', `${port},${seconds},${CONCURRENCY}`], { stdio: 'inherit' })
    child.once('message', resolve)
    child.once('error', reject)
    child.once('exit', (code) => code !== 0 && reject(new Error(`attacker exited with ${code}`)))
  })
}

const ROUNDS = Math.max(2, Math.round(SECONDS / 4))

async function phase(name, { withFlood, limit }) {
  const s = await startServer({ limit })
  try {
    const [legit, attacker] = await Promise.all([customers(s.port, SECONDS, ROUNDS), withFlood ? flood(s.port, SECONDS) : undefined])
    const out = { name, limit, legit, ...(attacker ? { attacker } : {}) }
    console.log(
      `${name}: ${legit.logins} customer logins, p50 ${legit.p50ms} ms, p99 ${legit.p99ms} ms${attacker ? `; attacker ${Math.round(attacker.requests / attacker.seconds)} requests/s, ${attacker.challengesIssued} challenges issued, ${attacker.challengesRefused} refused (429)` : ''}`,
    )
    return out
  } finally {
    await s.close()
  }
}

console.log(
  `flood (${STORE} store): ${CUSTOMERS} customers × ${ROUNDS} logins over ${SECONDS} s; attacker: one process, ${CONCURRENCY} requests in flight`,
)
const baseline = await phase('baseline (no flood)', { withFlood: false, limit: true })
const flooded = await phase('flood, default challenge limit', { withFlood: true, limit: true })
const unlimited = !args['skip-unlimited'] ? await phase('flood, challengeLimit: false', { withFlood: true, limit: false }) : undefined

const differences = (a, b) => a.verdicts.reduce((n, v, i) => n + (v !== b.verdicts[i] ? 1 : 0), 0)
const retention = TTL + 2 * TOLERANCE + 1
// Nonces the attacker can keep live: each issued challenge it spends is one nonce, kept
// `retention` seconds. Over a long flood a limited attacker gets `max` per window (60 a
// minute by default), whatever the short run measured (its first window is a burst).
const LIMIT_PER_SECOND = 60 / 60
const fill = (run) => {
  const measured = run.attacker.challengesIssued / run.attacker.seconds
  const perSecond = run.limit ? Math.min(measured, LIMIT_PER_SECOND) : measured
  const steadyState = Math.round(perSecond * retention)
  return {
    measuredNoncesPerSecond: +measured.toFixed(1),
    longRunNoncesPerSecond: +perSecond.toFixed(1),
    steadyStateLiveNonces: steadyState,
    fillsMaxFlags: MAX_FLAGS !== null && steadyState >= MAX_FLAGS,
    secondsToFill: MAX_FLAGS !== null && steadyState >= MAX_FLAGS ? Math.round(MAX_FLAGS / perSecond) : null,
  }
}
const result = {
  seconds: SECONDS,
  customers: CUSTOMERS,
  loginsPerCustomer: ROUNDS,
  concurrency: CONCURRENCY,
  nonceRetentionSeconds: retention,
  store: STORE,
  maxFlags: MAX_FLAGS,
  bound: BOUND,
  baseline: { ...baseline.legit, verdicts: undefined, verdictCounts: countOf(baseline.legit.verdicts) },
  flood: {
    legit: { ...flooded.legit, verdicts: undefined },
    verdictsChanged: differences(baseline.legit, flooded.legit),
    attacker: flooded.attacker,
    nonces: fill(flooded),
  },
  ...(unlimited
    ? {
        floodWithoutLimit: {
          legit: { ...unlimited.legit, verdicts: undefined },
          verdictsChanged: differences(baseline.legit, unlimited.legit),
          attacker: unlimited.attacker,
          nonces: fill(unlimited),
        },
      }
    : {}),
  versions: versions(['express']),
  wallSeconds: secondsSince(started),
}

function countOf(verdicts) {
  const out = {}
  for (const v of verdicts) out[v] = (out[v] ?? 0) + 1
  return out
}

console.log(`\ncustomer verdicts: ${JSON.stringify(result.baseline.verdictCounts)}`)
console.log(`changed by the flood (default limit): ${result.flood.verdictsChanged} of ${baseline.legit.verdicts.length}`)
console.log(
  `attacker: ${Math.round(flooded.attacker.requests / flooded.attacker.seconds)} requests/s; verdicts ${JSON.stringify(flooded.attacker.verdicts)}`,
)
console.log(
  `nonces the attacker can create: ${result.flood.nonces.measuredNoncesPerSecond}/s in this run, ${result.flood.nonces.longRunNoncesPerSecond}/s over a long flood → at most ${result.flood.nonces.steadyStateLiveNonces} live at once (kept ${retention} s), ` +
    `${result.flood.nonces.fillsMaxFlags ? `fills ${MAX_FLAGS} in ${result.flood.nonces.secondsToFill} s` : `never reaches ${BOUND} ${MAX_FLAGS ?? ''}`}`,
)
if (unlimited) {
  console.log(
    `without the limit: ${result.floodWithoutLimit.nonces.measuredNoncesPerSecond} nonces/s (each one a validly signed token) → ${result.floodWithoutLimit.nonces.fillsMaxFlags ? `would fill ${MAX_FLAGS} in ${result.floodWithoutLimit.nonces.secondsToFill} s` : 'would not fill the store'}; ` +
      `customer verdicts changed: ${result.floodWithoutLimit.verdictsChanged}`,
  )
}
console.log(`wrote ${await writeResult('flood', result)}`)
for (const cleanup of cleanups) await cleanup()
