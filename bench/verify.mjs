// verify() on one core: throughput and latency per store with the default rules, next to
// two baselines measured in the same run on the same bytes: a bare node:crypto ECDSA P-256
// check (the floor: every token needs one) and jose verifying an ES256 JWT of the same
// size. Then how the cost grows with the number of devices already in the store.
//
//   npm run build && node bench/verify.mjs [--tokens 3000] [--stores memory,sqlite,redis] [--scale 1000,100000,1000000]
//
// Prints tables and writes bench/results/verify.json. Needs redis-server on PATH for the
// Redis rows (skipped otherwise).
import { spawn } from 'node:child_process'
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SignJWT, jwtVerify } from 'jose'
import { signToken, TOKEN_ERRORS } from '@kenchi/protocol'
import * as server from '@kenchi/server'

const { values: args } = parseArgs({
  options: {
    tokens: { type: 'string', default: '3000' },
    stores: { type: 'string', default: 'memory,sqlite,redis' },
    scale: { type: 'string', default: '1000,100000,1000000' },
  },
})
const COUNT = Math.max(200, Number(args.tokens))
const ORIGIN = 'https://shop.example'
const SIGNALS = {
  webdriver: { v: false, d: 0 },
  automation: { v: [], d: 0 },
  userAgent: { v: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', d: 0 },
  languages: { v: ['ja-JP', 'ja-JP', 'en-US'], d: 0 },
  timezone: { v: ['Asia/Tokyo', -540], d: 1 },
  screen: { v: [1920, 1080, 1920, 1040, 24, 1, 1280, 900, 1280, 1000], d: 0 },
  fingerprint: { v: { g: { audio: '2336ba0a', fonts: 'cefe11c5', graphics: '5ddd05fb', hardware: 'd347240a', locale: '5fa2e551', math: 'ab1db0f3', other: 'eeb5787d', prefs: '87df2072', screen: 'b8158beb' } }, d: 38 },
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
function summarise(name, latencies, seconds, extra = {}) {
  const sorted = [...latencies].sort((a, b) => a - b)
  return { name, ops: latencies.length, perSecond: Math.round(latencies.length / seconds), p50ms: +percentile(sorted, 50).toFixed(3), p99ms: +percentile(sorted, 99).toFixed(3), ...extra }
}
async function timeEach(items, fn) {
  const latencies = []
  const start = performance.now()
  for (const item of items) {
    const t0 = performance.now()
    await fn(item)
    latencies.push(performance.now() - t0)
  }
  return { latencies, seconds: (performance.now() - start) / 1000 }
}

// A pool of device keys, so most tokens come from returning devices, as in a real shop.
const devices = []
for (let i = 0; i < 200; i++) {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
  devices.push({ privateKey: pair.privateKey, k: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } })
}

async function makeVerifier(store, rules) {
  return server.createVerifier({
    ...(rules ? { rules } : {}),
    keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
    hashSecret: 'bench-hash-bench-hash-bench-hash-bench-01',
    origins: [ORIGIN],
    store,
  })
}

async function makeTokens(verifier, count, deviceFor = (i) => devices[i % devices.length]) {
  const tokens = []
  for (let i = 0; i < count; i++) {
    const { challenge } = await verifier.challenge({ action: 'login', origin: ORIGIN })
    const device = await deviceFor(i)
    tokens.push(await signToken({ v: 1, c: challenge, o: ORIGIN, t: Date.now(), k: device.k, ks: 'idb', s: SIGNALS }, device.privateKey))
  }
  return tokens
}

// Codes that would mean the benchmark measured a broken path rather than a verification.
const BROKEN = new Set([...Object.keys(TOKEN_ERRORS), 'STORE_UNAVAILABLE', 'INTERNAL_ERROR', 'RULE_FAILED'])

async function runVerify(verifier, tokens) {
  const decisions = { allow: 0, challenge: 0, deny: 0 }
  let i = 0
  const result = await timeEach(tokens, async (token) => {
    // Device i is customer i on their own IP, as in a shop with many returning customers.
    const n = i++ % devices.length
    const verdict = await verifier.verify(token, { action: 'login', ip: `198.51.${n >> 8}.${n & 255}`, userId: `customer${n}@example.jp`, userAgent: SIGNALS.userAgent.v })
    const broken = verdict.reasons.find((r) => BROKEN.has(r.code))
    if (broken) throw new Error(`benchmark verification failed: ${JSON.stringify(broken)}`)
    decisions[verdict.decision]++
  })
  return { ...result, decisions }
}

// --- Redis, if asked for and installed
async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}
async function startRedis() {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  await new Promise((resolve, reject) => {
    child.once('error', reject)
    setTimeout(resolve, 300)
  })
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') }
}

const stores = {}
const cleanups = []
const wanted = args.stores.split(',')
if (wanted.includes('memory')) stores.memory = (n) => server.memoryStore({ maxDevices: Math.max(100_000, n * 2) })
if (wanted.includes('sqlite') && typeof server.sqliteStore === 'function') {
  const dir = await mkdtemp(join(os.tmpdir(), 'kenchi-bench-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  let n = 0
  stores.sqlite = () => server.sqliteStore({ path: join(dir, `bench-${n++}.db`) })
}
if (wanted.includes('redis') && typeof server.redisStore === 'function') {
  try {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    let n = 0
    stores.redis = () => server.redisStore({ url: redis.url, prefix: `bench${n++}:` })
  } catch (error) {
    console.warn(`redis rows skipped: ${error.message}`)
  }
}

// --- baselines on the same bytes
const probe = await makeVerifier(server.memoryStore())
const [sample] = await makeTokens(probe, 1)
const [prefix, body, sig] = sample.split('.')
const signedBytes = Buffer.from(`${prefix}.${body}`)
const signature = Buffer.from(sig, 'base64url')
const first = devices[0]
const nodeKey = createPublicKey({ key: { ...first.k }, format: 'jwk' })
const floor = await timeEach(Array.from({ length: COUNT }), () => {
  if (!verify('sha256', signedBytes, { key: nodeKey, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('baseline failed')
})
const jwtKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const claims = JSON.parse(Buffer.from(body, 'base64url').toString())
const jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256' }).sign(jwtKeys.privateKey)
const joseRun = await timeEach(Array.from({ length: COUNT }), () => jwtVerify(jwt, jwtKeys.publicKey, { algorithms: ['ES256'] }))
const baselineRows = [
  summarise('node:crypto ECDSA P-256 verify (floor)', floor.latencies, floor.seconds, { bytes: signedBytes.length }),
  summarise('jose jwtVerify ES256', joseRun.latencies, joseRun.seconds, { bytes: jwt.length }),
]

// --- verify() per store, returning devices and brand-new devices
const storeRows = []
for (const [name, make] of Object.entries(stores)) {
  const store = await make(0)
  const verifier = await makeVerifier(store)
  const tokens = await makeTokens(verifier, COUNT)
  await runVerify(verifier, tokens.splice(0, 200)) // warm up
  const run = await runVerify(verifier, tokens)
  storeRows.push(summarise(`verify() ${name}, default rules, returning devices`, run.latencies, run.seconds, { bytes: sample.length, ...run.decisions }))
  const bare = await makeVerifier(store, [])
  const bareTokens = await makeTokens(bare, COUNT)
  await runVerify(bare, bareTokens.splice(0, 200))
  const bareRun = await runVerify(bare, bareTokens)
  storeRows.push(summarise(`verify() ${name}, no rules`, bareRun.latencies, bareRun.seconds, { bytes: sample.length, ...bareRun.decisions }))
  const fresh = await makeTokens(verifier, Math.min(1000, COUNT), async () => {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
    const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
    return { privateKey: pair.privateKey, k: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } }
  })
  const freshRun = await runVerify(verifier, fresh)
  storeRows.push(summarise(`verify() ${name}, default rules, new devices`, freshRun.latencies, freshRun.seconds, { bytes: sample.length, ...freshRun.decisions }))
  await store.close()
}
const floorRate = baselineRows[0].perSecond
for (const row of storeRows) row.ofFloor = +(row.perSecond / floorRate).toFixed(2)

// --- growth with the store's size
const scaleRows = []
const sizes = args.scale.split(',').map(Number).filter((n) => n > 0)
const filler = { kty: 'EC', crv: 'P-256', x: devices[0].k.x, y: devices[0].k.y }
for (const [name, make] of Object.entries(stores)) {
  for (const size of sizes) {
    const store = await make(size)
    const fillStart = performance.now()
    if (typeof store.seedDevices === 'function') await store.seedDevices(size, filler)
    else {
      const batch = []
      for (let i = 0; i < size; i++) {
        batch.push(store.touchDevice(`seed-${i}`, filler, Date.now()))
        if (batch.length === 1000) await Promise.all(batch.splice(0))
      }
      await Promise.all(batch)
    }
    const fillSeconds = (performance.now() - fillStart) / 1000
    const verifier = await makeVerifier(store)
    const tokens = await makeTokens(verifier, Math.min(1500, COUNT))
    await runVerify(verifier, tokens.splice(0, 100))
    const run = await runVerify(verifier, tokens)
    scaleRows.push(summarise(`verify() ${name} with ${size.toLocaleString('en')} devices`, run.latencies, run.seconds, { fillSeconds: +fillSeconds.toFixed(1) }))
    await store.close()
  }
}

for (const cleanup of cleanups) await cleanup()
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.arch()}`, memoryGb: Math.round(os.totalmem() / 2 ** 30) }
console.log(`\nverify() benchmark, ${new Date().toISOString()}, ${machine.model} ×${machine.cpus}, Node ${machine.node}, ${COUNT} tokens per row, one process`)
console.table(baselineRows)
console.table(storeRows)
if (scaleRows.length) console.table(scaleRows)
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(
  new URL('./results/verify.json', import.meta.url),
  JSON.stringify({ benchmark: 'verify', date: new Date().toISOString(), machine, tokensPerRow: COUNT, baselines: baselineRows, stores: storeRows, scale: scaleRows }, null, 2) + '\n',
)
console.log('wrote bench/results/verify.json')
