// verify() cost on the in-memory store with the default rules: throughput and latency
// percentiles over real signed tokens. Prints a table and writes bench/results/verify.json.
// Run after `npm run build`: node bench/verify.mjs [tokens=2000]
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { signToken } from '@kenchi/protocol'
import { createVerifier, memoryStore } from '@kenchi/server'

const count = Math.max(100, Number(process.argv[2] ?? 2000))
const origin = 'https://shop.example'
const verifier = await createVerifier({
  keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
  origins: [origin],
  store: memoryStore(),
})

const devices = await Promise.all(
  Array.from({ length: 50 }, () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])),
)
const jwks = await Promise.all(devices.map((d) => crypto.subtle.exportKey('jwk', d.publicKey)))
const signals = {
  webdriver: { v: false, d: 0 },
  automation: { v: [], d: 0 },
  userAgent: { v: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', d: 0 },
  languages: { v: ['ja-JP', 'ja-JP', 'en-US'], d: 0 },
  timezone: { v: ['Asia/Tokyo', -540], d: 1 },
  screen: { v: [1920, 1080, 1920, 1040, 24, 1, 1280, 900, 1280, 1000], d: 0 },
  fingerprint: { v: { g: { audio: '2336ba0a', fonts: 'cefe11c5', graphics: '5ddd05fb', hardware: 'd347240a', locale: '5fa2e551', math: 'ab1db0f3', other: 'eeb5787d', prefs: '87df2072', screen: 'b8158beb' } }, d: 38 },
}

const tokens = []
for (let i = 0; i < count; i++) {
  const { challenge } = await verifier.challenge({ action: 'login', origin })
  const jwk = jwks[i % jwks.length]
  tokens.push(
    await signToken(
      { v: 1, c: challenge, o: origin, t: Date.now(), k: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, ks: 'idb', s: signals },
      devices[i % devices.length].privateKey,
    ),
  )
}

const latencies = []
const start = performance.now()
for (const token of tokens) {
  const t0 = performance.now()
  const verdict = await verifier.verify(token, { action: 'login', ip: '203.0.113.9' })
  latencies.push(performance.now() - t0)
  if (verdict.decision !== 'allow') throw new Error(`unexpected verdict ${JSON.stringify(verdict.reasons)}`)
}
const seconds = (performance.now() - start) / 1000
latencies.sort((a, b) => a - b)
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]
const result = {
  benchmark: 'verify-memory',
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.arch()}` },
  tokens: count,
  tokenBytes: tokens[0].length,
  perSecond: Math.round(count / seconds),
  p50ms: +pct(50).toFixed(3),
  p99ms: +pct(99).toFixed(3),
}
console.table([result])
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(new URL('./results/verify.json', import.meta.url), JSON.stringify(result, null, 2) + '\n')
