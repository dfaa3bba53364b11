// Several verifier processes on one Redis (bench/verify.mjs --procs, bench/scale.mjs): each
// a `child_process.fork` of bench/verify-worker.mjs with its own event loop, Redis connection
// and returning customers; all start together on a message and verify one at a time for
// `seconds`.
import { fork } from 'node:child_process'
import { summarise } from './verify-common.mjs'

/**
 * Runs `procs` worker processes and resolves one summary row (`summarise`) over every
 * verification of every process, with `perProcess` rates, `processes`, `exhausted` (a
 * worker ran out of tokens) and the decisions; `extra` is merged into the row.
 */
export async function runProcesses({ url, prefix, procs, tokens, customers, seconds, extra = {} }) {
  const workers = Array.from({ length: procs }, (_, index) =>
    fork(new URL('../verify-worker.mjs', import.meta.url), [JSON.stringify({ url, prefix, index, tokens, customers })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  const message = (w, type) =>
    new Promise((resolve, reject) => {
      const on = (m) => {
        if (m.type === type) {
          w.off('message', on)
          resolve(m)
        } else if (m.type === 'error') reject(new Error(m.message))
      }
      w.on('message', on)
      w.once('exit', (code) => code && reject(new Error(`verify worker exited with ${code}`)))
    })
  try {
    await Promise.all(workers.map((w) => message(w, 'ready')))
    const wall = performance.now()
    const done = Promise.all(workers.map((w) => message(w, 'done')))
    for (const w of workers) w.send({ type: 'go', seconds })
    const results = await done
    const wallSeconds = (performance.now() - wall) / 1000
    const decisions = results.reduce(
      (a, r) => ({ allow: a.allow + r.decisions.allow, challenge: a.challenge + r.decisions.challenge, deny: a.deny + r.decisions.deny }),
      { allow: 0, challenge: 0, deny: 0 },
    )
    return summarise(
      `verify() redis, ${procs} process${procs > 1 ? 'es' : ''}`,
      results.flatMap((r) => r.latencies),
      Math.max(...results.map((r) => r.seconds)),
      {
        store: 'redis',
        processes: procs,
        perProcess: results.map((r) => Math.round(r.latencies.length / r.seconds)),
        exhausted: results.some((r) => r.exhausted),
        wallSeconds: +wallSeconds.toFixed(2),
        ...extra,
        ...decisions,
      },
    )
  } finally {
    for (const w of workers) if (w.connected) w.disconnect()
  }
}
