// The demo shop's sessions over HTTP, as an attacker on the same machine would try them:
// a session id planted before login (every port of localhost shares cookies) must be worth
// nothing after it, a password change or reset must log out the other sessions of the
// account, and posts from another origin (another port of localhost is the same site, so
// SameSite=Lax does not stop them) must be refused.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-sessions-'))
let demo: Demo
let origin: string

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir })
  origin = demo.url.slice(0, -1)
})

afterAll(async () => {
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'

/** A browser: its cookie, posting from the demo's origin unless told otherwise. */
class Visitor {
  constructor(public cookie = '') {}
  /** `headers` override the defaults; an empty value leaves the header out. */
  async request(path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
    const headers = {
      origin,
      'user-agent': USER_AGENT,
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...init.headers,
    }
    const res = await fetch(new URL(path.replace(/^\//, ''), demo.url), {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== '')),
      ...(init.body !== undefined ? { body: init.body } : {}),
    })
    const set = res.headers.get('set-cookie')
    if (set) this.cookie = set.split(';')[0]!
    return { status: res.status, text: await res.text() }
  }
  get(path: string) {
    return this.request(path)
  }
  post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
    return this.request(path, { method: 'POST', body: new URLSearchParams(fields).toString(), headers })
  }
}

const code = () => /^\s+(\d{6})\s*$/m.exec(demo.mailbox[0]!.text)![1]!
const loggedIn = async (visitor: Visitor) => (await visitor.get('/account')).status === 200

/** Monitor mode: every verdict is allow, so a login needs only the right password. */
async function inMonitorMode<T>(run: () => Promise<T>): Promise<T> {
  demo.verifier.updatePolicy({ mode: 'monitor' })
  try {
    return await run()
  } finally {
    demo.verifier.updatePolicy({ mode: 'live' })
  }
}

async function allowedLogIn(visitor: Visitor, email: string, password: string) {
  const res = await visitor.post('/login', { email, password })
  expect(res.text).toContain(`Logged in as ${email}`)
}

async function openResetLink(visitor: Visitor, email: string) {
  await visitor.post('/password/reset', { email })
  expect(demo.mailbox[0]).toMatchObject({ to: email, subject: 'Choose a new password' })
  const opened = await visitor.get(demo.mailbox[0]!.link!.slice(origin.length))
  expect(opened.text).toContain('Choose a new password')
}

describe('demo sessions', () => {
  it('moves a session to a new id when it logs in or opens a reset link, so an id known beforehand is worth nothing', async () => {
    // Through the code step (no token: TOKEN_MISSING is a challenge).
    const victim = new Visitor()
    await victim.get('/')
    const planted = victim.cookie
    expect(planted).toMatch(/^sid=/)
    expect((await victim.post('/login', { email: 'hanako@example.com', password: 'sakura-2026' })).text).toContain('class="challenge"')
    expect((await victim.post('/login/code', { code: code() })).text).toContain('Logged in as hanako@example.com')
    expect(victim.cookie).not.toBe(planted)
    expect(await loggedIn(victim)).toBe(true)
    expect(await loggedIn(new Visitor(planted))).toBe(false)

    // An allowed login.
    await inMonitorMode(async () => {
      const other = new Visitor()
      await other.get('/cart')
      const before = other.cookie
      await allowedLogIn(other, 'taro@example.com', 'fuji-san-3776')
      expect(other.cookie).not.toBe(before)
      expect(await loggedIn(other)).toBe(true)
      expect(await loggedIn(new Visitor(before))).toBe(false)
    })

    // The page a reset link opens may set the password: the id that opened it changes too.
    const resetter = new Visitor()
    await resetter.get('/')
    const known = resetter.cookie
    await openResetLink(resetter, 'taro@example.com')
    expect(resetter.cookie).not.toBe(known)
    expect((await new Visitor(known).post('/password/reset/new', { 'new-password': 'chosen-by-someone-else' })).status).toBe(400)
    await inMonitorMode(() => allowedLogIn(new Visitor(), 'taro@example.com', 'fuji-san-3776'))
  })

  it('logs out the other sessions of an account when its password is changed or reset', async () => {
    await inMonitorMode(async () => {
      const [laptop, phone, cafe] = [new Visitor(), new Visitor(), new Visitor()]
      for (const v of [laptop, phone, cafe]) await allowedLogIn(v, 'taro@example.com', 'fuji-san-3776')
      const changed = await laptop.post('/account/password', { 'current-password': 'fuji-san-3776', 'new-password': 'taro-second-pass' })
      expect(changed.text).toContain('Your password is changed')
      expect(await loggedIn(laptop)).toBe(true)
      expect(await loggedIn(phone)).toBe(false)
      expect(await loggedIn(cafe)).toBe(false)

      // Someone logged in with the old password stays logged in until the reset: then not.
      const intruder = new Visitor()
      await allowedLogIn(intruder, 'taro@example.com', 'taro-second-pass')
      const owner = new Visitor()
      await openResetLink(owner, 'taro@example.com')
      const saved = await owner.post('/password/reset/new', { 'new-password': 'taro-third-pass' })
      expect(saved.text).toContain('Your password is changed. Please log in with it.')
      expect(await loggedIn(intruder)).toBe(false)
      expect(await loggedIn(laptop)).toBe(false)
      await allowedLogIn(new Visitor(), 'taro@example.com', 'taro-third-pass')
    })
  })

  it('refuses posts from another origin, even another port of localhost (the same site to SameSite=Lax)', async () => {
    const elsewhere = { origin: 'http://localhost:1' }
    await inMonitorMode(async () => {
      const visitor = new Visitor()
      await allowedLogIn(visitor, 'hanako@example.com', 'sakura-2026')
      expect((await visitor.post('/logout', {}, elsewhere)).status).toBe(403)
      expect(await loggedIn(visitor)).toBe(true)
      expect((await visitor.post('/cart/add', { product: 'mug', quantity: '3' }, elsewhere)).status).toBe(403)
      expect((await visitor.get('/cart')).text).toContain('Your cart is empty')
      const buy = await visitor.request('/spa/api/buy', {
        method: 'POST',
        body: JSON.stringify({ product: 'mug', quantity: 1 }),
        headers: { ...elsewhere, 'content-type': 'application/json' },
      })
      expect(buy.status).toBe(403)

      // A reset page left open: another origin cannot choose the password.
      await openResetLink(visitor, 'hanako@example.com')
      expect((await visitor.post('/password/reset/new', { 'new-password': 'chosen-elsewhere' }, elsewhere)).status).toBe(403)
      expect((await visitor.post('/password/reset/new', { 'new-password': 'chosen-elsewhere' }, { origin: 'null' })).status).toBe(403)
      await allowedLogIn(new Visitor(), 'hanako@example.com', 'sakura-2026')

      // The shop's own origin (either name) and clients without an Origin header are served.
      expect(
        (await visitor.post('/cart/add', { product: 'mug', quantity: '1' }, { origin: origin.replace('127.0.0.1', 'localhost') })).status,
      ).toBe(303)
      expect((await visitor.post('/cart/add', { product: 'mug', quantity: '1' }, { origin: '' })).status).toBe(303) // no Origin header
      expect((await visitor.get('/cart')).text).toContain('<td class="num">2</td>')
      expect((await visitor.post('/logout', {})).status).toBe(303)
      expect(await loggedIn(visitor)).toBe(false)
    })
  })
})
