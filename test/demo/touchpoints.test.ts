// The demo shop's touchpoints over plain HTTP, as a script would send them: missing,
// oversized and malformed fields, no token or a forged one, forged and reused links. Never
// a 500, never a request carried out without its proof: without a token (TOKEN_MISSING, a
// challenge) account changes wait for the e-mail code and anonymous forms for the e-mail
// link. Also: password reset answers alike for unknown addresses, and the content rule.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'
import { tokenFor } from '../support/tokens.js'

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-touchpoints-http-'))
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

/** A visitor with a cookie (the demo's session), posting forms or JSON from the demo's origin. */
class Visitor {
  cookie = ''
  async request(path: string, init: { method?: string; type?: string; body?: string; headers?: Record<string, string> } = {}) {
    const res = await fetch(new URL(path.replace(/^\//, ''), demo.url), {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: {
        origin,
        'user-agent': USER_AGENT,
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(init.type ? { 'content-type': init.type } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
    })
    const set = res.headers.get('set-cookie')
    if (set) this.cookie = set.split(';')[0]!
    return { status: res.status, text: await res.text() }
  }
  get(path: string) {
    return this.request(path)
  }
  post(path: string, fields: Record<string, string | string[]> | string) {
    const body =
      typeof fields === 'string'
        ? fields
        : new URLSearchParams(Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))).toString()
    return this.request(path, { method: 'POST', type: 'application/x-www-form-urlencoded', body })
  }
  json(path: string, body: unknown, raw = false) {
    return this.request(path, { method: 'POST', type: 'application/json', body: raw ? String(body) : JSON.stringify(body) })
  }
}

const code = () => /^\s+(\d{6})\s*$/m.exec(demo.mailbox[0]!.text)![1]!
const noticeOf = (html: string) => /class="notice (\w+)" role="status">([^]*?)<\/p>/.exec(html)?.slice(1) ?? []
/** A page that says something was done: the shop's success notices are `notice ok`. */
const done = (html: string) => noticeOf(html)[0] === 'ok'

async function logIn(visitor: Visitor, email: string, password: string): Promise<void> {
  // No token: TOKEN_MISSING is a challenge, so the code from the mailbox logs in.
  const login = await visitor.post('/login', { email, password })
  expect(login.text).toContain('id="decision" class="challenge"')
  const right = await visitor.post('/login/code', { code: code() })
  expect(right.text).toContain(`Logged in as ${email}`)
}

/** A real token for `action`, signed in Node like the browser client does. */
async function token(action: string): Promise<string> {
  const res = await fetch(new URL('kenchi/challenge', demo.url), {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ action }),
  })
  const { challenge } = (await res.json()) as { challenge: string }
  return tokenFor(challenge, { origin })
}

const BIG = 'x'.repeat(20_000)
/** The user agent of the test tokens' signals (humanSignals), so the request header agrees with it. */
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'

describe('demo touchpoints over HTTP', () => {
  it('answers missing, repeated, oversized and odd fields on every form without a 500, and carries none out', async () => {
    const anonymous = new Visitor()
    const customer = new Visitor()
    await logIn(customer, 'taro@example.com', 'fuji-san-3776')
    const forms: Array<[string, Record<string, string | string[]>]> = [
      ['/account/profile', { name: '' }],
      ['/account/profile', { name: ['a', 'b'], city: 'x'.repeat(61) }],
      ['/account/profile', { name: 'Taro\u0000' }],
      ['/account/password', {}],
      ['/account/password', { 'current-password': ['fuji-san-3776', 'x'], 'new-password': 'short' }],
      ['/password/reset', {}],
      ['/password/reset', { email: ['taro@example.com', 'hanako@example.com'] }],
      ['/password/reset/new', { 'new-password': 'brand-new-password' }],
      ['/cart/add', {}],
      ['/cart/add', { product: '__proto__', quantity: '1' }],
      ['/cart/add', { product: 'mug', quantity: '-1' }],
      ['/cart/add', { product: 'mug', quantity: '1e9' }],
      ['/cart/add', { product: 'teapot', quantity: '1' }],
      ['/cart/remove', { product: 'constructor' }],
      ['/checkout', {}],
      ['/contact', {}],
      ['/contact', { name: 'A', email: 'a@example.com', message: 'm'.repeat(2001) }],
      ['/contact', { name: ['A', 'B'], email: ['a@example.com'], message: ['hi'] }],
      ['/newsletter', { email: 'not an address' }],
      ['/restock', { email: 'a@example.com' }],
      ['/restock', { email: 'a@example.com', product: 'mug' }],
      ['/restock', { email: 'a@example.com', product: 'hasOwnProperty' }],
      ['/code', { code: '123456' }],
      ['/login/code', { code: ['1', '2'] }],
      ['/register', { name: 'x', email: 'x@example.com', password: ['a', 'b'] }],
    ]
    for (const visitor of [anonymous, customer]) {
      for (const [path, fields] of forms) {
        const res = await visitor.post(path, fields)
        expect(res.status, `${path} ${JSON.stringify(fields)}`).toBeLessThan(500)
        expect(done(res.text), `${path} ${JSON.stringify(fields)}: ${noticeOf(res.text)[1]}`).toBe(false)
      }
      for (const path of [
        '/account/profile',
        '/account/password',
        '/password/reset',
        '/checkout',
        '/contact',
        '/newsletter',
        '/restock',
        '/register',
        '/login',
      ]) {
        expect((await visitor.post(path, `email=a%40example.com&message=${BIG}`)).status).toBe(413)
        expect((await visitor.post(path, Array.from({ length: 60 }, (_, i) => `f${i}=1`).join('&'))).status).toBe(413)
      }
    }
    // Nothing reached the account, the stock or the cart.
    const account = await customer.get('/account')
    expect(account.text).toContain('<dt>Name</dt><dd>Taro</dd>')
    expect((await customer.get('/cart')).text).toContain('Your cart is empty')
    const { products } = JSON.parse((await anonymous.get('/spa/api/products')).text) as { products: Array<{ id: string; stock: number }> }
    expect(products.map((p) => p.stock)).toEqual([40, 25, 60, 0])
  })

  it('answers malformed JSON on the quick-shop routes without a 500, and places no order', async () => {
    const visitor = new Visitor()
    const bodies: Array<[unknown, boolean?]> = [
      ['{"product": "mug", ', true],
      ['"mug"', true],
      ['null', true],
      [[1, 2]],
      [{}],
      [{ product: { toString: 1 }, quantity: { valueOf: 1 }, email: ['a@example.com'] }],
      // eslint-disable-next-line no-loss-of-precision -- 1e309 is Infinity on purpose: hostile input
      [{ product: 'mug', quantity: 1e309 }],
      [{ product: 'mug', quantity: 0, email: 'a@example.com' }],
      [{ product: 'mug', quantity: 11, email: 'a@example.com' }],
      [{ product: 'mug', quantity: 2.5, email: 'a@example.com' }],
      [{ product: 'teapot', quantity: 1, email: 'a@example.com' }],
      [{ product: 'mug', quantity: 1, email: 'no-address' }],
      [{ product: 'mug', quantity: 1, email: 'a@example.com', kenchiToken: 'forged.token.value' }],
      [{ product: 'mug', quantity: 1, email: 'a@example.com', kenchiToken: { a: 1 } }],
    ]
    for (const path of ['/spa/api/buy', '/spa/api/restock']) {
      for (const [body, raw] of bodies) {
        const res = await visitor.json(path, body, raw)
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBeLessThan(500)
        expect(res.text).not.toContain('"kind":"accepted"')
      }
      expect((await visitor.json(path, { product: 'mug', quantity: 1, email: BIG })).status).toBe(413)
    }
    const { products } = JSON.parse((await visitor.get('/spa/api/products')).text) as { products: Array<{ stock: number }> }
    expect(products.map((p) => p.stock)).toEqual([40, 25, 60, 0])
  })

  it('holds a profile or password change without a token until the e-mail code is right', async () => {
    const visitor = new Visitor()
    await logIn(visitor, 'hanako@example.com', 'sakura-2026')

    const profile = await visitor.post('/account/profile', {
      name: 'Hanako Yamada',
      postcode: '150-0001',
      city: 'Shibuya',
      address: 'Jingumae 1-1',
    })
    expect(profile.status).toBe(200)
    expect(profile.text).toContain('id="decision" class="challenge"')
    expect(profile.text).toContain('<form method="post" action="/code">')
    expect((await visitor.get('/account')).text).not.toContain('Jingumae')
    // The login's code route does not take an account change's code.
    expect((await visitor.post('/login/code', { code: code() })).status).toBe(303)
    const wrong = await visitor.post('/code', { code: code() === '000000' ? '111111' : '000000' })
    expect(wrong.status).toBe(400)
    expect(noticeOf(wrong.text)[1]).toBe('That code is not right. 4 attempts left.')
    const right = await visitor.post('/code', { code: code() })
    expect(noticeOf(right.text)).toEqual(['ok', 'Thank you: your profile is saved.'])
    expect((await visitor.get('/account')).text).toContain('<dt>Address</dt><dd>Jingumae 1-1</dd>')
    // A used code changes nothing twice.
    expect((await visitor.post('/code', { code: code() })).status).toBe(303)

    const guess = await visitor.post('/account/password', { 'current-password': 'not-her-password', 'new-password': 'something-new-1' })
    expect(guess.status).toBe(401)
    const guessEvent = /id="event">([^<]+)</.exec(guess.text)![1]!
    expect((await demo.verifier.store.getEvent(guessEvent))!.outcomes?.map((o) => o.outcome)).toEqual(['login_failed'])

    const change = await visitor.post('/account/password', { 'current-password': 'sakura-2026', 'new-password': 'sakura-2027' })
    expect(change.text).toContain('please confirm this change of your password')
    const mailed = code()
    // Until the code is typed, the old password is still the one.
    expect((await new Visitor().post('/login', { email: 'hanako@example.com', password: 'sakura-2026' })).text).toContain(
      'class="challenge"',
    )
    const confirmed = await visitor.post('/code', { code: mailed })
    expect(noticeOf(confirmed.text)[0]).toBe('ok')
    expect((await new Visitor().post('/login', { email: 'hanako@example.com', password: 'sakura-2026' })).status).toBe(401)
    await logIn(new Visitor(), 'hanako@example.com', 'sakura-2027')
  })

  it('answers a password reset alike for unknown addresses, and mails only accounts', async () => {
    const visitor = new Visitor()
    const mails = demo.mailbox.length
    const known = await visitor.post('/password/reset', { email: 'taro@example.com' })
    expect(demo.mailbox.length).toBe(mails + 1)
    expect(demo.mailbox[0]).toMatchObject({ to: 'taro@example.com', subject: 'Choose a new password' })
    const unknown = await visitor.post('/password/reset', { email: 'nobody@example.com' })
    expect(demo.mailbox.length).toBe(mails + 1)
    expect(unknown.status).toBe(known.status)
    const same = (html: string) => html.replace(/<details class="verdict"[^]*?<\/details>/, '').replace(/\w+@example\.com/g, '@')
    expect(same(unknown.text)).toBe(same(known.text))
    // Both were verified without the account as user id: no history reason tells them apart.
    const [a, b] = demo.verdicts.slice(-2)
    expect(a!.reasons.map((r) => r.code)).toEqual(b!.reasons.map((r) => r.code))
  })

  it('resets a password through the link once; forged, altered and reused links get a calm 400', async () => {
    const visitor = new Visitor()
    await visitor.post('/password/reset', { email: 'taro@example.com' })
    const link = demo.mailbox[0]!.link!
    const token = new URL(link).searchParams.get('token')!
    const [body, signature] = token.split('.') as [string, string]
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as { p: string; r: string; x: number }
    const forged = [
      '',
      'nonsense',
      `${body}.`,
      `${body}.${signature.slice(0, -2)}`,
      `${Buffer.from(JSON.stringify({ ...payload, x: payload.x + 1e9 })).toString('base64url')}.${signature}`,
      `${Buffer.from(JSON.stringify({ ...payload, p: 'newsletter' })).toString('base64url')}.${signature}`,
      `${body}.${signature}.${signature}`,
      'x'.repeat(5000),
    ]
    for (const t of forged) {
      const res = await visitor.get(`/confirm?token=${encodeURIComponent(t)}`)
      expect(res.status).toBe(400)
      expect(noticeOf(res.text)[1]).toContain('This link does not work any more')
    }
    expect((await visitor.get(`/confirm?token=${encodeURIComponent(token)}&token=x`)).status).toBe(400)
    // The new-password form needs the session that opened the link.
    expect((await visitor.post('/password/reset/new', { 'new-password': 'taro-new-pass-1' })).status).toBe(400)

    const opened = await visitor.get(link.slice(origin.length))
    expect(opened.status).toBe(200)
    expect(opened.text).toContain('Choose a new password')
    expect((await new Visitor().post('/password/reset/new', { 'new-password': 'taro-new-pass-1' })).status).toBe(400)
    expect((await visitor.post('/password/reset/new', { 'new-password': 'short' })).status).toBe(400)
    const saved = await visitor.post('/password/reset/new', { 'new-password': 'taro-new-pass-1' })
    expect(noticeOf(saved.text)).toEqual(['ok', 'Your password is changed. Please log in with it.'])
    expect((await visitor.post('/password/reset/new', { 'new-password': 'taro-new-pass-2' })).status).toBe(400)

    const reused = await visitor.get(link.slice(origin.length))
    expect(reused.status).toBe(400)
    expect(reused.text).toContain('CONFIRM_USED')
    expect((await new Visitor().post('/login', { email: 'taro@example.com', password: 'fuji-san-3776' })).status).toBe(401)
    await logIn(new Visitor(), 'taro@example.com', 'taro-new-pass-1')
  })

  it('carries out an anonymous form without a token only through the e-mail link, once', async () => {
    const visitor = new Visitor()
    const sent = await visitor.post('/contact', { name: 'Ken', email: 'ken@example.com', message: 'Do you ship to Osaka?' })
    expect(sent.status).toBe(202)
    expect(noticeOf(sent.text)[0]).toBe('info')
    const event = /id="event">([^<]+)</.exec(sent.text)![1]!
    expect(demo.mailbox[0]).toMatchObject({ to: 'ken@example.com', subject: 'Confirm your message' })
    const link = demo.mailbox[0]!.link!.slice(origin.length)
    const confirmed = await visitor.get(link)
    expect(noticeOf(confirmed.text)).toEqual(['ok', 'Thank you, Ken: we received your message and will answer ken@example.com soon.'])
    expect((await demo.verifier.store.getEvent(event))!.outcomes?.map((o) => o.outcome)).toEqual(['challenge_passed'])
    expect((await visitor.get(link)).status).toBe(400)

    // The quick shop's guest order: placed when the link is opened, and only then.
    const order = await visitor.json('/spa/api/buy', { product: 'notebook', quantity: 2, email: 'ken@example.com' })
    expect(order.status).toBe(202)
    expect(JSON.parse(order.text)).toMatchObject({
      kind: 'confirm',
      verdict: { decision: 'challenge', reasons: [{ code: 'TOKEN_MISSING' }] },
    })
    const stock = async () =>
      (JSON.parse((await visitor.get('/spa/api/products')).text) as { products: Array<{ id: string; stock: number }> }).products.find(
        (p) => p.id === 'notebook',
      )!.stock
    expect(await stock()).toBe(60)
    const placed = await visitor.get(demo.mailbox[0]!.link!.slice(origin.length))
    expect(noticeOf(placed.text)[1]).toContain('order of 2 × A5 notebook, ¥1,800, is accepted')
    expect(await stock()).toBe(58)
    expect((await visitor.get(demo.mailbox[0]!.link!.slice(origin.length))).status).toBe(400)
    expect(await stock()).toBe(58)
  })

  it('accepts an inquiry with a valid token at once, but not one the content rule flags', async () => {
    const visitor = new Visitor()
    const honest = await visitor.post('/contact', {
      name: 'Mei',
      email: 'mei@example.com',
      message: 'Is the teapot coming back soon?',
      'kenchi-token': await token('inquiry'),
    })
    expect(demo.verdicts.at(-1)!.reasons.map((r) => r.code)).not.toContain('CONTENT_DENIED_STRING')
    expect(demo.verdicts.at(-1)!.decision).toBe('allow')
    expect(noticeOf(honest.text)[0]).toBe('ok')
    const spam = await visitor.post('/contact', {
      name: 'Mei',
      email: 'mei@example.com',
      message: 'Best ＣＡＳＩＮＯ bonus here',
      'kenchi-token': await token('inquiry'),
    })
    const verdict = demo.verdicts.at(-1)!
    expect(verdict.reasons.map((r) => r.code)).toContain('CONTENT_DENIED_STRING')
    expect(verdict.decision).not.toBe('allow')
    expect(done(spam.text)).toBe(false)
    // A token for another action does not pass.
    const other = await visitor.post('/newsletter', { email: 'mei@example.com', 'kenchi-token': await token('inquiry') })
    expect(demo.verdicts.at(-1)!.decision).not.toBe('allow')
    expect(done(other.text)).toBe(false)
  })
})
