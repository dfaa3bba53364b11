// `doctor` against real running shops (Express + the adapter + the built client), one
// good configuration and several broken ones; and the adapter's refusal logger.
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { fileURLToPath } from 'node:url'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { createVerifier, type VerifierOptions } from '@kenchi/server'
import { expressKenchi } from '../../packages/server/src/adapters/express.js'
import type { AdapterOptions } from '../../packages/server/src/adapters/core.js'
import { runCli } from '../../packages/server/src/cli.js'
import { runDoctor, type Finding } from '../../packages/server/src/doctor.js'

const clientDir = fileURLToPath(new URL('../../packages/client/dist/', import.meta.url))
const GOOD_CSP = "default-src 'self'; script-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'"
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

interface ShopConfig {
  origins?: (url: string) => string[]
  csp?: string
  adapter?: AdapterOptions
  verifier?: Partial<VerifierOptions>
  /** Replace the adapter's challenge endpoint with a hand-written one that ignores the Origin header. */
  fixedOrigin?: boolean
}

async function shop(config: ShopConfig = {}): Promise<string> {
  const app = express()
  const server = app.listen(0, '127.0.0.1')
  servers.push(server)
  await new Promise((resolve) => server.once('listening', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const verifier = await createVerifier({
    keys: [{ id: 'k', secret: 'doctor-secret-doctor-secret-doctor-secret' }],
    hashSecret: 'doctor-hash-doctor-hash-doctor-hash-doctor',
    origins: config.origins?.(url) ?? [url],
    ...config.verifier,
  })
  const kenchi = expressKenchi(verifier, { clientDir, logger: false, ...config.adapter })
  if (config.fixedOrigin) {
    app.post('/kenchi/challenge', express.json(), async (req, res) => {
      res.set('cache-control', 'no-store').json(await verifier.challenge({ action: req.body.action, origin: url }))
    })
  }
  app.use(kenchi.middleware)
  app.get('/login', (req, res) => {
    if (config.csp !== '') res.set('content-security-policy', config.csp ?? GOOD_CSP)
    res.send(`<!doctype html><html><head>${kenchi.scriptTag()}</head><body>
      <form method="post" action="/login" data-kenchi-action="login"><input name="email"><button>Log in</button></form></body></html>`)
  })
  return url
}

const failures = (findings: Finding[]) => findings.filter((f) => f.level === 'fail')

describe('npx @kenchi/server doctor', () => {
  it('a good deployment: every check ok, exit code 0, in words', async () => {
    const url = await shop()
    const findings = await runDoctor(`${url}/login`)
    expect(failures(findings)).toEqual([])
    expect(findings.map((f) => f.check)).toEqual(
      expect.arrayContaining(['page', 'script tag', 'script', 'signals file', 'worker', 'csp', 'challenge', 'clock', 'origins']),
    )
    expect(findings.filter((f) => f.level === 'warn')).toEqual([])
    const out: string[] = []
    const code = await runCli(['doctor', `${url}/login`], {
      out: (t) => void out.push(t),
      err: (t) => void out.push(t),
      stdin: () => '',
      now: Date.now,
    })
    expect(code).toBe(0)
    expect(out.join('\n')).toMatch(
      /^ok {4}challenge: \/kenchi\/challenge issued a challenge for http:\/\/127\.0\.0\.1:\d+, action "login"/m,
    )
    expect(out.at(-1)).toBe('No problem found.')
  })

  it('origin not configured: says CHALLENGE_ORIGIN and which origin to add; the CLI exits 1', async () => {
    const url = await shop({ origins: () => ['https://shop.example'] })
    const [problem, ...rest] = failures(await runDoctor(`${url}/login`))
    expect(rest).toEqual([])
    expect(problem).toMatchObject({ check: 'challenge' })
    expect(problem!.message).toContain('403 CHALLENGE_ORIGIN')
    expect(problem!.message).toContain(`add ${url} to createVerifier({ origins })`)
    const out: string[] = []
    expect(await runCli(['doctor', `${url}/login`], { out: (t) => void out.push(t), err: () => {}, stdin: () => '', now: Date.now })).toBe(
      1,
    )
    expect(out.join('\n')).toContain('FAIL  challenge:')
  })

  it('a CSP that blocks the challenge request and the worker names the directives', async () => {
    const url = await shop({ csp: "default-src 'self'; connect-src 'none'; worker-src https://cdn.example" })
    const problems = failures(await runDoctor(`${url}/login`))
    expect(problems.map((p) => p.check)).toEqual(['csp', 'csp'])
    expect(problems[0]!.message).toContain('connect-src does not allow')
    expect(problems[1]!.message).toContain('worker-src does not allow')
  })

  it('client files not served: the script answers 404 and the fix is named', async () => {
    const url = await shop({ adapter: { serveClient: false } })
    const problems = failures(await runDoctor(`${url}/login`))
    expect(problems.map((p) => p.check)).toEqual(['script', 'signals file'])
    expect(problems[0]!.message).toMatch(/answered 404: serve the folder node_modules\/@kenchi\/client\/dist\//)
  })

  it('a server clock two minutes ahead is reported with its size', async () => {
    const url = await shop({ verifier: { now: () => Date.now() + 120_000 } })
    const [clock] = failures(await runDoctor(`${url}/login`))
    expect(clock).toMatchObject({ check: 'clock' })
    expect(clock!.message).toMatch(/the server's clock is 1(19|20|21) s ahead of this machine's/)
  })

  it('a hand-written endpoint that ignores the Origin header is a warning', async () => {
    const url = await shop({ fixedOrigin: true })
    const findings = await runDoctor(`${url}/login`)
    expect(failures(findings)).toEqual([])
    expect(findings.find((f) => f.check === 'origins')).toMatchObject({ level: 'warn' })
  })

  it('no server, a page without the script tag, an npm-mode endpoint', async () => {
    const url = await shop()
    const gone = await runDoctor('http://127.0.0.1:1/login', { timeoutMs: 3000 })
    expect(gone).toEqual([expect.objectContaining({ level: 'fail', check: 'page', message: expect.stringContaining('did not answer') })])
    // The challenge endpoint's own answer is not a page with a script tag: npm mode with --endpoint.
    const spa = await runDoctor(`${url}/kenchi/kenchi-worker.min.js`, { endpoint: '/kenchi' })
    expect(failures(spa)).toEqual([])
    expect(spa.find((f) => f.check === 'script tag')?.message).toContain('checking the npm-mode endpoint /kenchi')
    const bare = await runDoctor(`${url}/kenchi/kenchi-worker.min.js`)
    expect(bare.find((f) => f.check === 'script tag')).toMatchObject({ level: 'warn' })
  })
})

describe('adapter refusal logger', () => {
  it('logs a refused challenge once per reason and origin, in words; the answer names the code', async () => {
    const logged: Array<[string, unknown]> = []
    const url = await shop({
      origins: () => ['https://shop.example'],
      adapter: { logger: (message, detail) => void logged.push([message, detail]) },
    })
    const ask = (origin: string | undefined, action: unknown = 'login') =>
      fetch(`${url}/kenchi/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ action }),
      })
    const refused = await ask('https://wrong.example')
    expect([refused.status, await refused.json()]).toEqual([403, { error: 'CHALLENGE_ORIGIN' }])
    await ask('https://wrong.example')
    expect((await ask('https://shop.example', 'Log In')).status).toBe(400)
    const missing = await ask(undefined)
    expect([missing.status, await missing.json()]).toEqual([400, { error: 'ORIGIN_MISSING' }])
    expect(logged.map(([m]) => m)).toEqual([
      'Kenchi: challenge refused (CHALLENGE_ORIGIN) for origin https://wrong.example, action "login": the page origin is not in createVerifier({ origins }) (scheme, host and port must match exactly); the form will post without a token',
      expect.stringContaining('(CHALLENGE_ACTION) for origin https://shop.example, action "Log In"'),
      expect.stringContaining('(ORIGIN_MISSING) for origin none'),
    ])
    expect(logged[0]![1]).toEqual({ code: 'CHALLENGE_ORIGIN', origin: 'https://wrong.example', action: 'login' })
  })
})
