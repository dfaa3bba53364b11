// The stranger's path, on every `npm test`: the three packages packed with `npm pack`, the
// tarballs (not the workspace) installed into a temporary copy of each shop in examples/,
// the secrets made with `npx @kenchi/server keygen --env` as each README says, the
// shop started, and a real Chromium logging in through it. The shops run in Kenchi's test
// mode (docs/testing.md), as an integrator's own end-to-end tests would: tokens are checked
// for real, verdicts are fixed, so every path is deterministic: `allow` logs in, `challenge`
// sends a code (read from the shop's terminal) that logs in, `deny` is refused, a wrong
// password gets the same answer as an unknown account. The Express shop also runs once with
// the default rules, as in production (last block).
import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { parseToken } from '@kenchi/protocol'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/browser.js'
import { customerContext, HIDE_AUTOMATION, watchProblems } from '../support/demo-browser.js'
import { install, npm, packAll, ROOT, tempProject } from './support.js'

const PASSWORD = 'Sakura-2026'
const packs = tempProject('tarballs')
let tarballs: Record<'protocol' | 'client' | 'server', string>
let browser: Browser

let tarballsReady: Promise<void>
beforeAll(async () => {
  tarballsReady = packAll(packs.dir).then((packed) => {
    tarballs = packed
  })
  ;[browser] = await Promise.all([launchChromium(), tarballsReady])
}, 120_000)
afterAll(async () => {
  await browser?.close()
  packs.remove()
})

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

interface Shop {
  url: string
  output(): string
  /** Resolves with the first capture of `pattern` in the shop's output (waits up to 10 s). */
  waitFor(pattern: RegExp): Promise<string>
  stop(): Promise<void>
}

/** Copies examples/<name>, installs the tarballs and its own dependencies, makes .env with the installed bin. */
async function prepare(name: string, { build = false } = {}): Promise<{ dir: string; remove(): void }> {
  const project = tempProject(`example-${name}`)
  cpSync(join(ROOT, 'examples', name), project.dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist|\.env)$/.test(src) })
  await install(project.dir, [tarballs.protocol, tarballs.client, tarballs.server])
  // The README's `npx @kenchi/server keygen --env > .env` (npx = npm exec; the package's only bin runs).
  const { stdout } = await npm(project.dir, ['exec', '--offline', '--', '@kenchi/server', 'keygen', '--env'])
  expect(stdout).toMatch(/^KENCHI_SECRET=/m)
  writeFileSync(join(project.dir, '.env'), stdout)
  if (build) await npm(project.dir, ['run', 'build'])
  return project
}

async function start(dir: string, { testMode = true } = {}): Promise<Shop> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(process.execPath, ['--env-file=.env', 'server.js'], {
    cwd: dir,
    env: { ...process.env, NODE_ENV: 'test', PORT: String(port), HOST: '127.0.0.1', ORIGIN: url, KENCHI_TEST_MODE: testMode ? '1' : '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  const listeners = new Set<() => void>()
  const append = (chunk: Buffer) => {
    out += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout!.on('data', append)
  child.stderr!.on('data', append)
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(out)
        if (match) {
          listeners.delete(check)
          clearTimeout(timer)
          resolve(match[1] ?? match[0])
        }
      }
      const timer = setTimeout(() => {
        listeners.delete(check)
        reject(new Error(`shop output never matched ${pattern}:\n${out}`))
      }, 10_000)
      listeners.add(check)
      child.once('exit', () => setTimeout(check, 0))
      check()
    })
  await waitFor(/shop on http/)
  return {
    url,
    output: () => out,
    waitFor,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      }),
  }
}

/** The token a page sends with its next POST to one of `paths` (form field `kenchi-token` or JSON member `kenchiToken`), parsed. */
function captureToken(page: Page, paths: string[]): Promise<ReturnType<typeof parseToken>> {
  return page
    .waitForRequest((request) => request.method() === 'POST' && paths.includes(new URL(request.url()).pathname))
    .then((request) => {
      const body = request.postData() ?? ''
      const token = body.startsWith('{')
        ? (JSON.parse(body) as { kenchiToken?: string }).kenchiToken
        : new URLSearchParams(body).get('kenchi-token')
      return parseToken(token ?? '')
    })
}

/**
 * Presses and releases the submit button like a hand: `page.click` releases within a
 * millisecond, which the scripted-input rule counts as a doubt under the default rules.
 */
async function pressLikeAHand(page: Page): Promise<void> {
  const box = (await page.locator('button[type=submit]').first().boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 })
  await page.mouse.down()
  await page.waitForTimeout(90)
  await page.mouse.up()
}

/** Fills the login form, submits it, and returns the text of #result on the page (or view) that answers, the token sent and the path. */
async function formLogin(page: Page, shop: Shop, email: string, password = PASSWORD, { hand = false } = {}) {
  await page.goto(`${shop.url}/login`)
  await page.fill('input[name=email]', email)
  await page.fill('input[name=password]', password)
  const token = captureToken(page, ['/login', '/api/login'])
  if (hand) await pressLikeAHand(page)
  else await page.click('button[type=submit]')
  // The answer: a #result message, or the code form of a step-up.
  const answer = await page.waitForSelector('#result, input[name=code]')
  const result = (await answer.evaluate((element) => (element.id === 'result' ? element.textContent : '')))?.trim() ?? ''
  return { result, token: await token, path: new URL(page.url()).pathname }
}

async function typeCode(page: Page, shop: Shop, email: string) {
  const code = await shop.waitFor(new RegExp(`\\[mail to ${email.replace(/[.]/g, '\\.')}\\] your code: (\\d{6})`))
  await page.fill('input[name=code]', code)
  await page.click('form:has(input[name=code]) button[type=submit]')
  await page.waitForSelector('#result')
  return (await page.textContent('#result'))?.trim()
}

const EXAMPLES = ['express', 'fastify', 'hono', 'vite-spa'] as const
// Installed side by side (npm waits on disk and cache more than on the CPU); each shop starts
// when its tests begin. The single-page storefront is built with Vite first (`npm run build`),
// as its README says.
let prepared: Record<string, Promise<{ dir: string; remove(): void }>>
beforeAll(() => {
  prepared = Object.fromEntries(EXAMPLES.map((name) => [name, tarballsReady.then(() => prepare(name, { build: name === 'vite-spa' }))]))
  // Failures surface in each example's own beforeAll.
  for (const p of Object.values(prepared)) p.catch(() => {})
})
afterAll(async () => {
  for (const p of Object.values(prepared ?? {})) (await p.catch(() => undefined))?.remove()
})

describe.each(EXAMPLES)('examples/%s with the packed tarballs, in Chromium', (name) => {
  let shop: Shop

  beforeAll(async () => {
    shop = await start((await prepared[name]!).dir)
  }, 180_000)
  afterAll(async () => {
    await shop?.stop()
  })

  it('allow logs in; the token is signed, for this origin, with the worker signal collected', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const problems = watchProblems(page)
    const login = await formLogin(page, shop, 'hanako@example.jp')
    expect(login.result).toBe('Welcome back, hanako@example.jp.')
    expect(login.path).toBe('/account')
    expect(login.token.ok).toBe(true)
    if (login.token.ok) {
      expect(login.token.value.body.o).toBe(shop.url)
      expect(login.token.value.challenge.payload.act).toBe('login')
      // The worker signal ran (script tag: found next to kenchi.min.js; npm: the workerUrl option).
      expect(login.token.value.body.s.worker).toHaveProperty('v')
    }
    await shop.waitFor(/kenchi login allow TEST_MODE/)
    expect(problems).toEqual([])
    await context.close()
  })

  it('a wrong password and an unknown account get the same answer, and no code', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const wrong = await formLogin(page, shop, 'hanako@example.jp', 'not the password')
    const unknown = await formLogin(page, shop, 'nobody@example.jp')
    expect(wrong.result).toBe('Wrong e-mail or password.')
    expect(unknown.result).toBe(wrong.result)
    expect(shop.output()).not.toMatch(/\[mail to hanako@example\.jp\]/)
    await context.close()
  })

  it('challenge sends a code to the address on file; typing it logs in', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const login = await formLogin(page, shop, 'challenge@kenchi.test')
    expect(login.path).toBe('/login/code')
    expect(await typeCode(page, shop, 'challenge@kenchi.test')).toBe('Welcome back, challenge@kenchi.test.')
    await context.close()
  })

  it('deny is refused', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    expect((await formLogin(page, shop, 'deny@kenchi.test')).result).toBe('Login refused.')
    await context.close()
  })
})

// The same shop without test mode: the default rules judge for real. A browser that shows no
// automation (Playwright's flags hidden, pressed like a hand) logs in on its first visit; the
// same account from another device must confirm by code, after which that device is known;
// plain headless Chromium is denied as automation, which is why test mode exists.
describe('examples/express with the default rules (no test mode)', () => {
  let shop: Shop
  let person: Browser

  beforeAll(async () => {
    ;[shop, person] = await Promise.all([
      prepared.express!.then(({ dir }) => start(dir, { testMode: false })),
      launchChromium(HIDE_AUTOMATION),
    ])
  }, 180_000)
  afterAll(async () => {
    await shop?.stop()
    await person?.close()
  })

  const lastVerdict = () => [...shop.output().matchAll(/kenchi login (.*)/g)].at(-1)?.[1]

  it('first login allow; a new device gets a code, and is known once the code passed', async () => {
    const laptop = await customerContext(person, 0)
    const first = await formLogin(await laptop.newPage(), shop, 'hanako@example.jp', PASSWORD, { hand: true })
    expect(lastVerdict()).toMatch(/^allow\b/)
    expect(first.result).toBe('Welcome back, hanako@example.jp.')

    const phone = await customerContext(person, 1)
    const page = await phone.newPage()
    const second = await formLogin(page, shop, 'hanako@example.jp', PASSWORD, { hand: true })
    expect(lastVerdict()).toMatch(/^challenge\b/)
    expect(second.path).toBe('/login/code')
    expect(await typeCode(page, shop, 'hanako@example.jp')).toBe('Welcome back, hanako@example.jp.')
    const third = await formLogin(await phone.newPage(), shop, 'hanako@example.jp', PASSWORD, { hand: true })
    expect(lastVerdict()).toMatch(/^allow\b.*USER_DEVICE/)
    expect(third.result).toBe('Welcome back, hanako@example.jp.')
    await laptop.close()
    await phone.close()
  }, 60_000)

  it('plain headless Chromium is denied as automation', async () => {
    const context = await browser.newContext()
    const login = await formLogin(await context.newPage(), shop, 'hanako@example.jp')
    expect(lastVerdict()).toMatch(/^deny\b.*AUTOMATION/)
    expect(login.result).toBe('Login refused.')
    await context.close()
  })
})
