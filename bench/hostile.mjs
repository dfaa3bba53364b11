// A flood of hostile tokens against verify() on the memory store: how many rejections a
// second one core gives, and what each kind of rejection costs the server. Kinds:
//   bad-mac          a well-formed token, validly signed, whose challenge MAC was forged
//   expired          a genuine challenge issued an hour ago (its own verifier's clock)
//   malformed        a rotation of broken tokens: bad prefix, bad base64url, not JSON,
//                    JSON not in canonical form, a body that breaks the schema
//   oversized        a token over LIMITS.maxTokenBytes
//   bad-signature    a genuine challenge, signed by another key than the one it claims
//                    (one claimed key: its import is cached after the first)
//   bad-signature-new-key  the same with more claimed keys than the verifier's key cache
//                    holds, cycled, so every token costs a key import as well
//   bad-mac-every-event    bad-mac through a second verifier that records every rejection
//                    in full (rejectedEvents.fullPerInterval: no limit), one store write
//                    each, as before issue 19: the same-run A/B of the sampling
// Rejected tokens beyond rejectedEvents.fullPerInterval (100 per code per minute) are counted
// and written as summary events (verify/rejections.ts); after the rounds the verifier is
// flushed and the summaries it wrote are read back and added up (nothing lost).
// Every verification goes through a store wrapper that counts calls per method, and
// node:crypto's verify and createPublicKey are wrapped (module.syncBuiltinESMExports) to
// count ECDSA checks and key imports. Kinds run in interleaved rounds (order rotated).
// Rates are per wall second and per CPU second of this process (process.cpuUsage): on a
// shared machine the CPU rate is the per-core figure. Alongside, per CPU second on the same
// tokens: parseToken alone (the full parse), and peekTokenChallenge alone (the framing and
// the challenge found without parsing the body, which is all the protocol work a forged MAC
// or an expired challenge costs since the challenge-first order, docs/protocol.md
// "Verification order" step 3).
//
//   npm run bench:hostile, or node bench/hostile.mjs [--rounds 5] [--ms 400] [--kinds bad-mac,expired] [--profile]
//
// --profile: after the timed rounds, one more slice per kind under the V8 CPU profiler
// (node:inspector), and its ten functions with the most self time per kind in the JSON.
//
// Writes bench/results/hostile.json.
import crypto from 'node:crypto'
import { syncBuiltinESMExports } from 'node:module'
import { parseArgs } from 'node:util'

// Count ECDSA checks and key imports before @kenchi/server binds node:crypto's exports.
const counts = { ecdsa: 0, keyImports: 0 }
const realVerify = crypto.verify
const realCreatePublicKey = crypto.createPublicKey
crypto.verify = function countedVerify(...args) {
  counts.ecdsa++
  return realVerify.apply(this, args)
}
crypto.createPublicKey = function countedCreatePublicKey(...args) {
  counts.keyImports++
  return realCreatePublicKey.apply(this, args)
}
syncBuiltinESMExports()

const { LIMITS, base64urlEncode, parseToken, peekTokenChallenge, signToken, tokenSigningInput, utf8 } = await import('@kenchi/protocol')
const server = await import('@kenchi/server')
const { secondsSince, writeResult } = await import('./lib/env.mjs')
const { ORIGIN, SIGNALS, makeVerifier, newDevice } = await import('./lib/verify-common.mjs')

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    ms: { type: 'string', default: '400' },
    kinds: { type: 'string', default: '' },
    profile: { type: 'boolean', default: false },
  },
})
const started = performance.now()
const ROUNDS = Math.max(1, Number(args.rounds))
const SLICE_MS = Math.max(50, Number(args.ms))
const DISTINCT = 400
const NEW_KEYS = 10_500

/** A store that counts the calls made on it, per method. */
function countingStore(store) {
  const calls = {}
  const wrapped = {}
  for (const name of Object.keys(store)) {
    wrapped[name] = (...a) => {
      calls[name] = (calls[name] ?? 0) + 1
      return store[name](...a)
    }
  }
  return { store: wrapped, calls, total: () => Object.values(calls).reduce((a, b) => a + b, 0) }
}

const memory = server.memoryStore()
const counted = countingStore(memory)
const countedEvery = countingStore(server.memoryStore())
const verifier = await makeVerifier(counted.store)
// The same, recording every rejection in full (a store write each), for the A/B.
const everyEvent = await server.createVerifier({
  keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
  hashSecret: 'bench-hash-bench-hash-bench-hash-bench-01',
  origins: [ORIGIN],
  store: countedEvery.store,
  rejectedEvents: { fullPerInterval: Number.MAX_SAFE_INTEGER },
})
const verifierFor = (kind) => (kind === 'bad-mac-every-event' ? everyEvent : verifier)
const countedFor = (kind) => (kind === 'bad-mac-every-event' ? countedEvery : counted)
const past = await server.createVerifier({
  keys: [{ id: 'bench', secret: 'bench-secret-bench-secret-bench-secret-01' }],
  hashSecret: 'bench-hash-bench-hash-bench-hash-bench-01',
  origins: [ORIGIN],
  now: () => Date.now() - 3_600_000,
})
const device = await newDevice()
const other = await newDevice()
const body = (challenge, k = device.k) => ({ v: 1, c: challenge, o: ORIGIN, t: Date.now(), k, ks: 'idb', s: SIGNALS })
const fresh = async () => (await verifier.challenge({ action: 'login', origin: ORIGIN })).challenge
/** Flips one base64url character in the middle of a segment (still decodes to the same length). */
const flip = (text, at) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1)

const tokens = {
  'bad-mac': [],
  'bad-mac-every-event': [],
  expired: [],
  malformed: [],
  oversized: [],
  'bad-signature': [],
  'bad-signature-new-key': [],
}
for (let i = 0; i < DISTINCT; i++) {
  const c = await fresh()
  const [prefix, payload, mac] = c.split('.')
  tokens['bad-mac'].push(await signToken(body(`${prefix}.${payload}.${flip(mac, 10)}`), device.privateKey))
  tokens.expired.push(await signToken(body((await past.challenge({ action: 'login', origin: ORIGIN })).challenge), device.privateKey))
  tokens['bad-signature'].push(await signToken(body(await fresh()), other.privateKey)) // claims device.k
}
const good = tokens['bad-signature'][0]
const [, goodBody, goodSig] = good.split('.')
// More claimed keys than the verifier's key cache holds (10 000), cycled: every token costs a
// key import. The signature is any valid-looking one: it is checked after the import and fails.
const shared = await fresh()
for (let i = 0; i < NEW_KEYS; i++) {
  const jwk = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })
  tokens['bad-signature-new-key'].push(`${tokenSigningInput(body(shared, { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }))}.${goodSig}`)
}
const b64 = (text) => base64urlEncode(utf8(text))
const parsedBody = JSON.parse(Buffer.from(goodBody, 'base64url').toString())
tokens.malformed.push(
  `kx1.${goodBody}.${goodSig}`, // bad prefix
  `kt1.${goodBody.slice(0, -3)}!!!.${goodSig}`, // not base64url
  `kt1.${b64('{"v":1,"c":')}.${goodSig}`, // not JSON
  `kt1.${b64(JSON.stringify(parsedBody, null, 1))}.${goodSig}`, // not canonical (whitespace)
  `kt1.${b64(JSON.stringify({ ...parsedBody, extra: 1 }))}.${goodSig}`, // schema: unknown member
  `kt1.${goodBody}.${goodSig.slice(0, 40)}`, // signature not 64 bytes
  'kt1.AAAA',
  '',
)
tokens['bad-mac-every-event'] = tokens['bad-mac']
tokens.oversized.push(`kt1.${'A'.repeat(LIMITS.maxTokenBytes)}.${goodSig}`, 'x'.repeat(1_000_000))

const EXPECTED = {
  'bad-mac': ['CHALLENGE_FORGED'],
  'bad-mac-every-event': ['CHALLENGE_FORGED'],
  expired: ['TOKEN_EXPIRED'],
  malformed: ['TOKEN_MALFORMED', 'TOKEN_SCHEMA_INVALID', 'TOKEN_MISSING'],
  oversized: ['TOKEN_TOO_LARGE'],
  'bad-signature': ['DEVICE_SIGNATURE_INVALID'],
  'bad-signature-new-key': ['DEVICE_SIGNATURE_INVALID'],
}
const kinds = args.kinds ? args.kinds.split(',').filter((k) => k in tokens) : Object.keys(tokens)
const CONTEXT = { action: 'login', ip: '203.0.113.9', userId: 'victim@example.jp', userAgent: SIGNALS.userAgent.v }

// Warm-up, and a check that every kind is rejected for the reason it was built for.
for (const [kind, list] of Object.entries(tokens)) {
  if (!kinds.includes(kind)) continue
  for (const token of list.slice(0, 50)) {
    const verdict = await verifierFor(kind).verify(token, CONTEXT)
    if (verdict.decision === 'allow' || !EXPECTED[kind].includes(verdict.reasons[0]?.code)) {
      throw new Error(`${kind}: unexpected verdict ${verdict.decision} ${JSON.stringify(verdict.reasons[0])}`)
    }
  }
}

const totals = Object.fromEntries(
  kinds.map((k) => [
    k,
    { n: 0, cursor: 50, wall: 0, cpu: 0, storeCalls: 0, calls: {}, ecdsa: 0, keyImports: 0, parseN: 0, parseCpu: 0, peekN: 0, peekCpu: 0 },
  ]),
)
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of kinds.map((_, i) => kinds[(i + round) % kinds.length])) {
    const list = tokens[kind]
    const v = verifierFor(kind)
    const t = totals[kind]
    const calls = countedFor(kind).calls
    const before = { store: { ...calls }, ecdsa: counts.ecdsa, keyImports: counts.keyImports }
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    let i = 0
    while (performance.now() - t0 < SLICE_MS) {
      // 64 at a time between clock reads; each kind's cursor carries on from its last slice
      for (let j = 0; j < 64; j++, i++) await v.verify(list[t.cursor++ % list.length], CONTEXT)
    }
    const wall = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    t.n += i
    t.wall += wall / 1000
    t.cpu += (cpu.user + cpu.system) / 1e6
    t.ecdsa += counts.ecdsa - before.ecdsa
    t.keyImports += counts.keyImports - before.keyImports
    for (const [name, n] of Object.entries(calls)) t.calls[name] = (t.calls[name] ?? 0) + n - (before.store[name] ?? 0)
    // parseToken alone, the same tokens, the same time slice
    const p0 = performance.now()
    const pc0 = process.cpuUsage()
    let k = 0
    while (performance.now() - p0 < SLICE_MS / 4) for (let j = 0; j < 64; j++) parseToken(list[k++ % list.length])
    const pc = process.cpuUsage(pc0)
    t.parseN += k
    t.parseCpu += (pc.user + pc.system) / 1e6
    // peekTokenChallenge alone, likewise (absent from a build before the challenge-first order)
    const q0 = performance.now()
    const qc0 = process.cpuUsage()
    let q = 0
    while (peekTokenChallenge && performance.now() - q0 < SLICE_MS / 4)
      for (let j = 0; j < 64; j++) peekTokenChallenge(list[q++ % list.length])
    const qc = process.cpuUsage(qc0)
    t.peekN += q
    t.peekCpu += (qc.user + qc.system) / 1e6
  }
}

/** The ten functions with the most self time in a V8 CPU profile, as percentages. */
function topSelf(profile, n = 10) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map()
  for (const id of profile.samples) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame
    const name = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`.trim()
    self.set(name, (self.get(name) ?? 0) + 1)
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, k]) => ({ name, selfPercent: +((100 * k) / profile.samples.length).toFixed(1) }))
}
const profiles = {}
if (args.profile) {
  const { Session } = await import('node:inspector/promises')
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.setSamplingInterval', { interval: 100 })
  for (const kind of kinds) {
    await session.post('Profiler.start')
    const t0 = performance.now()
    let i = 0
    while (performance.now() - t0 < SLICE_MS * 2)
      for (let j = 0; j < 64; j++) await verifierFor(kind).verify(tokens[kind][i++ % tokens[kind].length], CONTEXT)
    const { profile } = await session.post('Profiler.stop')
    profiles[kind] = topSelf(profile)
    console.log(`\n${kind}: top self time under the profiler`)
    console.table(profiles[kind])
  }
  session.disconnect()
}
// The summaries: written by flush(), read back and added up.
const beforeFlush = counted.calls.recordEvent ?? 0
const flushT0 = performance.now()
await verifier.flush()
const flushMs = performance.now() - flushT0
// Per code: the events recorded in full (tokenless requests among them) outnumber the summaries.
const summaries = []
for (const code of Object.keys(server.REASONS)) {
  for (const e of await memory.queryEvents({ reason: code, limit: 1000 })) if (e.reasons[0]?.detail?.summary === true) summaries.push(e)
}
const sampling = {
  summaryEvents: (counted.calls.recordEvent ?? 0) - beforeFlush,
  rejectionsInSummaries: summaries.reduce((n, e) => n + e.reasons[0].detail.count, 0),
  byCode: Object.fromEntries(
    [...new Set(summaries.map((e) => e.reasons[0].code))].map((code) => [
      code,
      summaries.filter((e) => e.reasons[0].code === code).reduce((n, e) => n + e.reasons[0].detail.count, 0),
    ]),
  ),
  flushMs: +flushMs.toFixed(1),
}
console.log('summaries written by flush():', sampling)
verifier.close()
everyEvent.close()

const rows = kinds.map((kind) => {
  const t = totals[kind]
  const storeCalls = Object.values(t.calls).reduce((a, b) => a + b, 0)
  return {
    kind,
    verifications: t.n,
    perSecond: Math.round(t.n / t.wall),
    perCpuSecond: Math.round(t.n / t.cpu),
    storeCallsPerToken: +(storeCalls / t.n).toFixed(3),
    storeCalls: Object.fromEntries(Object.entries(t.calls).filter(([, n]) => n > 0)),
    ecdsaPerToken: +(t.ecdsa / t.n).toFixed(3),
    keyImportsPerToken: +(t.keyImports / t.n).toFixed(3),
    parseTokenPerCpuSecond: Math.round(t.parseN / t.parseCpu),
    peekTokenChallengePerCpuSecond: t.peekN > 0 ? Math.round(t.peekN / t.peekCpu) : null,
  }
})
console.table(rows.map(({ storeCalls, ...row }) => row))

// The floor: node:crypto's P-256 check alone on one token's bytes, same process.
const [p, bd, sg] = tokens['bad-signature'][0].split('.')
const key = realCreatePublicKey({ key: { ...device.k }, format: 'jwk' })
const data = Buffer.from(`${p}.${bd}`)
const sig = Buffer.from(sg, 'base64url')
const f0 = performance.now()
const c0 = process.cpuUsage()
let floorN = 0
while (performance.now() - f0 < SLICE_MS * 2)
  for (let j = 0; j < 64; j++, floorN++) realVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
const floorCpu = process.cpuUsage(c0)
const floor = {
  perSecond: Math.round(floorN / ((performance.now() - f0) / 1000)),
  perCpuSecond: Math.round(floorN / ((floorCpu.user + floorCpu.system) / 1e6)),
}
console.log('node:crypto ECDSA P-256 verify alone:', floor)
for (const row of rows) row.ofEcdsaFloorCpu = +(row.perCpuSecond / floor.perCpuSecond).toFixed(2)

// Before issue 19's cheap rejection (docs/server.md, "Hostile tokens", the run of 2026-12-03
// in a quiet period): per CPU second, and as a multiple of the P-256 floor of that run
// (21 005 per CPU second). The multiple is the figure to compare on a busy machine.
const BEFORE = {
  floorPerCpuSecond: 21_005,
  perCpuSecond: {
    'bad-mac': 29_263,
    'bad-mac-every-event': 29_263,
    expired: 29_729,
    malformed: 56_191,
    oversized: 82_438,
    'bad-signature': 10_728,
    'bad-signature-new-key': 4_614,
  },
}
// The target, per core: 100 000 per CPU second for MAC, time and shape failures; bad
// signatures at the ECDSA rate. As a multiple of the floor on the reference run: 4.76×.
const TARGET_OF_FLOOR = +(100_000 / BEFORE.floorPerCpuSecond).toFixed(2)
for (const row of rows) {
  const before = BEFORE.perCpuSecond[row.kind]
  row.beforePerCpuSecond = before
  row.beforeOfEcdsaFloorCpu = +(before / BEFORE.floorPerCpuSecond).toFixed(2)
  row.targetOfEcdsaFloorCpu = row.kind.startsWith('bad-signature') ? 1 : TARGET_OF_FLOOR
}
console.table(
  rows.map((r) => ({
    kind: r.kind,
    perCpuSecond: r.perCpuSecond,
    before: r.beforePerCpuSecond,
    '× floor now': r.ofEcdsaFloorCpu,
    '× floor before': r.beforeOfEcdsaFloorCpu,
    '× floor target': r.targetOfEcdsaFloorCpu,
    storeCallsPerToken: r.storeCallsPerToken,
  })),
)

const path = await writeResult('hostile', {
  rounds: ROUNDS,
  sliceMs: SLICE_MS,
  distinctTokens: DISTINCT,
  store: 'memory (counting wrapper)',
  method:
    'kinds interleaved in rounds, order rotated; one verification at a time; rates per wall second and per CPU second of this process (process.cpuUsage, the per-core figure on a shared machine); store calls counted by a wrapper, ECDSA checks and key imports by wrapping node:crypto verify/createPublicKey before @kenchi/server loads',
  target:
    'at least 100 000 rejections per CPU second (4.76× the P-256 floor of the reference run) for MAC, time and shape failures, no store call per token and no ECDSA for them; bad signatures at the ECDSA rate',
  floor,
  before: BEFORE,
  sampling,
  kinds: rows,
  profiles,
  seconds: secondsSince(started),
})
console.log(`wrote ${path} (${secondsSince(started)} s)`)
