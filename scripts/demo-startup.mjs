// npm run demo:startup [-- options]: checks the README's promise that after a fresh clone
// `npm run demo` serves the shop in under a minute. It clones this repository (its
// committed HEAD) into a temporary folder, installs as the README says (`npm ci` here, the
// lockfile's exact tree; not timed: it depends on the network), then times `npm run demo`
// (build + start, on an empty demo/.data/) until the home page answers 200. Prints the
// figures, writes bench/results/demo-startup.json, and exits 1 when over the limit.
//
//   --repo PATH      the repository to clone (default: this checkout)
//   --limit SECONDS  the bound (default 60)
//   --keep           keep the temporary clone
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { repo: { type: 'string' }, limit: { type: 'string', default: '60' }, keep: { type: 'boolean' } },
})
const repo = values.repo ?? fileURLToPath(new URL('..', import.meta.url))
const limitS = Number(values.limit)
if (!(limitS > 0)) throw new Error('--limit: a number of seconds')

const dir = mkdtempSync(join(tmpdir(), 'kenchi-fresh-'))
const run = (command, args, cwd) => {
  const t0 = performance.now()
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, CI: 'true' } })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr.slice(-2000)}`)
  return (performance.now() - t0) / 1000
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

let child
try {
  console.log(`Cloning ${repo} into ${dir} ...`)
  const cloneS = run('git', ['clone', '--quiet', repo, dir])
  console.log(`Installing (npm ci, not timed) ...`)
  const installS = run('npm', ['ci', '--no-audit', '--no-fund'], dir)
  console.log(`  npm ci took ${installS.toFixed(1)} s`)

  const port = await freePort()
  const url = `http://127.0.0.1:${port}/`
  console.log(`Timing npm run demo until ${url} answers ...`)
  const t0 = performance.now()
  // Its own process group, so the build and the server stop together.
  child = spawn('npm', ['run', 'demo'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let output = ''
  let listeningS
  child.stdout.on('data', (d) => {
    output += d
    if (listeningS === undefined && output.includes('Kenchi demo shop running at')) listeningS = (performance.now() - t0) / 1000
  })
  child.stderr.on('data', (d) => (output += d))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  let servedS
  const deadline = t0 + Math.max(limitS * 3, 180) * 1000
  while (servedS === undefined) {
    if (child.exitCode !== null) throw new Error(`npm run demo exited (${child.exitCode}) before serving:\n${output.slice(-2000)}`)
    if (performance.now() > deadline)
      throw new Error(`npm run demo did not serve ${url} within ${Math.round((deadline - t0) / 1000)} s:\n${output.slice(-2000)}`)
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
      if (response.status === 200 && (await response.text()).includes('Kenchi demo shop')) servedS = (performance.now() - t0) / 1000
    } catch {
      // not listening yet
    }
    if (servedS === undefined) await new Promise((r) => setTimeout(r, 100))
  }
  process.kill(-child.pid, 'SIGTERM')
  await exited
  child = undefined

  const result = {
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cloneS: round(cloneS),
    npmCiS: round(installS),
    buildS: listeningS === undefined ? null : round(listeningS),
    servedS: round(servedS),
    limitS,
    ok: servedS < limitS,
  }
  console.log(
    `\nnpm run demo after a fresh clone: home page served after ${result.servedS} s (build and start-up to "running at": ${result.buildS} s); limit ${limitS} s: ${result.ok ? 'OK' : 'TOO SLOW'}`,
  )
  const results = new URL('../bench/results/', import.meta.url)
  mkdirSync(results, { recursive: true })
  writeFileSync(new URL('demo-startup.json', results), `${JSON.stringify(result, null, 2)}\n`)
  console.log('wrote bench/results/demo-startup.json')
  process.exitCode = result.ok ? 0 : 1
} finally {
  if (child?.pid) {
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {
      // already gone
    }
  }
  if (!values.keep) rmSync(dir, { recursive: true, force: true })
  else console.log(`kept ${dir}`)
}

function round(s) {
  return Math.round(s * 10) / 10
}
