// What bench/verify.mjs and its worker processes share: the verifier's configuration, a
// realistic token (the signals a desktop Chrome sends), and the timed verification loop.
import { signToken, TOKEN_ERRORS } from '@kenchi/protocol'
import * as server from '@kenchi/server'

export const ORIGIN = 'https://shop.example'
export const SIGNALS = {
  webdriver: { v: false, d: 0 },
  automation: { v: [], d: 0 },
  userAgent: { v: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36', d: 0 },
  languages: { v: ['ja-JP', 'ja-JP', 'en-US'], d: 0 },
  timezone: { v: ['Asia/Tokyo', -540], d: 1 },
  screen: { v: [1920, 1080, 1920, 1040, 24, 1, 1280, 900, 1280, 1000], d: 0 },
  fingerprint: {
    v: {
      g: {
        audio: '2336ba0a',
        fonts: 'cefe11c5',
        graphics: '5ddd05fb',
        hardware: 'd347240a',
        locale: '5fa2e551',
        math: 'ab1db0f3',
        other: 'eeb5787d',
        prefs: '87df2072',
        screen: 'b8158beb',
      },
    },
    d: 38,
  },
}

export async function newDevice() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
  return { privateKey: pair.privateKey, k: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y } }
}

/** A verifier with the default rules (or `rules`), the same keys in every process. */
export function makeVerifier(store, rules) {
  return server.createVerifier({
    ...(rules ? { rules } : {}),
    keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
    hashSecret: 'bench-hash-bench-hash-bench-hash-bench-01',
    origins: [ORIGIN],
    store,
  })
}

/** `count` tokens for `login`, token i signed by `deviceFor(i)`. */
export async function makeTokens(verifier, count, deviceFor) {
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

/**
 * Verifies the tokens one at a time, timing each. Token i is customer (i mod `customers`)
 * on their own IP with their own device, as in a shop with many returning customers. With
 * `succeed`, each verdict is followed by a `login_succeeded` report (untimed), so the
 * customer's device becomes theirs, as after a real login. `until`: stop at this
 * performance.now() time.
 */
export async function runVerify(verifier, tokens, { customers, userPrefix = 'customer', succeed = false, until = Infinity } = {}) {
  const decisions = { allow: 0, challenge: 0, deny: 0 }
  const latencies = []
  const start = performance.now()
  for (let i = 0; i < tokens.length && performance.now() < until; i++) {
    const n = i % customers
    const t0 = performance.now()
    const verdict = await verifier.verify(tokens[i], {
      action: 'login',
      ip: `198.51.${n >> 8}.${n & 255}`,
      userId: `${userPrefix}${n}@example.jp`,
      userAgent: SIGNALS.userAgent.v,
    })
    latencies.push(performance.now() - t0)
    const broken = verdict.reasons.find((r) => BROKEN.has(r.code))
    if (broken) throw new Error(`benchmark verification failed: ${JSON.stringify(broken)}`)
    decisions[verdict.decision]++
    if (succeed) await verifier.reportOutcome(verdict.eventId, 'login_succeeded')
  }
  return { latencies, seconds: (performance.now() - start) / 1000, decisions }
}

export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]

export function summarise(name, latencies, seconds, extra = {}) {
  const sorted = Float64Array.from(latencies).sort()
  return {
    name,
    ops: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50ms: +percentile(sorted, 50).toFixed(3),
    p99ms: +percentile(sorted, 99).toFixed(3),
    ...extra,
  }
}
