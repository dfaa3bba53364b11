// Turns bench/results/*.json into docs/benchmarks.md: the four tables (size, page cost,
// server, detection), the behaviour figures when present, the machine, versions and run
// counts. `npm run bench` calls it at the end; run it alone to regenerate the page from the
// results already there:
//
//   node bench/report.mjs [output=docs/benchmarks.md]
import { environmentSection } from './environment-report.mjs'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { RESULTS, ROOT } from './lib/env.mjs'

const read = (name) => {
  const url = new URL(`${name}.json`, RESULTS)
  return existsSync(url) ? JSON.parse(readFileSync(url, 'utf8')) : undefined
}
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`
const ms = (x) => (x === null || x === undefined ? '—' : `${x} ms`)
const num = (x) => (x === null || x === undefined ? '—' : Math.round(x).toLocaleString('en'))
const pct = (w) =>
  w?.rate === null || w?.rate === undefined
    ? '—'
    : `**${Math.round(w.rate * 100)} %** (${w.k}/${w.n}; ${Math.round(w.low * 100)}–${Math.round(w.high * 100)} %)`
const day = (iso) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—')
const dur = (s) => (s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s} s`)
const missing = (what, name) => `_Not measured: ${what} has no results (bench/results/${name}.json); see the run's steps above._\n`

function floodSection(flood) {
  if (!flood) return missing('the flood step', 'flood')
  const row = (name, run) =>
    `| ${name} | ${run.legit.logins} | ${ms(run.legit.p50ms)} | ${ms(run.legit.p99ms)} | ${run.verdictsChanged ?? '—'} | ${run.attacker ? num(run.attacker.requests / run.attacker.seconds) : '—'} | ${run.attacker ? `${num(run.attacker.challengesIssued)} / ${num(run.attacker.challengesRefused)}` : '—'} | ${run.nonces ? `${run.nonces.longRunNoncesPerSecond}/s → ${num(run.nonces.steadyStateLiveNonces)}` : '—'} |`
  return [
    `Measured ${day(flood.date)} by \`bench/flood.mjs\`: a real Express server (\`expressKenchi\`, ${flood.store ?? 'memory'} store${flood.maxFlags ? ` with its default \`${flood.bound ?? 'maxFlags'}\` ${num(flood.maxFlags)}` : ''}). ` +
      `${flood.customers} customers, each on their own address, log in ${flood.loginsPerCustomer} times over ${flood.seconds} s (challenge, signed token, verdict, \`login_succeeded\` after an allow). ` +
      `One attacker process on one address keeps ${flood.concurrency} requests in flight: fresh challenges, a validly signed token for each one it gets, junk-signature tokens and replays. ` +
      `Verdicts changed: customer verdicts (decision and reason codes) that differ from the same logins without the flood. Live nonces: what the attacker can keep in the store over a long flood (nonces are kept ${flood.nonceRetentionSeconds} s).`,
    '',
    '| Run | Customer logins | p50 | p99 | Verdicts changed | Attacker requests/s | Challenges issued / refused | Attacker nonces → live |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('no flood', { legit: flood.baseline }),
    row('flood, default challenge limit', flood.flood),
    ...(flood.floodWithoutLimit ? [row('flood, `challengeLimit: false`', flood.floodWithoutLimit)] : []),
    '',
    `Customer verdicts: ${Object.entries(flood.baseline.verdictCounts)
      .map(([v, n]) => `\`${v}\` ${n}`)
      .join(', ')}. ` +
      'The flood slows customers (one process serves both) but does not change what they are told; junk and replayed tokens are denied before the store is touched.',
    '',
  ].join('\n')
}

function sizeSection(size) {
  if (!size) return missing('the size step', 'size')
  const rows = size.rows
  const find = (name) => rows.find((r) => r.name === name)
  const early = find('Kenchi script tag, early part')
  const total = find('Kenchi script tag, total')
  const peers = rows.find((r) => r.group === 'peers')
  const fp = find('FingerprintJS in an app')
  const lines = [
    `Measured ${day(size.date)}. gzip level 9 and brotli quality 11 of each file (node:zlib); KB = 1024 bytes. ` +
      `Published builds are the files each package ships in \`node_modules\`; "in an app" is a small app (\`bench/apps/\`) ` +
      `importing the package, bundled by rollup + node-resolve + terser with the project's own options, so every library is ` +
      `tree-shaken and minified the same way.`,
    '',
    `**In short:** Kenchi's script tag sends ${kb(early.gzip)} gzip before anyone types and ${kb(total.gzip)} in all ` +
      `(FingerprintJS included, lazily); FingerprintJS alone in an app is ${kb(fp.gzip)}, and FingerprintJS + BotD doing the ` +
      `same job is ${kb(peers.gzip)}, all of it up front.`,
    '',
    '| what | file(s) | raw | gzip | brotli | note |',
    '|---|---|--:|--:|--:|---|',
    ...rows.map((r) => `| ${r.name} | \`${r.what}\` | ${kb(r.raw)} | ${kb(r.gzip)} | ${kb(r.brotli)} | ${r.note ?? ''} |`),
    '',
  ]
  return lines.join('\n')
}

function costSection(cost) {
  if (!cost) return missing('the page-cost step', 'client-cost')
  const cell = (s) => (s.n ? `${s.median} ms (IQR ${s.p25}–${s.p75}, ${s.min}–${s.max})` : '—')
  const count = (s) => (s.n ? `${s.median} (${s.min}–${s.max})` : '—')
  const rows = Object.values(cost.summary)
  const k = cost.summary.kenchi
  const p = cost.summary.peers
  return [
    `Measured ${day(cost.date)}: Chromium ${cost.chromium}, headless, CPU slowdown ${cost.cpuSlowdown}×, ${cost.rounds} loads of each page ` +
      `(fresh browser context each, the three pages in rotating order). Median, interquartile range and min–max over the loads; ` +
      `"at submit" pools 5 calls per load.`,
    '',
    `**In short:** a token ready ${k.readyMs.median} ms after navigation (FingerprintJS + BotD: both results at ${p.readyMs.median} ms); ` +
      `\`token()\` at submit ${k.atSubmitMs.median} ms (a fresh visitorId + BotD verdict: ${p.atSubmitMs.median} ms); ` +
      `${k.longTasksTotal} long task(s) in ${k.loads} loads with Kenchi, ${p.longTasksTotal} with the peers, ${cost.summary.blank.longTasksTotal} on the bare page.`,
    '',
    '| page | ready after navigation | at submit | long tasks (> 50 ms) per load | longest | total blocking time | INP during the fill |',
    '|---|---|---|---|--:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label}${r.failedLoads?.length ? ` (${r.failedLoads.length} load(s) failed)` : ''} | ${cell(r.readyMs)} | ${cell(r.atSubmitMs)} | ${count(r.longTasksPerLoad)} | ${r.longestTaskMs ? `${r.longestTaskMs} ms` : '—'} | ${cell(r.tbtMs)} | ${cell(r.inpMs)} |`,
    ),
    '',
    '- **ready**: Kenchi: `Kenchi.ready()` resolved (every signal collected, a token can be signed at once); peers: FingerprintJS `get()` and BotD `detect()` both resolved.',
    "- **at submit**: Kenchi: `Kenchi.token('login')` with the challenge prefetched (signals already collected; adds behaviour, signs with the device key). Peers: a fresh FingerprintJS `get()` plus BotD `collect()` + `detect()`, which is what an app wanting current values at submit calls; an app that reuses the load-time values pays ~0 ms here but sends values nobody signed.",
    '- **long tasks, TBT**: from navigation to the end of the form fill (before the at-submit calls). TBT is the sum over long tasks of the part beyond 50 ms.',
    `- **INP**: web-vitals \`onINP\` (all interactions) during the fill: Playwright clicks each field and types 42 characters with 80 ms between keys, starting 300 ms after the load event whatever the detector is doing. Chromium reports event durations rounded to 8 ms, so differences under ~8 ms are noise.`,
    '',
  ].join('\n')
}

function serverSection(verify) {
  if (!verify) return missing('the verify() step', 'verify')
  const decisions = (r) =>
    ['allow', 'challenge', 'deny']
      .filter((d) => r[d])
      .map((d) => `${d} ${r[d]}`)
      .join(', ')
  const out = [
    `Measured ${day(verify.date)}: Node ${verify.machine.node}, Redis ${verify.redis ?? '—'} on the same machine (127.0.0.1), ` +
      `tokens of ${verify.tokenBytes} bytes, ${verify.tokensPerRow} verifications per row, one at a time per process. ` +
      `Returning customers (${verify.customers}, each on their own IP and device) logged in once and succeeded before the timed run, so their verdicts are \`allow\`.`,
    '',
    '### Per store, next to the baselines',
    '',
    '| | per second | p50 | p99 | verdicts | × jose |',
    '|---|--:|--:|--:|---|--:|',
    ...verify.baselines.map(
      (r) =>
        `| ${r.name} | ${num(r.perSecond)} | ${ms(r.p50ms)} | ${ms(r.p99ms)} | | ${r.name.startsWith('jose') ? '1.00' : (r.perSecond / verify.baselines[1].perSecond).toFixed(2)} |`,
    ),
    ...verify.stores.map(
      (r) => `| ${r.name} | ${num(r.perSecond)} | ${ms(r.p50ms)} | ${ms(r.p99ms)} | ${decisions(r)} | ${r.ofJose?.toFixed(2) ?? ''} |`,
    ),
    '',
  ]
  if (verify.scale?.length) {
    const sizes = [...new Set(verify.scale.map((r) => r.records))].sort((a, b) => a - b)
    const stores = [...new Set(verify.scale.map((r) => r.store))]
    out.push(
      '### As the store grows',
      '',
      'The store holds N users and N devices (one user–device link each) before the run; then the returning customers verify as above (default rules). Cells: verifications per second, p50 / p99. ' +
        'Per-second figures are means over the run and take every stall (garbage collection, SQLite checkpoints, other processes) with them; p50 is the steadier figure to compare on a shared machine.',
      '',
      `| store | ${sizes.map((n) => `${n.toLocaleString('en')} users + devices`).join(' | ')} | how the store was filled |`,
      `|---|${sizes.map(() => '---').join('|')}|---|`,
      ...stores.map((s) => {
        const rows = sizes.map((n) => verify.scale.find((r) => r.store === s && r.records === n))
        return `| ${s} | ${rows.map((r) => (r ? `${num(r.perSecond)}/s, ${r.p50ms} / ${r.p99ms} ms` : '—')).join(' | ')} | ${rows.find(Boolean)?.fill ?? ''} |`
      }),
      '',
    )
  }
  out.push(...processesSection(read('scale'), verify))
  if (verify.notes?.length) out.push(...verify.notes.map((n) => `- ${n}`), '')
  return out.join('\n')
}

/**
 * The design before the one-round-trip work (issue 19), quoted from docs/benchmarks.md of
 * 2026-11-21 08:58 UTC and bench/sqlite-tail.mjs of the session after it: the figures the
 * new rows are read against.
 */
export const PREVIOUS = {
  source:
    'docs/benchmarks.md, run of 2026-11-21 08:58 UTC (Node v20.20.2, Redis 7.0.15); SQLite also after bench/sqlite-tail.mjs (background checkpoints)',
  floorPerSecond: 15_025,
  memory: { perSecond: 4_461, p50ms: 0.203, p99ms: 0.353, ofFloor: 0.3 },
  sqlite: { perSecond: 1_506, p50ms: 0.501, p99ms: 4.392, tail: { perSecond: 2_194, p99ms: 0.94 } },
  redis: { perSecond: 1_185, p50ms: 0.783, p99ms: 2.054 },
}

/** Issue 19's targets, each checked against a row: `[what, met?]`, met null when not measured. */
function targetChecks(verify, scale) {
  const row = (store) => verify?.stores?.find((r) => r.store === store && r.rules === 'default' && r.name.includes('returning'))
  const floor = verify?.baselines?.[0]?.perSecond
  const memory = row('memory')
  const sqlite = row('sqlite')
  const redis = row('redis')
  const ratio = scale?.ratio ?? null
  const check = (r, ok) => (r ? ok(r) : null)
  return [
    [
      'memory ≥ 0.6× the P-256 floor',
      check(memory, (r) => r.perSecond >= 0.6 * floor),
      memory && floor ? `${(memory.perSecond / floor).toFixed(2)}×` : '—',
    ],
    ['Redis p50 ≤ 0.35 ms', check(redis, (r) => r.p50ms <= 0.35), redis ? ms(redis.p50ms) : '—'],
    ['Redis p99 ≤ 1 ms', check(redis, (r) => r.p99ms <= 1), redis ? ms(redis.p99ms) : '—'],
    ['Redis ≥ 2,500/s per process', check(redis, (r) => r.perSecond >= 2500), redis ? `${num(redis.perSecond)}/s` : '—'],
    ['Redis, two processes ≥ 1.6× one', ratio === null ? null : ratio >= 1.6, ratio === null ? '—' : `${ratio}×`],
    ['SQLite ≥ 3,000/s', check(sqlite, (r) => r.perSecond >= 3000), sqlite ? `${num(sqlite.perSecond)}/s` : '—'],
    ['SQLite p99 ≤ 1.5 ms', check(sqlite, (r) => r.p99ms <= 1.5), sqlite ? ms(sqlite.p99ms) : '—'],
  ]
}

/** Per store: this run next to the floor, jose and the previous design; then the targets. */
function targetsSection(verify, scale) {
  if (!verify?.stores?.length) return []
  const floor = verify.baselines[0]
  const jose = verify.baselines[1]
  const row = (store) => verify.stores.find((r) => r.store === store && r.rules === 'default' && r.name.includes('returning'))
  const prev = (store) => {
    const p = PREVIOUS[store]
    if (!p) return '—'
    const tail = p.tail ? `; ${num(p.tail.perSecond)}/s, p99 ${ms(p.tail.p99ms)} after the checkpoint change` : ''
    return `${num(p.perSecond)}/s, ${ms(p.p50ms)} / ${ms(p.p99ms)} (${(p.perSecond / PREVIOUS.floorPerSecond).toFixed(2)}× its floor)${tail}`
  }
  return [
    '### Issue 19: the targets, next to the floor, jose and the previous design',
    '',
    `Default rules, returning customers, one verification at a time (the rows above). Floor: node:crypto P-256 verify alone, ${num(floor.perSecond)}/s in this run; jose ES256 \`jwtVerify\` ${num(jose.perSecond)}/s. ` +
      `Previous design: ${PREVIOUS.source}, where the floor was ${num(PREVIOUS.floorPerSecond)}/s.`,
    '',
    '| store | per second | p50 | p99 | × floor | × jose | previous design (per second, p50 / p99) |',
    '|---|--:|--:|--:|--:|--:|---|',
    ...['memory', 'sqlite', 'redis']
      .map((store) => [store, row(store)])
      .filter(([, r]) => r)
      .map(
        ([store, r]) =>
          `| ${store} | ${num(r.perSecond)} | ${ms(r.p50ms)} | ${ms(r.p99ms)} | ${(r.perSecond / floor.perSecond).toFixed(2)} | ${(r.perSecond / jose.perSecond).toFixed(2)} | ${prev(store)} |`,
      ),
    '',
    '| target | this run | met |',
    '|---|--:|---|',
    ...targetChecks(verify, scale).map(
      ([what, met, value]) => `| ${what} | ${value} | ${met === null ? 'not measured' : met ? 'met' : '**not met**'} |`,
    ),
    '',
  ]
}

/** Several processes on one Redis: bench/scale.mjs (or, from older runs, verify.json's own rows). */
function processesSection(scale, verify) {
  const rows = scale?.rows ?? verify?.processes
  if (!rows?.length) return []
  const seconds = scale?.secondsPerRun ?? verify.secondsPerProcessRun
  const out = [
    '### Several verifier processes sharing one Redis',
    '',
    `${scale ? `Measured ${day(scale.date)} by \`bench/scale.mjs\`. ` : ''}Each process (\`child_process.fork\`, \`bench/verify-worker.mjs\`) has its own event loop, Redis connection and customers; all start together and verify one at a time (default rules, returning customers) for ${seconds} s. p50/p99 over every verification of every process.`,
    '',
    '| processes | aggregate per second | per process | p50 | p99 | × one process |',
    '|--:|--:|---|--:|--:|--:|',
    ...rows.map(
      (r) =>
        `| ${r.processes} | ${num(r.perSecond)} | ${r.perProcess.map(num).join(', ')} | ${ms(r.p50ms)} | ${ms(r.p99ms)} | ${(r.perSecond / rows[0].perSecond).toFixed(2)} |`,
    ),
    '',
  ]
  const m = scale?.machine ?? verify?.machine
  if (rows.length > 1)
    out.push(
      `Target: two processes ≥ 1.6× one. ${m?.cores ?? '—'} cores are shared by the verifier processes, Redis and the benchmark itself: a verification spends part of its time waiting for Redis, ` +
        'which another process can use, but past the core count they mostly queue. Verifiers on separate machines, each with its own cores, are not measured here.',
      '',
    )
  return out
}

/** bench/profile.mjs: the ten functions with the most self time per store. */
function profileSection(profile) {
  if (!profile) return []
  const out = [
    '### Where the time goes: CPU profiles per store',
    '',
    `Measured ${day(profile.date)} by \`bench/profile.mjs\`: verify() with the default rules for returning customers, ${profile.secondsPerStore} s per store under the V8 CPU profiler (node:inspector, ${profile.samplingIntervalUs} µs sampling). ` +
      'Self time only (callees not included; a function V8 inlined counts in its caller). Native functions are named with their JavaScript caller; `(idle)` is the process waiting (for Redis), `(program)` native work V8 does not attribute. ' +
      'The profiler slows every call, so rates here are not the figures above.',
    '',
  ]
  for (const [store, p] of Object.entries(profile.stores)) {
    out.push(
      `**${store}** (${num(p.verifications)} verifications in ${p.seconds} s under the profiler, ${num(p.profiledMs)} ms sampled):`,
      '',
      '| function | where | self ms | % |',
      '|---|---|--:|--:|',
      ...p.top.map((r) => `| \`${r.function.replaceAll('|', '\\|')}\` | ${r.at ? `\`${r.at}\`` : ''} | ${r.selfMs} | ${r.percent} |`),
      '',
    )
  }
  if (profile.notes?.length) out.push(...profile.notes.map((n) => `- ${n}`), '')
  return out
}

/** bench/store-guard.mjs: what the store-call time-out costs per call, before and after its shared timer. */
function guardLine(guard) {
  if (!guard) return []
  const o = guard.overhead
  return [
    `Store-call time-out guard (\`bench/store-guard.mjs\`, ${day(guard.date)}; the old guard loaded from git at \`${guard.before.slice(0, 8)}\`, rounds interleaved): ` +
      `${o.sequential.beforeNs} → ${o.sequential.afterNs} ns per call over the bare call one at a time, ${o.concurrent.beforeNs} → ${o.concurrent.afterNs} ns 16 at a time ` +
      '(a `setTimeout` + `clearTimeout` per call before, one shared timer per verifier after); a verification with the default rules makes about fifteen store calls.',
    '',
  ]
}

/** Ten hot-path store calls singly and as one batch() (bench/store-batch.mjs). */
function storeBatchLine(batch) {
  if (!batch) return []
  const cells = []
  for (const store of [...new Set(batch.rows.map((r) => r.store))]) {
    const single = batch.rows.find((r) => r.store === store && !r.way.startsWith('one batch'))
    const one = batch.rows.find((r) => r.store === store && r.way.startsWith('one batch'))
    if (!single || !one) continue
    cells.push(
      `${store} p50 ${num(single.p50us)} → ${num(one.p50us)} µs, p99 ${num(single.p99us)} → ${num(one.p99us)} µs ` +
        `(${(one.setsPerSecond / single.setsPerSecond).toFixed(2)}× the sets per second)`,
    )
  }
  return [
    `Store batches (\`bench/store-batch.mjs\`, ${day(batch.date)}): the same ten hot-path operations (a nonce gate and nine more) as ten single calls and as one \`batch()\` ` +
      `(one \`EVALSHA\` on Redis, one transaction on SQLite): ${cells.join('; ')}.`,
    '',
  ]
}

function otherStoresTable(rows) {
  if (!rows) return []
  return [
    `**The same events in the other stores** (${num(rows[0].events)} of them, \`bench/history.mjs\` step 6):`,
    '',
    '| store | bytes per event |',
    '|---|---:|',
    ...rows.map((r) => `| ${r.store} | ${num(r.bytesPerEvent)} |`),
    '',
  ]
}

export function historySection(history) {
  if (!history) return missing('the history step', 'history')
  const gib = (b) => `${(b / 2 ** 30).toFixed(2)} GiB`
  const t = history.size.tables
  const w = history.writeBehind
  const [alone, split, added] = history.verify
  const page = history.queries.filter((q) => !q.query.startsWith('countEvents'))
  const worst = page.reduce((a, q) => (q.p95ms > a.p95ms ? q : a), page[0])
  return [
    `Measured ${day(history.date)} by \`bench/history.mjs\` (\`npm run bench:history\`) on PostgreSQL ${history.postgres} (a temporary cluster, durability defaults: fsync and synchronous_commit on; \`shared_buffers\` 512 MB) and Redis ${history.redis ?? '—'}, ` +
      `${num(history.events)} synthetic events shaped like the verifier's, spread over ${history.days} days.` +
      (history.machineShared
        ? ` **The machine was shared** with other work while this ran (load average ${history.machine?.loadAverage?.join(' / ') ?? '—'} on ${history.machine?.cores ?? '—'} cores at the end): every figure is slower than on an idle machine, and the p95s carry others' spikes.`
        : ''),
    '',
    `**Load and upgrade.** Bulk load (${history.bulkLoad.method}): ${dur(history.bulkLoad.seconds)} (${num(history.bulkLoad.rowsPerSecond)} rows/s; COPY alone ${dur(history.bulkLoad.copySeconds)}). ` +
      `Upgrade of that version-1 database to version 2 in place (five expression indexes, the reason side table and the per-minute counts filled from the events): ${dur(history.upgrade.seconds)}; \`VACUUM ANALYZE\` after it ${dur(history.upgrade.vacuumAnalyzeSeconds)}.`,
    '',
    '**What it holds.**',
    '',
    '| table | rows | rows per event | table | indexes | bytes per event |',
    '|---|---:|---:|---:|---:|---:|',
    ...Object.entries(t).map(
      ([name, s]) =>
        `| \`${name}\` | ${num(s.rows)} | ${s.rowsPerEvent} | ${gib(s.tableBytes)} | ${gib(s.indexBytes)} | ${num(s.bytesPerEvent)} |`,
    ),
    `| all | | | | | **${num(history.size.bytesPerEvent)}** (${gib(history.size.totalBytes)}) |`,
    '',
    `An event's JSON is ${num(history.bulkLoad.jsonBytesPerEvent)} bytes on average. Index bytes per event: ${Object.entries(
      history.size.indexBytesPerEvent,
    )
      .map(([n, b]) => `\`${n}\` ${b}`)
      .join(', ')}.`,
    '',
    '**Console queries** (as the console makes them: `scanEvents` / `eventStats` of `@kenchi/console` on `postgresStore`; varied parameters, after three warm-up runs):',
    '',
    '| page | runs | p50 | p95 | max | rows |',
    '|---|---:|---:|---:|---:|---:|',
    ...history.queries.map((q) => `| ${q.query} | ${q.runs} | ${ms(q.p50ms)} | ${ms(q.p95ms)} | ${ms(q.maxMs)} | ${num(q.rows)} |`),
    '',
    `Target: p95 under 200 ms for each page at 10 million events: ${page.every((q) => q.p95ms < 200) ? 'met' : 'not met in this run'} (slowest p95: ${worst.query}, ${ms(worst.p95ms)}).`,
    '',
    `**Write-behind.** ${num(w.events)} events through \`splitStore.recordEvent\` (${w.note}): all written in ${w.seconds} s, **${num(w.eventsPerSecond)} events/s** sustained (recordEvent itself: ${num(w.recordPerSecond)}/s). Target: at least 5,000 verifications/s: ${w.eventsPerSecond >= 5000 ? 'met' : 'not met in this run'}.`,
    '',
    '**verify()**, default rules, returning customers, one at a time, the two stores alternated in rounds:',
    '',
    '| store | verifications | per second | p50 | p99 |',
    '|---|---:|---:|---:|---:|',
    ...[alone, split].map((r) => `| ${r.store} | ${num(r.ops)} | ${num(r.perSecond)} | ${ms(r.p50ms)} | ${ms(r.p99ms)} |`),
    '',
    ...otherStoresTable(history.otherStores ?? read('history-stores')?.otherStores),
    `Split storage adds ${ms(added.p50ms)} to the p50${added.p50ms < 0 ? ' (it is faster than Redis alone here)' : ''} (target: under 0.1 ms: ${added.p50ms < 0.1 ? 'met' : 'not met in this run'}): \`recordEvent\` on the split store is one Redis \`SET\` (the hot copy) where the Redis store runs its event script (event hash, time index, trim); the PostgreSQL write happens after the verdict, in the same process.`,
    '',
  ].join('\n')
}

function serviceSection(service) {
  if (!service) return '### The verification service over HTTP\n\n' + missing('the service step', 'service')
  const c = service.comparison
  return [
    '### The verification service over HTTP',
    '',
    `Measured ${day(service.date)} (\`bench/service.mjs\`): \`POST /v1/verify\` of \`kenchi-server\`'s service (\`createService\`, memory store, default rules) over loopback HTTP with keep-alive, ` +
      `next to in-process \`verify()\` of the same verifier on the same store, ${service.tokens} tokens per row, ${service.customers} returning customers; the service and its caller share one process.`,
    '',
    '| path | verifications/s | p50 | p99 |',
    '|---|---:|---:|---:|',
    ...service.rows.map((r) => `| ${r.name} | ${num(r.perSecond)} | ${ms(r.p50ms)} | ${ms(r.p99ms)} |`),
    '',
    `HTTP adds ${c.p50AddedMs} ms at p50 and ${c.p99AddedMs} ms at p99 one at a time; throughput is ${c.throughputRatio} of in-process one at a time, ${c.concurrentThroughputRatio} with ${service.concurrency} in flight. Target: ${c.target}: ${c.meetsTarget ? 'met' : 'not met in this run'}.`,
    '',
  ].join('\n')
}

function detectionSection(det, behaviour) {
  if (!det) return missing('the detection step', 'detection')
  const seen = (k) =>
    Object.entries(k.kenchi.findings)
      .slice(0, 6)
      .map(([f, n]) => `${f.replace(':', ' ')} ${n}`)
      .join(', ') || Object.keys(k.kenchi.reasons).join(', ')
  const kinds = (k) =>
    Object.entries(k.botd.botKinds)
      .map(([b, n]) => `${b} ${n}`)
      .join(', ') || '—'
  const scores = (k) => {
    const xs = k.samples.filter((r) => typeof r.score === 'number').map((r) => r.score)
    return xs.length ? `${Math.min(...xs)}–${Math.max(...xs)}` : '—'
  }
  const lowest = det.kinds
    .map((k) => ({ k, min: Math.min(...k.samples.filter((r) => typeof r.score === 'number').map((r) => r.score)) }))
    .filter(({ min }) => Number.isFinite(min))
    .sort((a, b) => a.min - b.min)[0]
  const missed = det.kinds.filter((k) => k.kenchi.flagged.k < k.kenchi.flagged.n)
  const botdMissed = det.kinds.filter((k) => k.botd.bot.k < k.botd.bot.n)
  const out = [
    `Measured ${day(det.date)}: Chromium ${det.chromium}, ${det.runsPerKind} runs per kind, headed kinds on ${det.display ?? 'no display'}. ` +
      "One login page carries both detectors: Kenchi's script tag (`expressKenchi(verifier)`, `scriptTag()`, `guard('login')`, default rules) and BotD (`load()` + `detect()`, verdict posted with the form). " +
      "Each run uses a fresh browser profile and a fresh verifier and store, waits until BotD has its verdict, fills the form the kind's way and submits. " +
      'Flagged = `challenge` or `deny`. Intervals are Wilson 95 %.',
    '',
    `**In short:** of ${det.kinds.length} kinds of automation, Kenchi flagged every run of ${det.kinds.filter((k) => k.completed && k.kenchi.flagged.k === k.kenchi.flagged.n).length} ` +
      `and BotD every run of ${det.kinds.filter((k) => k.completed && k.botd.bot.k === k.botd.bot.n).length}; ` +
      `${det.kinds.filter((k) => k.completed && k.kenchi.flagged.k === 0).length} kind(s) passed Kenchi in every run and ${det.kinds.filter((k) => k.completed && k.botd.bot.k === 0).length} passed BotD in every run (listed under "Not caught").`,
    '',
    '| automation | Kenchi flagged | Kenchi denied | Kenchi score, min–max | BotD: bot | what Kenchi saw (runs) | BotD botKind |',
    '|---|---|---|---|---|---|---|',
    ...det.kinds.map(
      (k) =>
        `| ${k.label}${k.errors.length ? ` (${k.errors.length} run(s) failed)` : ''} | ${pct(k.kenchi.flagged)} | ${pct(k.kenchi.denied)} | ${scores(k)} | ${pct(k.botd.bot)} | ${seen(k)} | ${kinds(k)} |`,
    ),
    ...(det.skipped ?? []).map((s) => `| ${s.label} | not run: ${s.why} | | | | | |`),
    '',
    '**Not caught:**',
    '',
    ...(missed.length
      ? missed.map((k) => `- Kenchi allowed ${k.kenchi.decisions.allow} of ${k.completed} runs of "${k.label}".`)
      : ['- Kenchi flagged every run of every kind here.']),
    ...(botdMissed.length
      ? botdMissed.map((k) => `- BotD answered "not a bot" in ${k.botd.bot.n - k.botd.bot.k} of ${k.botd.bot.n} runs of "${k.label}".`)
      : ['- BotD flagged every run of every kind here.']),
    '',
    'How each kind filled the form:',
    '',
    ...det.kinds.map(
      (k) =>
        `- ${k.label}: ${k.input}. User agent: \`${k.userAgents.join('`, `')}\`; \`navigator.webdriver\`: ${Object.keys(k.webdriver).join('/')}.`,
    ),
    '',
    'Read with care:',
    '',
    '- Scores combine the reasons (noisy-OR); the default thresholds are `challenge` from 40 and `deny` from 80 ([server.md](server.md)). ' +
      (lowest
        ? `The kind closest to passing was "${lowest.k.label}" (lowest score ${lowest.min}); for kinds near a threshold the share moves from run to run, and 10 of 10 only says "at least about 72 %" with 95 % confidence.`
        : ''),
    "- There is no human in this table, so it says nothing about false alarms. The human side of the behaviour detectors is measured on real people's data by `npm run bench:behaviour` (section 5).",
    ...(det.kinds.some((k) => k.kenchi.findings['ENVIRONMENT_INCONSISTENT:webgl-software'])
      ? [
          '- This machine has no GPU: Chromium here renders WebGL in software, which Kenchi reports as `ENVIRONMENT_INCONSISTENT webgl-software` (a doubt that adds to the score, not a verdict on its own). A bot farm on GPU-less servers looks like that too; a visitor on an ordinary laptop does not.',
        ]
      : []),
    ...(det.kinds.some((k) => k.kenchi.findings['ENVIRONMENT_INCONSISTENT:worker-platform'])
      ? [
          "- The stealth plugin replaces the user agent with a Windows one while a web worker and WebGL still tell Linux; Kenchi's worker-consistency signal sees that (`worker-platform`). A bot that keeps its real user agent does not trip it.",
        ]
      : []),
    "- BotD decides in the browser; its verdict reaches the server as whatever the page posts, which a bot can rewrite. Kenchi's token is signed and checked by the server. Neither forgery is tested here.",
    '',
  ]
  if (behaviour) {
    const h = behaviour.humans
    const rate = (w) => `${(w.rate * 100).toFixed(2)} % (${w.k}/${w.n})`
    out.push(
      '## 5. Behaviour detectors on real people and generated bots',
      '',
      `Measured ${day(behaviour.generated)} by \`npm run bench:behaviour\` (details and method: [behaviour.md](behaviour.md)). ` +
        'The scripted-typing and scripted-pointer rules, run on research data sets of real people (false alarms) and on bots generated in the same run (catches).',
      '',
      '| people (false alarms) | flagged |',
      '|---|--:|',
      `| Aalto typing, ${h.aaltoTyping.people} people, ${h.aaltoTyping.submissions} submissions | ${rate(h.aaltoTyping.falsePositive)} |`,
      `| Keystroke100, ${h.keystroke100.people} people | ${rate(h.keystroke100.falsePositive)} |`,
      `| Balabit mouse, three clicks per submission | ${rate(h.balabitMouseThreeClicks.falsePositive)} |`,
      '',
      '| generated bots | flagged |',
      '|---|--:|',
      ...Object.entries(behaviour.bots).map(([name, w]) => `| ${name} | ${rate(w)} |`),
      '',
    )
  }
  return out.join('\n')
}

function mobileSection(mobile) {
  if (!mobile) return ''
  const rate = (w) =>
    w?.rate == null ? '—' : `${(w.rate * 100).toFixed(2)} % (${(w.low * 100).toFixed(2)}–${(w.high * 100).toFixed(2)}; ${w.k}/${w.n})`
  return [
    '## 6. Phones, tablets and Japanese IME',
    '',
    `Measured ${day(mobile.date)} by \`node bench/mobile.mjs\` (method and blind spots: [behaviour.md](behaviour.md), "Modalities"). ` +
      `Human-like sessions: real people's typing intervals (Aalto) delivered as each device delivers them, ${mobile.latenciesPerSession + 1} characters and three taps each; tap contact times ${mobile.tapModel}.`,
    '',
    '| human-like sessions | with a SCRIPTED_* or behaviour reason (95 % CI) |',
    '|---|--:|',
    ...Object.entries(mobile.humans).map(([name, w]) => `| ${name} | ${rate(w)} |`),
    ...Object.entries(mobile.desktop).map(
      ([name, w]) => `| desktop ${name} (target ${name.startsWith('aalto') ? '≤ 0.3 %' : '≤ 1 %'}) | ${rate(w)} |`,
    ),
    '',
    '| scripted phone typing | caught (95 % CI) |',
    '|---|--:|',
    ...Object.entries(mobile.bots).map(([name, w]) => `| ${name} | ${rate(w)} |`),
    '',
  ].join('\n')
}

function injectedSection(inj) {
  const pct = (w) =>
    w.rate === null ? '—' : `${(w.rate * 100).toFixed(1)} % [${(w.low * 100).toFixed(1)}–${(w.high * 100).toFixed(1)}] (${w.k}/${w.n})`
  return [
    `Measured ${day(inj.date)} by \`node bench/injected.mjs\` (method and blind spots: [behaviour.md](behaviour.md#injected-input-injectedinputrule)). ` +
      'Headed Chromium under Xvfb, one login with human-like mouse paths and key timings per session: through the DevTools protocol by each driver, or as real X11 input by xdotool into a Chromium no driver is attached to. Wilson 95 % intervals.',
    '',
    '| input | `INJECTED_INPUT` | not allowed (all rules) | phase share, median (min–max) |',
    '|---|--:|--:|--:|',
    ...Object.entries(inj.groups).map(
      ([name, g]) =>
        `| ${name === 'xdotool' ? 'xdotool, real X11 input (false alarms)' : name} | ${pct(g.flagged)} | ${pct(g.notAllowed)} | ${g.phaseShare.median} (${g.phaseShare.min}–${g.phaseShare.max}) |`,
    ),
    '',
  ].join('\n')
}

function laterLine(run, sections) {
  if (!run) return ''
  const end = Date.parse(run.startedAt) + run.wallSeconds * 1000
  const later = Object.entries(sections).filter(([, r]) => r && Date.parse(r.date) > end)
  return later.length
    ? `- **Measured after that run (a partial run):** ${later.map(([name, r]) => `${name} (${day(r.date)})`).join(', ')}.`
    : ''
}

/** Rejections of hostile tokens (bench/hostile.mjs) and the store A/B runs (bench/sqlite-tail.mjs, bench/memory-store.mjs). */
function hostileSection(hostile, tail, memory) {
  const out = []
  if (hostile) {
    out.push(
      `Measured ${day(hostile.date)} by \`bench/hostile.mjs\`: \`verify()\` on the memory store (behind a wrapper counting its calls) flooded with hostile tokens, kinds interleaved, one at a time. ` +
        'Per CPU second is the per-core figure (process CPU time, so other work on the machine does not count); ECDSA checks and key imports are counted by wrapping `node:crypto`. ' +
        'Rejected tokens past `rejectedEvents.fullPerInterval` (100 per code per minute) are counted and written as summary events, not one store write each; `bad-mac-every-event` is the same flood through a verifier that records every one (the same-run A/B). ' +
        '"Before" is the run of 2026-12-03 before issue 19, in a quiet period; compare the multiples of the ECDSA floor when the machine is busy. ' +
        `Target: ${hostile.target}.`,
      '',
      '| Kind | Rejections/s | per CPU second | × ECDSA floor (CPU) | before (per CPU second, × floor) | Store calls per token | ECDSA per token | Key imports per token | `parseToken` alone per CPU second |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...hostile.kinds.map(
        (r) =>
          `| ${r.kind} | ${num(r.perSecond)} | ${num(r.perCpuSecond)} | ${r.ofEcdsaFloorCpu} | ${r.beforePerCpuSecond === undefined ? '' : `${num(r.beforePerCpuSecond)}, ${r.beforeOfEcdsaFloorCpu}`} | ${r.storeCallsPerToken} (${Object.keys(r.storeCalls).join(', ') || 'none'}) | ${r.ecdsaPerToken} | ${r.keyImportsPerToken} | ${num(r.parseTokenPerCpuSecond)} |`,
      ),
      `| node:crypto P-256 verify alone | ${num(hostile.floor.perSecond)} | ${num(hostile.floor.perCpuSecond)} | 1.00 | ${hostile.before ? `${num(hostile.before.floorPerCpuSecond)}, 1.00` : ''} | | | | |`,
      '',
      ...(hostile.sampling
        ? [
            `After the rounds, \`flush()\` wrote ${hostile.sampling.summaryEvents} summary events standing for ${num(hostile.sampling.rejectionsInSummaries)} rejections (${
              Object.entries(hostile.sampling.byCode)
                .map(([code, n]) => `${code} ${num(n)}`)
                .join(', ') || 'none'
            }).`,
            '',
          ]
        : []),
    )
  }
  if (tail) {
    out.push(
      `SQLite checkpoints (\`bench/sqlite-tail.mjs\`, ${day(tail.date)}): the same verifications against stores differing in one setting, rounds interleaved. ` +
        "`inline` is SQLite's automatic checkpoint inside the committing call (`checkpointIntervalMs: 0`, the store before this change), `background` the default (a worker thread checkpoints every second).",
      '',
      '| Configuration | verify()/s | p50 | p99 | p99.9 | max | calls over 2 ms |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...tail.verify.map(
        (r) => `| ${r.config} | ${num(r.perSecond)} | ${ms(r.p50ms)} | ${ms(r.p99ms)} | ${ms(r.p999ms)} | ${ms(r.maxms)} | ${r.over2ms} |`,
      ),
      '',
      `Single store calls, p99: ${[...new Set(tail.calls.map((c) => c.call))]
        .map(
          (call) =>
            `\`${call}\` ${tail.calls
              .filter((c) => c.call === call)
              .map((c) => `${c.config} ${c.p99ms}`)
              .join(' / ')} ms`,
        )
        .join('; ')}.`,
      '',
    )
  }
  if (memory) {
    out.push(
      `Memory store before/after (\`bench/memory-store.mjs\`, ${day(memory.date)}; the store at \`${memory.before.slice(0, 8)}\` against the one at \`${(memory.after ?? 'the build').slice(0, 8)}\`, both loaded from git, rounds interleaved): ` +
        `verify() ${memory.ratios.verifyPerSecond}× the rate (p50 ${memory.ratios.verifyP50}×), \`recordEvent\` with the store full ${memory.ratios.recordEventPerSecond}× per wall second and ${memory.ratios.recordEventPerCpuSecond ?? '—'}× per CPU second.`,
      '',
    )
  }
  return out.length ? ['### Hostile tokens and store internals', '', ...out] : []
}

function loadLine(run, cores) {
  const steps = run.steps.filter((s) => s.load1)
  if (!steps.length) return ''
  // Before a step starts the benchmark itself is idle, so a high figure there is someone else's work.
  const before = Math.max(...steps.map((s) => s.load1[0]))
  return (
    `- **Load:** 1-minute load average before/after each step: ${steps.map((s) => `${s.name} ${s.load1.join('/')}`).join(', ')} (${cores} cores; the figures include the benchmark's own browsers, Redis and workers). ` +
    (before > cores
      ? '**Other work shared this machine during the run**, so timings (not sizes or detection outcomes) are pessimistic and noisier than on an idle machine.'
      : 'No sign of other work on the machine.')
  )
}

export async function writeReport(output = new URL('docs/benchmarks.md', ROOT)) {
  const run = read('run')
  const size = read('size')
  const cost = read('client-cost')
  const verify = read('verify')
  const det = read('detection')
  const behaviour = read('behaviour')
  const flood = read('flood')
  const mobile = read('mobile')
  const injected = read('injected')
  const scale = read('scale')
  const m = run?.machine ?? size?.machine ?? verify?.machine
  const versions = { ...size?.versions, ...cost?.versions, ...verify?.versions, ...det?.versions }
  const text = [
    '# Benchmarks',
    '',
    '<!-- Generated by bench/report.mjs from bench/results/*.json. Do not edit: run `npm run bench`. -->',
    '',
    'Every figure below was measured in one run of `npm run bench`, with the peers next to Kenchi on the same machine in the same run. ' +
      'Nothing here is part of `npm test`. Raw results are JSON in `bench/results/` (git-ignored); this page is generated from them by `bench/report.mjs`.',
    '',
    `- **Run:** ${day(run?.startedAt)}, ${run ? `${dur(run.wallSeconds)} end to end (build included)` : 'no run record'}${run?.quick ? ', **quick mode (small counts)**' : ''}.`,
    m ? `- **Machine:** ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB RAM, ${m.os}; Node ${m.node}.` : '- **Machine:** unknown',
    `- **Browser:** Chromium ${cost?.chromium ?? det?.chromium ?? '—'} (\`${cost?.executablePath ?? det?.executablePath ?? '—'}\`), driven by playwright-core ${versions['playwright-core'] ?? '—'} and puppeteer-core ${versions['puppeteer-core'] ?? '—'}. **Redis:** ${verify?.redis ?? 'not run'}.`,
    `- **Run counts:** page cost ${cost ? `${cost.rounds} loads per page` : '—'}; verify() ${verify ? `${verify.tokensPerRow} verifications per row` : '—'}${scale || verify?.processes?.length ? `, ${scale?.secondsPerRun ?? verify?.secondsPerProcessRun} s per multi-process run` : ''}; detection ${det ? `${det.runsPerKind} runs per kind` : '—'}.`,
    run ? `- **Steps:** ${run.steps.map((s) => `${s.name} ${s.status} (${s.seconds} s)`).join('; ')}.` : '',
    run && m ? loadLine(run, m.cores) : '',
    laterLine(run, { size, 'page cost': cost, 'verify()': verify, detection: det }),
    '',
    'Reproduce: install Chromium (`apt-get install chromium`, or set `KENCHI_CHROMIUM`), `redis-server` and Xvfb (for the headed browsers), then `npm ci && npm run bench`. ' +
      'Single parts: `npm run bench:size`, `bench:client`, `bench:verify`, `bench:profile`, `bench:scale`, `bench:detection`, `bench:behaviour`, `bench:history`; `node bench/run.mjs --quick` for a smoke run.',
    '',
    '## 1. Size',
    '',
    sizeSection(size),
    '## 2. Page cost in Chromium',
    '',
    costSection(cost),
    '## 3. Server: verify()',
    '',
    serverSection(verify),
    ...targetsSection(verify, scale),
    ...profileSection(read('profile')),
    ...guardLine(read('store-guard')),
    serviceSection(read('service')),
    ...hostileSection(read('hostile'), read('sqlite-tail'), read('memory-store')),
    ...storeBatchLine(read('store-batch')),
    'Same-run A/B records of single changes (hand-written and dated, not regenerated with this page): [performance-log.md](performance-log.md).',
    '',
    '## 4. Detection: Kenchi and BotD on the same pages',
    '',
    detectionSection(det, behaviour),
    mobileSection(mobile),
    ...environmentSection(read('environment')),
    '## 8. Store exhaustion: customers under a flood',
    '',
    floodSection(flood),
    ...(injected ? ['## 9. Injected input: DevTools-protocol drivers and real X11 input', '', injectedSection(injected)] : []),
    '## 10. Event history at shop scale',
    '',
    historySection(read('history')),
    '## Versions',
    '',
    Object.entries(versions)
      .filter(([, v]) => v)
      .map(([name, v]) => `\`${name}\` ${v}`)
      .join(', ') + '.',
    '',
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n')
  await writeFile(output, text)
  return fileURLToPath(output).replace(fileURLToPath(ROOT), '')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ? new URL(process.argv[2], `file://${process.cwd()}/`) : undefined
  console.log(`wrote ${await writeReport(out)}`)
}
