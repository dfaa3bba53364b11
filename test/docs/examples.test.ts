// The documentation's examples run as written. Each code block marked
// `<!-- doc-test: NAME -->` in README.md, docs/server.md, docs/step-up.md, docs/testing.md and docs/privacy.md is copied into
// a file unchanged, followed by small versions of the functions the text says are the
// application's own (user table, session); `app.listen(3000)` is the one line changed
// (to a free port). The file runs in its own Node process on the built packages, with
// the secrets `keygen --env` prints, a real SMTP server, a SQLite file, and is driven over
// real HTTP with real tokens from Node-made devices and the default rules.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../packages/server/src/cli.js'
import { findChromium } from '../support/browser.js'
import { codeIn, startInbox, type Inbox } from '../support/smtp.js'
import { humanSignals, newDevice, tokenFor, withOwnFingerprint, type TestDevice } from '../support/tokens.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const ORIGIN = 'https://shop.example'
const UA = (humanSignals().userAgent as { v: string }).v

/** The first ```js block after `<!-- doc-test: name`. */
export function docBlock(file: string, name: string): string {
  const text = readFileSync(join(ROOT, file), 'utf8')
  const at = text.indexOf(`<!-- doc-test: ${name}`)
  if (at < 0) throw new Error(`${file}: no doc-test ${name}`)
  const match = /```js\n([\s\S]*?)\n```/.exec(text.slice(at))
  if (!match) throw new Error(`${file}: no js block after doc-test ${name}`)
  return match[1]!
}

/** The environment `keygen --env` prints, parsed. */
function keygenEnv(): Record<string, string> {
  let out = ''
  const code = runCli(['keygen', '--env'], { out: (t) => void (out += t + '\n'), err: () => {}, stdin: () => '', now: () => Date.now() })
  expect(code).toBe(0)
  return Object.fromEntries(
    out
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
}

interface Running {
  url: string
  output: () => string
  code: () => number | null
  exited: Promise<void>
  close(): Promise<void>
}

/** Writes block + epilogue into a folder under node_modules (so the packages resolve) and runs it. */
async function run(
  block: string,
  epilogue: string,
  env: Record<string, string>,
  dirs: string[],
  waitForListening = true,
): Promise<Running> {
  const dir = mkdtempSync(join(ROOT, 'node_modules', '.kenchi-doc-'))
  dirs.push(dir)
  const listen = "const __server = app.listen(0, '127.0.0.1', () => console.log('LISTENING ' + __server.address().port))"
  const source = block.includes('app.listen(3000)') ? block.replace('app.listen(3000)', listen) : block
  writeFileSync(join(dir, 'app.mjs'), `${source}\n\n// ---- the application's own functions (doc-test) ----\n${epilogue}\n`)
  const child: ChildProcess = spawn(process.execPath, ['app.mjs'], {
    cwd: dir,
    env: { ...process.env, ...env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => void (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => void (output += d.toString()))
  let exitCode: number | null = null
  const exited = new Promise<void>((resolve) => child.once('close', (c) => ((exitCode = c), resolve())))
  const port = !waitForListening
    ? 0
    : await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`did not listen within 20 s:\n${output}`)), 20_000)
        const look = () => {
          const m = /LISTENING (\d+)/.exec(output)
          if (m) return (clearTimeout(timer), resolve(Number(m[1])))
        }
        child.stdout!.on('data', look)
        child.once('close', (code) => (clearTimeout(timer), reject(new Error(`exited with ${code} before listening:\n${output}`))))
      })
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    code: () => exitCode,
    exited,
    close: async () => {
      child.kill()
      await exited
    },
  }
}

/** A browser stand-in: its own device key and cookie, tokens from the app's own challenge endpoint. */
function visitor(url: string, device: TestDevice) {
  let cookie = ''
  const request = async (path: string, body: Record<string, string>, withToken: boolean) => {
    const form = new URLSearchParams(body)
    if (withToken) {
      const response = await fetch(`${url}/kenchi/challenge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({ action: 'login' }),
        signal: AbortSignal.timeout(10_000),
      })
      expect(response.status).toBe(200)
      const { challenge } = (await response.json()) as { challenge: string }
      form.set('kenchi-token', await tokenFor(challenge, { device, origin: ORIGIN, signals: withOwnFingerprint(humanSignals(), device) }))
    }
    const response = await fetch(url + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, 'user-agent': UA, ...(cookie ? { cookie } : {}) },
      body: form,
      signal: AbortSignal.timeout(10_000), // README §1 used to never answer on allow
    })
    const set = response.headers.get('set-cookie')
    if (set) cookie = set.split(';')[0]!
    return { status: response.status, location: response.headers.get('location'), body: await response.text(), headers: response.headers }
  }
  const json = async (path: string, body: unknown) => {
    const response = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN, ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
    return (await response.json()) as unknown
  }
  return {
    login: (body: Record<string, string>, withToken = true) => request('/login', body, withToken),
    post: (path: string, body: Record<string, string>) => request(path, body, false),
    json,
  }
}

let inbox: Inbox
const dirs: string[] = []
beforeAll(async () => {
  inbox = await startInbox()
})
afterAll(async () => {
  await inbox.close()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const ACCOUNT = "const __accounts = new Map([['hanako@example.jp', { id: 'acct-1', email: 'hanako@example.jp', password: 'Sakura-2026' }]])"

describe('README §1 runs as written', () => {
  let app: Running
  beforeAll(async () => {
    app = await run(
      docBlock('README.md', 'readme-server'),
      `import { randomUUID as __uuid } from 'node:crypto'
${ACCOUNT}
async function findAccount(loginId) { return __accounts.get(loginId) }
async function checkPassword(account, password) { return account !== undefined && account.password === String(password ?? '') }
const __pending = new Map()
function askForCode(req, res, pending) { const sid = __uuid(); __pending.set(sid, pending); res.set('set-cookie', 'sid=' + sid).redirect(303, '/login/code') }
function logIn(req, res, account) { res.set('x-logged-in', account.id) }
app.post('/login/code', express.urlencoded({ extended: false }), async (req, res) => {
  const p = __pending.get(/sid=([\\w-]+)/.exec(req.headers.cookie ?? '')?.[1] ?? '')
  if (!p) return res.status(400).send('no step-up')
  res.json(await stepUp.check({ eventId: p.eventId, loginId: p.loginId, code: String(req.body.code ?? ''), ip: req.ip }))
})`,
      { ...keygenEnv(), SMTP_URL: `smtp://127.0.0.1:${inbox.port}` },
      dirs,
    )
  })
  afterAll(() => app?.close())

  it('wrong passwords and unknown accounts, with or without a token: the same 401, and no code is mailed', async () => {
    const before = inbox.mails.length
    const v = visitor(app.url, await newDevice())
    const answers = [
      await v.login({ email: 'hanako@example.jp', password: 'wrong' }, false),
      await v.login({ email: 'hanako@example.jp', password: 'wrong' }, false),
      await v.login({ email: 'hanako@example.jp', password: 'wrong' }),
      await v.login({ email: 'nobody@example.jp', password: 'wrong' }),
      await v.login({ email: 'nobody@example.jp', password: 'Sakura-2026' }, false),
    ]
    for (const a of answers) expect([a.status, a.body]).toEqual([401, 'Wrong e-mail or password.'])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(inbox.mails.length).toBe(before)
  })

  it('first login answers (allow, 303); a new device with the right password gets a mailed code that passes; then allow', async () => {
    const home = visitor(app.url, await newDevice())
    const first = await home.login({ email: 'hanako@example.jp', password: 'Sakura-2026' })
    expect([first.status, first.location, first.headers.get('x-logged-in')]).toEqual([303, '/account', 'acct-1'])
    const laptopKey = await newDevice()
    const laptop = visitor(app.url, laptopKey)
    const count = inbox.mails.filter((m) => m.to.includes('hanako@example.jp')).length
    const challenged = await laptop.login({ email: 'hanako@example.jp', password: 'Sakura-2026' })
    expect([challenged.status, challenged.location]).toEqual([303, '/login/code'])
    const mail = await inbox.waitFor('hanako@example.jp', count + 1)
    expect(JSON.parse((await laptop.post('/login/code', { code: codeIn(mail) })).body)).toEqual({ ok: true })
    const again = await visitor(app.url, laptopKey).login({ email: 'hanako@example.jp', password: 'Sakura-2026' })
    expect([again.status, again.location]).toEqual([303, '/account'])
  })

  it('the challenge endpoint names the refusal for a foreign origin', async () => {
    const response = await fetch(`${app.url}/kenchi/challenge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: '{"action":"login"}',
    })
    expect([response.status, await response.json()]).toEqual([400, { error: 'CHALLENGE_ORIGIN' }])
  })
})

describe('docs/step-up.md "An Express shop, copy-paste" runs as written', () => {
  let app: Running
  beforeAll(async () => {
    app = await run(
      // The shop, then the prompt's two JSON routes from "The prompt in the page".
      `${docBlock('docs/step-up.md', 'step-up-express')}\n\n${docBlock('docs/step-up.md', 'step-up-json')}`,
      `${ACCOUNT}
async function findAccount(loginId) { return __accounts.get(loginId) }
async function findAccountById(id) { return [...__accounts.values()].find((a) => a.id === id) }
async function checkPassword(account, password) { return account !== undefined && account.password === String(password ?? '') }`,
      { ...keygenEnv(), SMTP_URL: `smtp://127.0.0.1:${inbox.port}` },
      dirs,
    )
  })
  afterAll(() => app?.close())

  it('guard with an async extra: wrong password and unknown ID get the same 401 and no mail; allow, then challenge, code, allow', async () => {
    const before = inbox.mails.length
    const home = visitor(app.url, await newDevice())
    const wrong = await home.login({ login: 'hanako@example.jp', password: 'nope' })
    const ghost = await home.login({ login: 'ghost@example.jp', password: 'nope' })
    expect([wrong.status, wrong.body]).toEqual([401, 'Wrong ID or password.'])
    expect([ghost.status, ghost.body]).toEqual([wrong.status, wrong.body])
    const first = await home.login({ login: 'hanako@example.jp', password: 'Sakura-2026' })
    expect([first.status, first.location]).toEqual([303, '/account'])
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(inbox.mails.length).toBe(before)

    const laptopKey = await newDevice()
    const laptop = visitor(app.url, laptopKey)
    const count = inbox.mails.filter((m) => m.to.includes('hanako@example.jp')).length
    const challenged = await laptop.login({ login: 'hanako@example.jp', password: 'Sakura-2026' })
    expect([challenged.status, challenged.location]).toEqual([303, '/login/code'])
    const mail = await inbox.waitFor('hanako@example.jp', count + 1)
    const wrongCode = codeIn(mail) === '000000' ? '111111' : '000000'
    const refused = await laptop.post('/login/code', { code: wrongCode })
    expect([refused.status, refused.body]).toEqual([400, 'Code not accepted (STEP_UP_WRONG_CODE, 4 attempts left).'])
    const passed = await laptop.post('/login/code', { code: codeIn(mail) })
    expect([passed.status, passed.location]).toEqual([303, '/account'])
    const again = await visitor(app.url, laptopKey).login({ login: 'hanako@example.jp', password: 'Sakura-2026' })
    expect([again.status, again.location]).toEqual([303, '/account'])
  })

  it("the prompt's JSON routes pass the results through: cool-down on resend, wrong code, right code", async () => {
    // The account has history from the test above: a new device is challenged.
    const phone = visitor(app.url, await newDevice())
    const count = inbox.mails.filter((m) => m.to.includes('hanako@example.jp')).length
    expect((await phone.login({ login: 'hanako@example.jp', password: 'Sakura-2026' })).location).toBe('/login/code')
    const code = codeIn(await inbox.waitFor('hanako@example.jp', count + 1))
    const resend = await phone.json('/login/resend.json', {})
    expect(resend).toMatchObject({ ok: false, code: 'STEP_UP_COOLDOWN' })
    expect(await phone.json('/login/code.json', { code: code === '000000' ? '111111' : '000000' })).toEqual({
      ok: false,
      code: 'STEP_UP_WRONG_CODE',
      attemptsLeft: 4,
    })
    expect(await phone.json('/login/code.json', { code })).toEqual({ ok: true })
    expect(await visitor(app.url, await newDevice()).json('/login/code.json', { code })).toEqual({ ok: false, code: 'STEP_UP_NOT_STARTED' })
  })
})

describe('docs/testing.md Playwright example runs as written', () => {
  it('test mode gives the automated Chromium the fixed verdicts', async () => {
    const app = await run(docBlock('docs/testing.md', 'testing-playwright'), '', { CHROME_PATH: findChromium() ?? '' }, dirs, false)
    await app.exited
    expect(app.output()).toContain('playwright example passed')
    expect(app.code()).toBe(0)
  }, 60_000)
})

describe('docs/server.md stores example runs as written', () => {
  it('creates a verifier on a SQLite file with the documented environment', async () => {
    const app = await run(
      docBlock('docs/server.md', 'server-stores'),
      "console.log(typeof kenchi.verify === 'function' ? 'VERIFIER OK' : 'NO VERIFIER'); await store.close(); console.log('LISTENING 0')",
      keygenEnv(),
      dirs,
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(app.output()).toContain('VERIFIER OK')
    await app.close()
  })
})

describe('docs/privacy.md retention and privacy-request example runs as written', () => {
  it('opens a store with the documented retention, exports and erases a customer', async () => {
    const app = await run(
      docBlock('docs/privacy.md', 'privacy-requests'),
      "console.log('PRIVACY ' + JSON.stringify({ format: data.format, events: data.events.length, erased: report.events, hashes: report.userHashes.length, verifier: typeof kenchi.verify })); await store.close(); console.log('LISTENING 0')",
      keygenEnv(),
      dirs,
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(app.output()).toContain('PRIVACY {"format":"kenchi-user-export/1","events":0,"erased":0,"hashes":2,"verifier":"function"}')
    await app.close()
  })
})
