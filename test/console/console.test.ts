// @kenchi/console over real HTTP: roles on every endpoint, CSRF, sessions (cookie flags,
// idle and absolute expiry, logout, password change), the login rate limit, the audit log
// of every kind of change with before and after (memory and SQLite), hostile input, per-site
// views, the first admin from the environment and the hash-password CLI.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hashPassword, sqliteConsoleStore, verifyPassword, type AuditEntry, type ConsoleRole } from '@kenchi/console'
import { addEvent, call, login, newSite, PASSWORDS, session, startConsole, type Running, type Session } from './support.js'

const ROLE_ORDER: ConsoleRole[] = ['viewer', 'analyst', 'admin']

describe('passwords', () => {
  it('hashes with scrypt and a random salt, and checks in constant time', async () => {
    const a = await hashPassword('correct horse battery')
    const b = await hashPassword('correct horse battery')
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword('correct horse battery', a)).toBe(true)
    expect(await verifyPassword('correct horse batterY', a)).toBe(false)
    for (const bad of ['', 'scrypt$1$1$1$x$y', a.replace('16384', '16383'), `${a}x!`])
      expect(await verifyPassword('correct horse battery', bad)).toBe(false)
    await expect(hashPassword('short')).rejects.toThrow(TypeError)
  })

  it('npx @kenchi/console hash-password prints a hash of the password read from standard input', async () => {
    const bin = join(import.meta.dirname, '../../packages/console/src/bin.js')
    const child = execFile(process.execPath, [bin, 'hash-password'])
    child.stdin!.end('a long console password\n')
    const out = await new Promise<string>((resolve, reject) => {
      let text = ''
      child.stdout!.on('data', (c) => (text += c))
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}`))))
    })
    expect(await verifyPassword('a long console password', out.trim())).toBe(true)
    await expect(promisify(execFile)(process.execPath, [bin, 'something-else'])).rejects.toMatchObject({ code: 2 })
  })
})

describe('console over HTTP', () => {
  let c: Running
  let sessions: Record<ConsoleRole, Session>
  let eventId: string

  beforeAll(async () => {
    const site = await newSite()
    c = await startConsole({ ...site })
    eventId = await addEvent(site.verifier)
    sessions = { viewer: await session(c.base, 'viewer'), analyst: await session(c.base, 'analyst'), admin: await session(c.base, 'admin') }
  })
  afterAll(() => c?.close())

  it('enforces the role of every endpoint: viewers read, analysts also label, admins change everything', async () => {
    const endpoints: Array<[ConsoleRole, string, string, unknown?]> = [
      ['viewer', 'GET', '/api/me'],
      ['viewer', 'GET', '/api/sites'],
      ['viewer', 'GET', '/api/events'],
      ['viewer', 'GET', '/api/events.csv'],
      ['viewer', 'GET', `/api/events/${eventId}`],
      ['viewer', 'GET', `/api/events/${eventId}/effects`],
      ['viewer', 'GET', '/api/devices/unknown'],
      ['viewer', 'GET', '/api/users/abc'],
      ['viewer', 'GET', '/api/graph?user=abc'],
      ['viewer', 'GET', '/api/stats'],
      ['viewer', 'GET', '/api/reasons'],
      ['viewer', 'GET', '/api/policy'],
      ['viewer', 'GET', '/api/attack'],
      ['viewer', 'GET', '/api/rules'],
      ['viewer', 'GET', '/api/lists'],
      ['viewer', 'GET', '/api/foreign-ip'],
      ['viewer', 'GET', '/api/geo?ip=8.8.8.8'],
      ['viewer', 'GET', '/api/negative-ips/203.0.113.7'],
      ['viewer', 'GET', '/'],
      ['viewer', 'GET', '/policy'],
      ['analyst', 'POST', `/api/events/${eventId}/label`, { label: 'nonsense' }],
      ['admin', 'PUT', '/api/policy', []],
      ['admin', 'PUT', '/api/rules/headless', { mode: 'bogus' }],
      ['admin', 'PUT', '/api/lists/ip', { entries: 'x' }],
      ['admin', 'POST', '/api/lists/ip', { add: 5 }],
      ['admin', 'PUT', '/api/foreign-ip', []],
      ['admin', 'DELETE', '/api/negative-ips/not-an-ip'],
      ['admin', 'GET', '/api/users'],
      ['admin', 'POST', '/api/users', { name: 'x' }],
      ['admin', 'PUT', '/api/users/nobody', {}],
      ['admin', 'DELETE', '/api/users/nobody'],
      ['admin', 'GET', '/api/audit'],
      ['admin', 'GET', '/team'],
    ]
    for (const [needed, method, path, body] of endpoints) {
      for (const role of ROLE_ORDER) {
        const res = await call(c.base, sessions[role], method, path, body)
        const allowed = ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(needed)
        if (allowed) expect([200, 400, 404], `${role} ${method} ${path}`).toContain(res.status)
        else {
          expect(res.status, `${role} ${method} ${path}`).toBe(403)
          expect(await res.json()).toMatchObject({ error: 'FORBIDDEN' })
        }
      }
    }
    // The no-JavaScript label form: analysts and admins only.
    const form = (s: Session) =>
      fetch(`${c.base}/events/${eventId}/label`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ label: 'legit', _csrf: s.csrf }).toString(),
      })
    expect((await form(sessions.viewer)).status).toBe(403)
    expect((await form(sessions.analyst)).status).toBe(303)
    // Nothing a viewer tried changed anything.
    const policy = await (await call(c.base, sessions.viewer, 'GET', '/api/policy')).json()
    expect(policy).toMatchObject({ mode: 'live' })
  })

  it('refuses a change without the session CSRF token, with another session token, or from another origin', async () => {
    const admin = sessions.admin
    const put = (headers: Record<string, string>) =>
      fetch(`${c.base}/api/policy`, {
        method: 'PUT',
        headers: { cookie: admin.cookie, 'content-type': 'application/json', ...headers },
        body: '{"mode":"monitor"}',
      })
    const noToken = await put({})
    expect(noToken.status).toBe(403)
    expect(await noToken.json()).toEqual({ error: 'CSRF_INVALID' })
    expect((await put({ 'x-csrf-token': 'wrong' })).status).toBe(403)
    expect((await put({ 'x-csrf-token': sessions.analyst.csrf })).status).toBe(403)
    const foreign = await put({ 'x-csrf-token': admin.csrf, origin: 'http://evil.example' })
    expect(foreign.status).toBe(403)
    expect(await foreign.json()).toEqual({ error: 'ORIGIN_REFUSED' })
    expect((await put({ 'x-csrf-token': admin.csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await (await call(c.base, admin, 'GET', '/api/policy')).json()).mode).toBe('live')
    // Sign-in from another origin is refused too (login CSRF).
    expect((await login(c.base, 'admin', PASSWORDS.admin, { origin: 'http://evil.example' })).status).toBe(403)
    // The right token from the console's own origin works.
    const ok = await put({ 'x-csrf-token': admin.csrf, origin: c.url })
    expect(ok.status).toBe(200)
    expect((await ok.json()).mode).toBe('monitor')
    await call(c.base, admin, 'PUT', '/api/policy', { mode: 'live' })
    // Logging out is a change too.
    const logout = await fetch(`${c.base}/logout`, { method: 'POST', headers: { cookie: admin.cookie } })
    expect(logout.status).toBe(403)
  })

  it('sets an HttpOnly SameSite=Strict session cookie scoped to the base path, and sends pages without a session to the sign-in form', async () => {
    const { setCookie } = sessions.viewer
    expect(setCookie).toMatch(/^kenchi_console=[\w-]{43}; Path=\/console; HttpOnly; SameSite=Strict$/)
    const page = await fetch(`${c.base}/charts`, { redirect: 'manual' })
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toBe('/console/login')
    const form = await fetch(`${c.base}/login`)
    expect(form.status).toBe(200)
    expect(await form.text()).toContain('action="/console/login"')
    expect((await fetch(`${c.base}/api/events`)).status).toBe(401)
    // The page carries the session's CSRF token for the scripts and the forms.
    expect(await (await call(c.base, sessions.viewer, 'GET', '/')).text()).toContain(`data-csrf="${sessions.viewer.csrf}"`)
  })

  it('answers hostile input with 4xx and an error code, never 500', async () => {
    const admin = sessions.admin
    const cases: Array<[string, string, string, number, string]> = [
      ['PUT', '/api/policy', '{"mode":', 400, 'INPUT_INVALID'],
      ['PUT', '/api/policy', `{"x":"${'a'.repeat(70_000)}"}`, 413, 'INPUT_TOO_LARGE'],
      ['POST', `/api/events/${eventId}/label`, 'null', 400, 'INPUT_INVALID'],
      ['POST', '/api/users', '[]', 400, 'INPUT_INVALID'],
      ['POST', '/api/users', '{"name":"../x","role":"admin","password":"long enough password"}', 400, 'INPUT_INVALID'],
      ['POST', '/api/users', '{"name":"eve","role":"root","password":"long enough password"}', 400, 'INPUT_INVALID'],
      ['POST', '/api/users', '{"name":"eve","role":"viewer","password":"short"}', 400, 'INPUT_INVALID'],
      ['POST', '/api/users', '{"name":"eve","role":"viewer","password":{"a":1}}', 400, 'INPUT_INVALID'],
      ['PUT', '/api/users/admin', '{"role":"superuser"}', 400, 'INPUT_INVALID'],
      ['GET', '/api/audit?limit=0', '', 400, 'INPUT_INVALID'],
      ['GET', '/api/audit?limit=abc', '', 400, 'INPUT_INVALID'],
      ['GET', '/api/audit?before=-1', '', 400, 'INPUT_INVALID'],
      ['GET', '/api/events?site=nowhere', '', 404, 'SITE_UNKNOWN'],
      ['GET', '/api/events?limit=__proto__', '', 400, 'INPUT_INVALID'],
      ['GET', '/api/nothing', '', 404, 'NOT_FOUND'],
    ]
    for (const [method, path, body, status, error] of cases) {
      const res = await call(c.base, admin, method, path, body === '' ? undefined : body)
      expect(res.status, `${method} ${path} ${body.slice(0, 40)}`).toBe(status)
      expect(((await res.json()) as { error: string }).error, `${method} ${path}`).toBe(error)
    }
    // The sign-in form: malformed JSON, an oversized body, wrong types.
    const signIn = (body: string, type = 'application/json') =>
      fetch(`${c.base}/login`, { method: 'POST', headers: { 'content-type': type }, body })
    expect((await signIn('{"user":')).status).toBe(400)
    expect((await signIn(JSON.stringify({ user: 'admin', password: 'x'.repeat(80_000) }))).status).toBe(413)
    expect((await signIn(`user=admin&password=${'x'.repeat(5000)}`, 'application/x-www-form-urlencoded')).status).toBe(413)
    const typed = await signIn(JSON.stringify({ user: ['admin'], password: PASSWORDS.admin }))
    expect(typed.status).toBe(400)
    expect(await typed.json()).toMatchObject({ error: 'INPUT_INVALID' })
    // A forged or absurd cookie is just no session.
    for (const cookie of ['kenchi_console=', `kenchi_console=${'A'.repeat(5000)}`, 'kenchi_console=%00%ff']) {
      expect((await fetch(`${c.base}/api/me`, { headers: { cookie } })).status).toBe(401)
    }
  })

  it('keeps an audit entry of every policy, rule, list, foreign-IP, negative-IP, label and user change: who, when, before, after', async () => {
    const admin = sessions.admin
    const started = c.clock.now
    const expectOk = async (res: Promise<Response>) => expect((await res).status).toBeLessThan(300)
    await expectOk(call(c.base, admin, 'PUT', '/api/policy', { thresholds: { challenge: 35 } }))
    await expectOk(call(c.base, admin, 'PUT', '/api/rules/headless', { mode: 'monitor' }))
    await expectOk(call(c.base, admin, 'PUT', '/api/lists/ip', { entries: ['192.0.2.1'] }))
    await expectOk(call(c.base, admin, 'POST', '/api/lists/ip', { add: ['192.0.2.2'], remove: ['192.0.2.1'] }))
    await expectOk(call(c.base, admin, 'PUT', '/api/foreign-ip', { homeCountries: ['JP', 'US'] }))
    await expectOk(call(c.base, sessions.analyst, 'POST', `/api/events/${eventId}/label`, { label: 'fraud', comment: 'chargeback' }))
    await expectOk(call(c.base, admin, 'DELETE', '/api/negative-ips/203.0.113.7'))
    await expectOk(call(c.base, admin, 'POST', '/api/users', { name: 'carol', role: 'viewer', password: 'carol-password-1' }))
    await expectOk(call(c.base, admin, 'PUT', '/api/users/carol', { role: 'analyst', password: 'carol-password-2' }))
    await expectOk(call(c.base, admin, 'DELETE', '/api/users/carol'))

    const res = await call(c.base, admin, 'GET', '/api/audit?limit=10')
    const { entries } = (await res.json()) as { entries: AuditEntry[] }
    const byAction = (action: string) => entries.find((e) => e.action === action)!
    expect(entries.map((e) => e.action).reverse()).toEqual([
      'policy.update',
      'rule.update',
      'list.replace',
      'list.update',
      'foreign-ip.update',
      'label',
      'negative-ip.delete',
      'user.create',
      'user.update',
      'user.delete',
    ])
    for (const e of entries) {
      expect(e.at).toBeGreaterThanOrEqual(started)
      expect(e.site).toBe('default')
      expect(e.actor).toBe(e.action === 'label' ? 'analyst' : 'admin')
    }
    expect((byAction('policy.update').before as any).thresholds.challenge).toBe(40)
    expect((byAction('policy.update').after as any).thresholds.challenge).toBe(35)
    expect(byAction('rule.update')).toMatchObject({ target: 'headless', before: 'live', after: 'monitor' })
    expect(byAction('list.replace')).toMatchObject({ target: 'ip', before: [], after: ['192.0.2.1'] })
    expect(byAction('list.update')).toMatchObject({ target: 'ip', before: ['192.0.2.1'], after: ['192.0.2.2'] })
    expect(byAction('foreign-ip.update')).toMatchObject({ before: { homeCountries: ['JP'] }, after: { homeCountries: ['JP', 'US'] } })
    expect(byAction('label')).toMatchObject({
      target: eventId,
      before: { label: 'legit' },
      after: { label: 'fraud', comment: 'chargeback' },
    })
    expect(byAction('negative-ip.delete')).toMatchObject({ target: '203.0.113.7', before: { negative: true }, after: { negative: false } })
    expect(byAction('user.create')).toMatchObject({ target: 'carol', before: null, after: { role: 'viewer' } })
    expect(byAction('user.update')).toMatchObject({
      target: 'carol',
      before: { role: 'viewer' },
      after: { role: 'analyst', passwordChanged: true },
    })
    expect(byAction('user.delete')).toMatchObject({ target: 'carol', before: { role: 'analyst' }, after: null })
    expect(JSON.stringify(entries)).not.toContain('carol-password')
    // Paging, and the label history of the event page comes from the audit log.
    const older = (await (await call(c.base, admin, 'GET', `/api/audit?limit=3&before=${entries[2]!.id}`)).json()) as {
      entries: AuditEntry[]
    }
    expect(older.entries.map((e) => e.id)).toEqual([entries[3]!.id, entries[4]!.id, entries[5]!.id])
    const effects = (await (await call(c.base, admin, 'GET', `/api/events/${eventId}/effects`)).json()) as { labels: unknown[] }
    expect(effects.labels).toMatchObject([
      { label: 'legit', by: 'analyst' },
      { label: 'fraud', comment: 'chargeback', by: 'analyst' },
    ])
    // A refused change leaves no entry.
    await call(c.base, admin, 'PUT', '/api/policy', { thresholds: { challenge: 'x' } })
    expect(((await (await call(c.base, admin, 'GET', '/api/audit?limit=1')).json()) as { entries: AuditEntry[] }).entries[0]!.action).toBe(
      'user.delete',
    )
  })

  it('ends sessions after 30 idle minutes or 12 hours, on logout, and on a password change; keeps the last admin', async () => {
    const s = await session(c.base, 'viewer')
    c.clock.now += 29 * 60_000
    expect((await call(c.base, s, 'GET', '/api/me')).status).toBe(200)
    c.clock.now += 31 * 60_000
    const idle = await call(c.base, s, 'GET', '/api/me')
    expect(idle.status).toBe(401)
    expect(idle.headers.get('set-cookie')).toMatch(/Max-Age=0/)

    const long = await session(c.base, 'viewer')
    for (let i = 0; i < 36; i++) {
      c.clock.now += 20 * 60_000
      expect((await call(c.base, long, 'GET', '/api/me')).status, `after ${(i + 1) * 20} minutes`).toBe(200)
    }
    c.clock.now += 20 * 60_000
    expect((await call(c.base, long, 'GET', '/api/me')).status).toBe(401)

    const out = await session(c.base, 'viewer')
    expect((await call(c.base, out, 'POST', '/logout')).status).toBe(200)
    expect((await call(c.base, out, 'GET', '/api/me')).status).toBe(401)

    const admin = await session(c.base, 'admin')
    await call(c.base, admin, 'POST', '/api/users', { name: 'dave', role: 'analyst', password: 'dave-password-1' })
    const dave = await login(c.base, 'dave', 'dave-password-1')
    const daveCookie = dave.headers.get('set-cookie')!.split(';')[0]!
    await call(c.base, admin, 'PUT', '/api/users/dave', { password: 'dave-password-2' })
    expect((await fetch(`${c.base}/api/me`, { headers: { cookie: daveCookie } })).status).toBe(401)
    expect((await login(c.base, 'dave', 'dave-password-1')).status).toBe(401)
    expect((await login(c.base, 'dave', 'dave-password-2')).status).toBe(200)
    // The last admin cannot be removed or demoted.
    const lastAdmin = await call(c.base, admin, 'DELETE', '/api/users/admin')
    expect(lastAdmin.status).toBe(409)
    expect((await call(c.base, admin, 'PUT', '/api/users/admin', { role: 'viewer' })).status).toBe(409)
  })

  it('limits failed sign-ins to 5 per user name and 20 per address in 15 minutes, even with the right password afterwards', async () => {
    c.clock.now += 16 * 60_000 // past the failures of the tests before
    for (let i = 0; i < 5; i++) expect((await login(c.base, 'analyst', 'wrong-password')).status).toBe(401)
    const limited = await login(c.base, 'analyst', PASSWORDS.analyst)
    expect(limited.status).toBe(429)
    expect(await limited.json()).toMatchObject({ error: 'LOGIN_RATE_LIMITED' })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await login(c.base, 'viewer', PASSWORDS.viewer)).status).toBe(200)
    // Guessing across user names: the address is limited for every name.
    for (let i = 0; i < 15; i++) expect((await login(c.base, `guess${i}`, 'wrong-password')).status).toBe(401)
    expect((await login(c.base, 'viewer', PASSWORDS.viewer)).status).toBe(429)
    c.clock.now += 16 * 60_000
    expect((await login(c.base, 'analyst', PASSWORDS.analyst)).status).toBe(200)
  })
})

describe('audit log and users in SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kenchi-console-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps users and audit entries across a restart, and drops entries past the retention', async () => {
    const path = join(dir, 'console.sqlite')
    let now = 1_800_000_000_000
    const site = await newSite()
    const first = await startConsole({ ...site, consoleStore: await sqliteConsoleStore(path, { now: () => now }) })
    const admin = await session(first.base, 'admin')
    expect(
      (await call(first.base, admin, 'POST', '/api/users', { name: 'erin', role: 'viewer', password: 'erin-password-1' })).status,
    ).toBe(201)
    expect((await call(first.base, admin, 'PUT', '/api/policy', { mode: 'monitor' })).status).toBe(200)
    await first.handler.consoleStore.close()
    await first.close()

    const store = await sqliteConsoleStore(path, { now: () => now, auditDays: 30 })
    const second = await startConsole({ ...(await newSite()), consoleStore: store })
    expect((await login(second.base, 'erin', 'erin-password-1')).status).toBe(200)
    const entries = await store.listAudit()
    expect(entries.map((e) => e.action)).toEqual(['policy.update', 'user.create'])
    expect(entries[0]).toMatchObject({ actor: 'admin', before: { mode: 'live' }, after: { mode: 'monitor' } })
    now += 31 * 86_400_000
    await store.appendAudit({ at: now, actor: 'admin', action: 'policy.update', site: 'default', target: null, before: 1, after: 2 })
    expect((await store.listAudit()).length).toBe(1)
    await store.close()
    await second.close()
  })
})

describe('sites and bootstrap', () => {
  it('shows each site its own data, and records the site of each change', async () => {
    const shopA = await newSite('shop-a')
    const shopB = await newSite('shop-b')
    const c = await startConsole({ sites: [shopA, shopB] })
    try {
      const a = await addEvent(shopA.verifier)
      const admin = await session(c.base, 'admin')
      const ids = async (q: string) =>
        ((await (await call(c.base, admin, 'GET', `/api/events${q}`)).json()) as { events: Array<{ id: string }> }).events.map((e) => e.id)
      expect(await ids('')).toEqual([a])
      expect(await ids('?site=shop-a')).toEqual([a])
      expect(await ids('?site=shop-b')).toEqual([])
      expect((await call(c.base, admin, 'GET', `/api/events/${a}?site=shop-b`)).status).toBe(404)
      expect(await (await call(c.base, admin, 'GET', '/api/sites')).json()).toEqual({ sites: [{ name: 'shop-a' }, { name: 'shop-b' }] })
      expect((await call(c.base, admin, 'PUT', '/api/policy?site=shop-b', { mode: 'monitor' })).status).toBe(200)
      expect(shopB.verifier.policy.mode).toBe('monitor')
      expect(shopA.verifier.policy.mode).toBe('live')
      const { entries } = (await (await call(c.base, admin, 'GET', '/api/audit')).json()) as { entries: AuditEntry[] }
      expect(entries[0]).toMatchObject({ site: 'shop-b', action: 'policy.update' })
      const page = await (await call(c.base, admin, 'GET', '/?site=shop-b')).text()
      expect(page).toContain('data-site="shop-b"')
      expect(page).toContain('href="/console?site=shop-a"')
      // The page's own links and forms keep its site; the assets do not need it.
      expect(page).toContain('href="/console/charts?site=shop-b"')
      expect(page).toContain('action="/console/logout?site=shop-b"')
      expect(page).toContain('href="/console/assets/console.css"')
    } finally {
      await c.close()
    }
  })

  it('creates the first admin from KENCHI_CONSOLE_ADMIN and KENCHI_CONSOLE_ADMIN_PASSWORD_HASH, and refuses a bad one', async () => {
    const passwordHash = await hashPassword('bootstrap-password')
    const c = await startConsole({ users: [], env: { KENCHI_CONSOLE_ADMIN: 'owner', KENCHI_CONSOLE_ADMIN_PASSWORD_HASH: passwordHash } })
    try {
      const res = await login(c.base, 'owner', 'bootstrap-password')
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ user: 'owner', role: 'admin' })
    } finally {
      await c.close()
    }
    await expect(
      startConsole({ users: [], env: { KENCHI_CONSOLE_ADMIN: 'owner', KENCHI_CONSOLE_ADMIN_PASSWORD_HASH: 'plain-password' } }),
    ).rejects.toThrow(/passwordHash/)
  })

  it('marks the cookie Secure over HTTPS behind a trusted proxy, and limits sign-ins per forwarded client address', async () => {
    const c = await startConsole({ trustProxy: true, loginLimit: { max: 2, maxPerAddress: 3 } })
    try {
      const https = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.1' }
      const res = await login(c.base, 'viewer', PASSWORDS.viewer, https)
      expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Strict; Secure$/)
      const plain = await login(c.base, 'viewer', PASSWORDS.viewer, { 'x-forwarded-for': '198.51.100.1' })
      expect(plain.headers.get('set-cookie')).not.toMatch(/Secure/)
      for (const name of ['a', 'b', 'c']) expect((await login(c.base, name, 'wrong-password', https)).status).toBe(401)
      expect((await login(c.base, 'viewer', PASSWORDS.viewer, https)).status).toBe(429)
      // Another client behind the same proxy is not locked out.
      expect((await login(c.base, 'viewer', PASSWORDS.viewer, { ...https, 'x-forwarded-for': '198.51.100.2' })).status).toBe(200)
    } finally {
      await c.close()
    }
  })

  it('accepts Bearer API tokens without CSRF tokens, with the token role', async () => {
    const c = await startConsole({ apiTokens: [{ name: 'ci', role: 'viewer', token: 'a-long-random-api-token' }] })
    try {
      const auth = { authorization: 'Bearer a-long-random-api-token' }
      expect((await fetch(`${c.base}/api/events`, { headers: auth })).status).toBe(200)
      const put = await fetch(`${c.base}/api/policy`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{}',
      })
      expect(put.status).toBe(403)
      expect(await put.json()).toMatchObject({ error: 'FORBIDDEN' })
      expect((await fetch(`${c.base}/api/events`, { headers: { authorization: 'Bearer a-long-random-api-tokeN' } })).status).toBe(401)
      // Guessing tokens counts as failed sign-ins of the address (20 in 15 minutes).
      for (let i = 0; i < 19; i++)
        expect((await fetch(`${c.base}/api/events`, { headers: { authorization: `Bearer guess-${i}` } })).status).toBe(401)
      expect((await fetch(`${c.base}/api/events`, { headers: auth })).status).toBe(429)
    } finally {
      await c.close()
    }
  })
})
