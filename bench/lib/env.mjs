// Shared by the benchmarks: where the browser is, what machine and versions a run used,
// small statistics (median, quartiles, Wilson interval) and writing bench/results/*.json.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import { CHROMIUM_ARGS as SHARED_ARGS, NO_CHROMIUM, findChromium as findSharedChromium } from '../../scripts/find-chromium.mjs'

export const ROOT = new URL('../../', import.meta.url)
export const RESULTS = new URL('../results/', import.meta.url)

// ---------- the browser ----------
// The project's one finder (scripts/find-chromium.mjs: KENCHI_CHROMIUM or CHROME_PATH, a
// chromium / google-chrome on PATH, the usual install folders, Playwright's own download),
// plus CHROMIUM_PATH. Never downloads anything.
export async function findChromium() {
  const fromEnv = process.env.KENCHI_CHROMIUM || process.env.CHROME_PATH ? undefined : process.env.CHROMIUM_PATH
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv}: no such file`)
    return fromEnv
  }
  const found = findSharedChromium()
  if (!found) throw new Error(NO_CHROMIUM)
  return found
}

/** The project's quiet-browser flags; --no-sandbox as root (containers) or when KENCHI_NO_SANDBOX=1. */
export const CHROMIUM_ARGS = [
  ...SHARED_ARGS,
  ...(process.env.KENCHI_NO_SANDBOX === '1' && !SHARED_ARGS.includes('--no-sandbox') ? ['--no-sandbox'] : []),
]

// ---------- the machine and versions ----------
export function machine() {
  const cpus = os.cpus()
  let distro = ''
  try {
    distro = /PRETTY_NAME="?([^"\n]*)/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? ''
  } catch {
    // not Linux
  }
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${distro || os.type()} (${os.platform()} ${os.release()} ${os.arch()})`,
    node: process.version,
    // Other work on the machine skews every timing: the 1-, 5- and 15-minute load averages when this was written.
    loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
  }
}

/** Installed versions of packages, read from their package.json in node_modules. */
export function versions(names) {
  const out = {}
  for (const name of names) {
    try {
      out[name] = JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, ROOT), 'utf8')).version
    } catch {
      out[name] = null
    }
  }
  return out
}

/** `redis-server --version`, or null. */
export function redisVersion() {
  try {
    return /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? null
  } catch {
    return null
  }
}

// ---------- statistics ----------
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return null
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return s[lo] + (s[hi] - s[lo]) * (pos - lo)
}

const r1 = (x) => (x === null || x === undefined ? null : Math.round(x * 10) / 10)

/** Median, quartiles and range of a sample, rounded to 0.1. */
export function spread(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x))
  if (v.length === 0) return { n: 0, median: null, p25: null, p75: null, min: null, max: null }
  return {
    n: v.length,
    median: r1(quantile(v, 0.5)),
    p25: r1(quantile(v, 0.25)),
    p75: r1(quantile(v, 0.75)),
    min: r1(Math.min(...v)),
    max: r1(Math.max(...v)),
  }
}

/** Wilson 95 % interval for k successes in n trials. */
export function wilson(k, n) {
  if (n === 0) return { k, n, rate: null, low: null, high: null }
  const z = 1.96
  const p = k / n
  const d = 1 + (z * z) / n
  const c = (p + (z * z) / (2 * n)) / d
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d
  const r = (x) => Math.round(x * 1000) / 1000
  return { k, n, rate: r(p), low: r(Math.max(0, c - h)), high: r(Math.min(1, c + h)) }
}

// ---------- odds and ends ----------
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

/** Writes bench/results/<name>.json with the date and machine, and returns the path. */
export async function writeResult(name, data) {
  await mkdir(RESULTS, { recursive: true })
  const url = new URL(`${name}.json`, RESULTS)
  await writeFile(url, JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine: machine(), ...data }, null, 2) + '\n')
  return `bench/results/${name}.json`
}

/** Seconds since `start` (a performance.now() value), to 0.1. */
export const secondsSince = (start) => Math.round((performance.now() - start) / 100) / 10

/** A throwaway redis-server on a free 127.0.0.1 port (no persistence), for the benches that ask for Redis. */
export async function startRedis() {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  })
  await new Promise((resolve, reject) => {
    child.once('error', reject)
    setTimeout(resolve, 300)
  })
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') }
}
