// The demo's attack script (demo/attack.mjs) against the real demo in Chromium: the bot is
// denied and never logs in, attack mode engages during the attack (an honest customer
// logging in meanwhile gets the code step, not a refusal) and steps down by itself after
// it (the customer is then allowed). The attack-mode window and calm period are shortened
// through startDemo's policy so the test takes seconds, not the demo's minute and a half.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'
// @ts-expect-error the attack script is plain JavaScript
import { leakedCredentials, runAttack } from '../../demo/attack.mjs'
import { launchChromium } from '../support/browser.js'
import type { AttackState, Verdict } from '@kenchi/server'

interface AttemptResult {
  n: number
  email: string
  kind: string
  ip: string | null
  decision: string
  reasons: string[]
  outcome: string
}
interface AttackSummary {
  attempts: AttemptResult[]
  planned: number
  counts: { allow: number; challenge: number; deny: number; error: number }
  loggedIn: string[]
  reasons: Record<string, number>
  attackMode: { seen: boolean; firstAttempt: number | null; state: AttackState | null }
  stoppedBy: string
}

const WINDOW_MS = 10_000
const DISTINCT = 6
const CALM_MS = 1_000
const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-attack-'))
const EMAIL = 'michi@example.jp'
const PASSWORD = 'hoshi-no-umi-7'
let demo: Demo
let browser: Browser
let customer: BrowserContext

const attackState = async (): Promise<AttackState> =>
  (await (
    await fetch(new URL('admin/api/attack', demo.url), { headers: { authorization: `Bearer ${demo.adminPassword}` } })
  ).json()) as AttackState

async function waitFor(what: string, test: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now()
  while (!(await test())) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 200))
  }
  return Date.now() - start
}

beforeAll(async () => {
  demo = await startDemo({
    port: 0,
    dataDir,
    policy: { attack: { distinctUsers: DISTINCT, failedLogins: 20, windowMs: WINDOW_MS, calmMs: CALM_MS } },
  })
  browser = await launchChromium({ ignoreDefaultArgs: ['--enable-automation'], args: ['--disable-blink-features=AutomationControlled'] })
  customer = await browser.newContext({
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
    screen: { width: 1920, height: 1080 },
    viewport: { width: 1600, height: 900 },
    locale: 'ja-JP',
  })
})

afterAll(async () => {
  await browser?.close()
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** Presses and releases the submit button like a hand. */
async function submit(page: Page): Promise<void> {
  const button = page.locator('main form[data-kenchi-action] button[type=submit]')
  const box = (await button.boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 })
  await page.mouse.down()
  await page.waitForTimeout(90)
  await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.mouse.up()])
}

/** The honest customer logs in on their own (trusted) browser; resolves the verdict. */
async function customerLogsIn(page: Page): Promise<Verdict> {
  await page.goto(new URL('login', demo.url).href)
  await page.fill('input[name=email]', EMAIL)
  await page.fill('input[name=password]', PASSWORD)
  await submit(page)
  await page.waitForSelector('#decision')
  const eventId = await page.textContent('#event')
  const verdict = demo.verdicts.find((v) => v.eventId === eventId)
  expect(verdict).toBeDefined()
  return verdict!
}

describe('npm run demo:attack against the demo', () => {
  it('is denied, never logs in, and attack mode engages, challenges an honest customer, then steps down', { timeout: 90_000 }, async () => {
    // The customer's account and trusted browser, from before the attack.
    const page = await customer.newPage()
    await page.goto(new URL('register', demo.url).href)
    await page.fill('input[name=name]', 'Michi')
    await page.fill('input[name=email]', EMAIL)
    await page.fill('input[name=password]', PASSWORD)
    await submit(page)
    await page.waitForSelector('#decision')
    expect(await page.textContent('main .notice')).toContain('Your account is ready')
    expect((await customerLogsIn(page)).decision).toBe('allow')

    const attempts = 24
    const running: Promise<AttackSummary> = runAttack({ url: demo.url, attempts, concurrency: 2, adminPassword: demo.adminPassword })
    await waitFor('attack mode on', async () => (await attackState()).active, 40_000)

    // During attack mode: the customer is asked for the e-mail code (ATTACK_MODE), not refused.
    const during = await customerLogsIn(page)
    expect(during.decision).toBe('challenge')
    expect(during.reasons.map((r) => r.code)).toContain('ATTACK_MODE')
    expect(during.reasons.filter((r) => r.code !== 'ATTACK_MODE' && r.weight >= 40)).toEqual([])
    const mailbox = await customer.newPage()
    await mailbox.goto(new URL('mailbox', demo.url).href)
    const code = /^\s+(\d{6})\s*$/m.exec((await mailbox.locator('.mail pre').first().textContent()) ?? '')![1]!
    await page.fill('input[name=code]', code)
    await Promise.all([page.waitForURL('**/login/code'), page.click('button[type=submit]')])
    expect(await page.textContent('nav')).toContain(`Logged in as ${EMAIL}`)

    const summary = await running
    expect(summary.stoppedBy).toBe('done')
    expect(summary.attempts).toHaveLength(attempts)
    expect(summary.counts.error).toBe(0)
    // Every guess was refused; none logged in, not even the right password.
    expect(summary.loggedIn).toEqual([])
    expect(summary.attempts.filter((a) => a.decision !== 'deny')).toEqual([])
    expect(summary.attempts.find((a) => a.kind === 'right-password')?.outcome).toBe('refused')
    // A visibly automated browser: AUTOMATION every time; each bot browser (one device)
    // trying its fifth address also trips the device velocity limit, unknown addresses included.
    expect(summary.reasons.AUTOMATION).toBe(attempts)
    expect(summary.reasons.VELOCITY_DEVICE_USERS).toBeGreaterThanOrEqual(attempts - 2 * 4)
    expect(summary.attackMode.seen).toBe(true)
    // DISTINCT login ids in the window switch it on: the customer's and the bot's guesses.
    expect(summary.attackMode.firstAttempt).toBeGreaterThanOrEqual(DISTINCT - 1)
    expect(summary.attackMode.state?.active).toBe(true)
    // The bot's attempts came from its proxy addresses (X-Forwarded-For, trusted from
    // loopback), the customer's from 127.0.0.1: the events record both.
    expect(new Set(summary.attempts.map((a) => a.ip)).size).toBe(8)
    const { events } = (await (
      await fetch(new URL('admin/api/events?limit=100', demo.url), { headers: { authorization: `Bearer ${demo.adminPassword}` } })
    ).json()) as {
      events: Array<{ id: string; action: string; ip?: string }>
    }
    const ips = (ids: Set<string>) => new Set(events.filter((e) => ids.has(e.id)).map((e) => e.ip))
    const botIds = new Set(demo.verdicts.filter((v) => v.reasons.some((r) => r.code === 'AUTOMATION')).map((v) => v.eventId))
    expect(botIds.size).toBe(attempts)
    expect(ips(botIds)).toEqual(new Set(summary.attempts.map((a) => a.ip)))
    expect(ips(new Set([during.eventId]))).toEqual(new Set(['127.0.0.1']))

    // After the attack: attack mode steps down by itself once the window is calm.
    const tookMs = await waitFor('attack mode off', async () => !(await attackState()).active, WINDOW_MS + CALM_MS + 10_000)
    expect(tookMs).toBeGreaterThan(CALM_MS)
    const after = await customerLogsIn(page)
    expect(after.decision).toBe('allow')
    expect(after.reasons.map((r) => r.code)).not.toContain('ATTACK_MODE')
  })

  it('--stealthy hides the automation flags, but the behaviour and velocity rules still catch it', { timeout: 60_000 }, async () => {
    const attempts = 6
    const summary = (await runAttack({ url: demo.url, attempts, concurrency: 1, stealthy: true, seed: 7 })) as AttackSummary
    expect(summary.attempts).toHaveLength(attempts)
    expect(summary.loggedIn).toEqual([])
    expect(summary.reasons.AUTOMATION).toBeUndefined()
    // Typed by keyboard.type with random delays: scripted typing, from the first attempt.
    expect(summary.reasons.SCRIPTED_TYPING).toBe(attempts)
    expect(summary.attempts.every((a) => a.decision === 'deny' || a.decision === 'challenge')).toBe(true)
    // One browser (one device) trying its fifth distinct address and more: device velocity.
    const distinctSoFar = summary.attempts.map((_, i) => new Set(summary.attempts.slice(0, i + 1).map((a) => a.email)).size)
    expect(distinctSoFar.at(-1)).toBe(attempts)
    summary.attempts.forEach((a, i) => expect(a.reasons.includes('VELOCITY_DEVICE_USERS'), `attempt ${a.n}`).toBe(distinctSoFar[i]! >= 5))
  })

  it('makes a leaked list of mostly unknown addresses, a few shop accounts and one right password', () => {
    const list = leakedCredentials(60) as Array<{ email: string; kind: string }>
    expect(list).toHaveLength(60)
    expect(new Set(list.filter((c) => c.kind === 'unknown').map((c) => c.email)).size).toBe(list.filter((c) => c.kind === 'unknown').length)
    expect(list.filter((c) => c.kind === 'unknown').length).toBeGreaterThanOrEqual(54)
    expect(list.filter((c) => c.kind === 'right-password')).toHaveLength(1)
    expect(list.filter((c) => c.kind === 'wrong-password').length).toBeGreaterThanOrEqual(3)
    expect(leakedCredentials(60)).toEqual(list)
    expect(leakedCredentials(60, 2)).not.toEqual(list)
  })
})

/** Runs `node demo/attack.mjs args` and resolves its exit code and output. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['demo/attack.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('demo/attack.mjs on the command line', () => {
  it('prints its usage with --help', async () => {
    const { code, stdout } = await cli(['--help'])
    expect(code).toBe(0)
    expect(stdout).toContain('Usage: npm run demo:attack')
    for (const option of ['--attempts', '--concurrency', '--time', '--proxies', '--stealthy', '--headed']) expect(stdout).toContain(option)
  })

  it('refuses bad arguments with a clear message and status 2, before starting a browser', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--attempts', 'many'], /--attempts: expected a whole number, got "many"/],
      [['--attempts', '0'], /--attempts: expected an integer from 1 to 500, got 0/],
      [['--concurrency', '99'], /--concurrency: expected an integer from 1 to 8/],
      [['--time', '9999'], /--time: expected 1 to 600 seconds/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['ftp://127.0.0.1/'], /URL: expected http:\/\/ or https:\/\//],
      [['not a url'], /URL: not a URL/],
      [['http://192.0.2.10/'], /URL: 192\.0\.2\.10 is not this machine.*--allow-remote/],
      [['http://a/', 'http://b/'], /one URL at most/],
    ]
    for (const [args, message] of cases) {
      const { code, stderr } = await cli(args)
      expect(code, args.join(' ')).toBe(2)
      expect(stderr).toMatch(message)
      expect(stderr).toContain('--help')
    }
  })

  it('says so, with status 1, when no demo answers at the URL', async () => {
    const { code, stderr } = await cli(['http://127.0.0.1:9/', '--attempts', '1'])
    expect(code).toBe(1)
    expect(stderr).toMatch(/Cannot reach the demo shop at http:\/\/127\.0\.0\.1:9\/.*npm run demo/)
  })
})
