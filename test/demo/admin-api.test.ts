// The demo shop's admin JSON API over HTTP: authentication, events after a login, the
// e-mail code step through the mailbox, labels, policy validation, CSV export, and the
// data folder surviving a restart.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../demo/app.mjs'
import { REASONS, type EventRecord, type Verdict } from '@kenchi/server'
import { newDevice, tokenFor, type TestDevice } from '../support/tokens.js'

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-admin-'))
let demo: Demo

/** The console session of user `admin` (cookie and CSRF token), as the browser holds it after signing in. */
let session: { cookie: string; csrf: string }

async function signIn(user = 'admin', password = demo.adminPassword): Promise<Response> {
  return fetch(new URL('admin/login', demo.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, password }),
  })
}

async function newSession(): Promise<void> {
  const res = await signIn()
  expect(res.status).toBe(200)
  session = { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: ((await res.json()) as { csrf: string }).csrf }
}

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir })
  await newSession()
})

afterAll(async () => {
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const bearer = () => ({ cookie: session.cookie, 'x-csrf-token': session.csrf })

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(new URL(path, demo.url), { ...init, headers: { ...bearer(), ...(init.headers as Record<string, string>) } })
}

async function postForm(path: string, fields: Record<string, string>, cookie?: string): Promise<Response> {
  return fetch(new URL(path, demo.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: demo.url.slice(0, -1), ...(cookie ? { cookie } : {}) },
    body: new URLSearchParams(fields).toString(),
  })
}

/** A small RFC 4180 parser, so the test checks the export's quoting rather than trusting it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(cell)
      cell = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      i++
    } else cell += c
  }
  expect(cell).toBe('')
  expect(row).toEqual([])
  return rows
}

let loginEvent: string

describe('demo admin API', () => {
  it('refuses requests without a console session or API token; the printed password signs in as admin and is a Bearer token', async () => {
    const refused: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Basic ${Buffer.from(`admin:${demo.adminPassword}`).toString('base64')}` },
      { cookie: 'kenchi_console=forged' },
    ]
    for (const headers of refused) {
      const res = await fetch(new URL('admin/api/events', demo.url), { headers })
      expect(res.status).toBe(401)
      expect(await res.json()).toEqual({ error: 'UNAUTHORIZED' })
    }
    for (const path of ['admin/api/policy', 'admin/api/events.csv', 'admin/api/attack']) {
      expect((await fetch(new URL(path, demo.url))).status).toBe(401)
    }
    // Pages send a browser without a session to the sign-in form.
    const page = await fetch(new URL('admin', demo.url), { redirect: 'manual' })
    expect(page.status).toBe(303)
    expect(page.headers.get('location')).toBe('/admin/login')
    expect((await signIn('admin', 'wrong-password')).status).toBe(401)
    const token = await fetch(new URL('admin/api/events', demo.url), { headers: { authorization: `Bearer ${demo.adminPassword}` } })
    expect(token.status).toBe(200)
    const me = (await (await api('admin/api/me')).json()) as { user: string; role: string }
    expect(me).toMatchObject({ user: 'admin', role: 'admin' })
  })

  it('lists the event of a login, and the e-mail code from the mailbox logs the customer in', async () => {
    // No Kenchi token over plain HTTP: TOKEN_MISSING, which the default policy challenges.
    const login = await postForm('login', { email: 'Hanako@example.com', password: 'sakura-2026' })
    expect(login.status).toBe(200)
    const html = await login.text()
    expect(html).toContain('id="decision" class="challenge"')
    loginEvent = /id="event">([^<]+)</.exec(html)![1]!
    const cookie = login.headers.get('set-cookie')!.split(';')[0]

    const list = await api('admin/api/events?limit=10')
    expect(list.status).toBe(200)
    const { events } = (await list.json()) as { events: EventRecord[] }
    const event = events.find((e) => e.id === loginEvent)!
    expect(event).toMatchObject({
      action: 'login',
      decision: 'challenge',
      userHash: demo.verifier.hashIdentity('user', 'hanako@example.com'),
    })
    expect(event.reasons.map((r) => r.code)).toEqual(['TOKEN_MISSING'])

    const mail = demo.mailbox[0]!
    expect(mail.to).toBe('hanako@example.com')
    const code = /^\s+(\d{6})\s*$/m.exec(mail.text)![1]!
    const mailboxPage = await (await fetch(new URL('mailbox', demo.url))).text()
    expect(mailboxPage).toContain(code)
    const wrong = await postForm('login/code', { code: code === '000000' ? '111111' : '000000' }, cookie)
    expect(wrong.status).toBe(400)
    expect(await wrong.text()).toContain('That code is not right. 4 attempts left.')
    const right = await postForm('login/code', { code }, cookie)
    expect(right.status).toBe(200)
    expect(await right.text()).toContain('Logged in as hanako@example.com')

    const one = await api(`admin/api/events/${loginEvent}`)
    expect(one.status).toBe(200)
    expect(((await one.json()) as EventRecord).outcomes?.map((o) => o.outcome)).toEqual(['challenge_passed'])
    expect((await api('admin/api/events/no-such-event')).status).toBe(404)
  })

  it('does not log in with a wrong password, and says the same for an unknown account', async () => {
    const wrong = await postForm('login', { email: 'hanako@example.com', password: 'not-her-password' })
    const unknown = await postForm('login', { email: 'nobody@example.com', password: 'whatever-123' })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(await wrong.text()).toContain('Wrong e-mail address or password.')
    expect(await unknown.text()).toContain('Wrong e-mail address or password.')
  })

  it('pages through events with limit and before, and validates them', async () => {
    const first = (await (await api('admin/api/events?limit=1')).json()) as { events: EventRecord[]; next: number }
    expect(first.events).toHaveLength(1)
    expect(first.next).toBe(first.events[0]!.at)
    const all = (await (await api('admin/api/events')).json()) as { events: EventRecord[] }
    const older = (await (await api(`admin/api/events?limit=100&before=${first.next}`)).json()) as { events: EventRecord[] }
    expect(older.events.map((e) => e.id)).toEqual(all.events.filter((e) => e.at < first.next).map((e) => e.id))
    for (const query of ['limit=0', 'limit=1001', 'limit=abc', 'before=-1']) {
      const res = await api(`admin/api/events?${query}`)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toBe('INPUT_INVALID')
    }
  })

  it('labels an event and refuses a bad label or an unknown event', async () => {
    const comment = '=cmd, "quoted"\nsecond line'
    const res = await api(`admin/api/events/${loginEvent}/label`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'fraud', comment }),
    })
    expect(res.status).toBe(200)
    expect(((await res.json()) as EventRecord).label).toMatchObject({ label: 'fraud', comment })
    const stored = (await (await api(`admin/api/events/${loginEvent}`)).json()) as EventRecord
    expect(stored.label).toMatchObject({ label: 'fraud', comment })

    // A page on another origin cannot use the browser's session cookie to change labels.
    const foreign = await api(`admin/api/events/${loginEvent}/label`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
      body: JSON.stringify({ label: 'legit' }),
    })
    expect(foreign.status).toBe(403)
    const foreignForm = await fetch(new URL(`admin/events/${loginEvent}/label`, demo.url), {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: 'label=legit',
    })
    expect(foreignForm.status).toBe(403)
    expect(((await (await api(`admin/api/events/${loginEvent}`)).json()) as EventRecord).label?.label).toBe('fraud')

    const bad = await api(`admin/api/events/${loginEvent}/label`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'maybe' }),
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toBe('INPUT_INVALID')
    const unknown = await api('admin/api/events/00000000-0000-4000-8000-000000000000/label', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'legit' }),
    })
    expect(unknown.status).toBe(404)
    expect(((await unknown.json()) as { error: string }).error).toBe('EVENT_UNKNOWN')
  })

  it('exports events as CSV with proper quoting and formula-safe cells', async () => {
    const res = await api('admin/api/events.csv')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
    const rows = parseCsv(await res.text())
    const header = rows[0]!
    expect(header).toEqual([
      'id',
      'at',
      'action',
      'decision',
      'wouldBe',
      'score',
      'reasons',
      'deviceId',
      'ip',
      'userHash',
      'loginHash',
      'emailHash',
      'outcomes',
      'label',
      'labelComment',
    ])
    const all = (await (await api('admin/api/events')).json()) as { events: EventRecord[] }
    expect(rows.slice(1).map((r) => r[0])).toEqual(all.events.map((e) => e.id))
    const row = Object.fromEntries(header.map((h, i) => [h, rows.slice(1).find((r) => r[0] === loginEvent)![i]]))
    expect(row).toMatchObject({
      action: 'login',
      decision: 'challenge',
      reasons: 'TOKEN_MISSING:50',
      outcomes: 'challenge_passed',
      label: 'fraud',
      labelComment: `'=cmd, "quoted"\nsecond line`,
    })
    expect(new Date(String(row.at)).toISOString()).toBe(row.at)
    // The login id typed is there as its keyed hash (the same as the account's for hanako).
    expect(row.loginHash).toBe(demo.verifier.hashIdentity('user', 'hanako@example.com'))
    expect(row.userHash).toBe(row.loginHash)
  })

  it('reads and updates the policy, refusing an invalid one with its error code', async () => {
    const before = await (await api('admin/api/policy')).json()
    expect(before).toMatchObject({ mode: 'live', thresholds: { challenge: 40, deny: 80 } })
    const bad = await api('admin/api/policy', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ thresholds: { challenge: 90, deny: 80 } }),
    })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toBe('CONFIG_POLICY')
    const notObject = await api('admin/api/policy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '[1]' })
    expect(notObject.status).toBe(400)
    expect(await (await api('admin/api/policy')).json()).toEqual(before)

    const ok = await api('admin/api/policy', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pow: 4, actions: { checkout: { challenge: 30 } } }),
    })
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ pow: 4, actions: { checkout: { challenge: 30 } } })
    expect(demo.verifier.policy.pow).toBe(4)
    await api('admin/api/policy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pow: 0 }) })
  })

  it('reports attack mode and answers unknown devices and API paths with 404', async () => {
    const attack = await api('admin/api/attack')
    expect(attack.status).toBe(200)
    expect(await attack.json()).toMatchObject({ active: false })
    expect((await api('admin/api/devices/unknown-device')).status).toBe(404)
    expect(await (await api('admin/api/users/unknown-hash')).json()).toMatchObject({
      userHash: 'unknown-hash',
      email: null,
      devices: [],
      events: [],
      ips: [],
    })
    expect((await api('admin/api/nothing-here')).status).toBe(404)
    // Without JavaScript, the event page's label buttons post a form from the demo's own origin.
    const button = await fetch(new URL(`admin/events/${loginEvent}/label`, demo.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded', origin: demo.url.slice(0, -1) },
      body: 'label=legit&comment=checked+by+phone',
    })
    expect(button.status).toBe(303)
    expect(button.headers.get('location')).toBe(`/admin/events/${loginEvent}`)
    expect(((await (await api(`admin/api/events/${loginEvent}`)).json()) as EventRecord).label?.label).toBe('legit')
    await api(`admin/api/events/${loginEvent}/label`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'fraud' }),
    })
  })

  it('keeps secrets, accounts and events in the data folder across a restart', async () => {
    const password = demo.adminPassword
    const hash = demo.verifier.hashIdentity('user', 'hanako@example.com')
    await demo.close()
    demo = await startDemo({ port: 0, dataDir })
    expect(demo.adminPassword).toBe(password)
    expect(demo.verifier.hashIdentity('user', 'hanako@example.com')).toBe(hash)
    // Sessions live in memory: sign in again. Console users and the audit log (with the labels) are in console.sqlite.
    expect((await fetch(new URL('admin/api/events', demo.url), { headers: bearer() })).status).toBe(401)
    await newSession()
    const effects = (await (await api(`admin/api/events/${loginEvent}/effects`)).json()) as { labels: Array<{ label: string; by: string }> }
    expect(effects.labels.map((l) => l.label)).toEqual(['fraud', 'legit', 'fraud'])
    expect(effects.labels[0]!.by).toBe('admin')
    const stored = (await (await api(`admin/api/events/${loginEvent}`)).json()) as EventRecord
    expect(stored.label?.label).toBe('fraud')
    const wrong = await postForm('login', { email: 'hanako@example.com', password: 'not-her-password' })
    expect(wrong.status).toBe(401)
  })
})

// ---- The console's API: filters, statistics, effects of labels, graph, settings, assets ----

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36'
const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const send = (method: string, path: string, body: unknown) => api(path, { method, ...json(body) })
const all = async (): Promise<EventRecord[]> =>
  ((await (await api('admin/api/events?limit=1000')).json()) as { events: EventRecord[] }).events

/** Logs in with a real token signed by `device` (as the script tag would post it); resolves the verdict. */
async function tokenLogin(email: string, password: string, device: TestDevice): Promise<Verdict> {
  const origin = demo.url.slice(0, -1)
  const res = await fetch(new URL('kenchi/challenge', demo.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: '{"action":"login"}',
  })
  const { challenge } = (await res.json()) as { challenge: string }
  const token = await tokenFor(challenge, { device })
  const before = demo.verdicts.length
  await fetch(new URL('login', demo.url), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin, 'user-agent': UA },
    body: new URLSearchParams({ email, password, 'kenchi-token': token }).toString(),
  })
  expect(demo.verdicts.length).toBe(before + 1)
  return demo.verdicts.at(-1)!
}

describe('demo admin console API', () => {
  let device: TestDevice
  let first: Verdict
  const hanako = () => demo.verifier.hashIdentity('user', 'hanako@example.com')

  it('lifts the negative IP a fraud label set, and then sees a signed login with its device', async () => {
    // The first describe labelled a 127.0.0.1 event fraud: every local request is now NEGATIVE_IP.
    expect(await (await api('admin/api/negative-ips/127.0.0.1')).json()).toEqual({ ip: '127.0.0.1', negative: true })
    const lifted = await api('admin/api/negative-ips/127.0.0.1', { method: 'DELETE' })
    expect(await lifted.json()).toEqual({ ip: '127.0.0.1', negative: false })
    expect(await (await api('admin/api/negative-ips/127.0.0.1')).json()).toEqual({ ip: '127.0.0.1', negative: false })

    device = await newDevice()
    first = await tokenLogin('taro@example.com', 'fuji-san-3776', device)
    expect(first.device?.id).toBeDefined()
    expect(first.reasons.map((r) => r.code)).not.toContain('NEGATIVE_IP')
    await tokenLogin('hanako@example.com', 'sakura-2026', device)
  })

  it('filters events by decision, action, reason, label, time, device, user and IP, like filtering the full list', async () => {
    const events = await all()
    const deviceId = first.device!.id
    const cases: Array<[string, (e: EventRecord) => boolean]> = [
      ['decision=challenge', (e) => e.decision === 'challenge'],
      ['wouldBe=allow', (e) => (e.wouldBe ?? e.decision) === 'allow'],
      ['action=login', (e) => e.action === 'login'],
      ['reason=TOKEN_MISSING', (e) => e.reasons.some((r) => r.code === 'TOKEN_MISSING')],
      ['label=fraud', (e) => e.label?.label === 'fraud'],
      ['label=none', (e) => !e.label],
      ['label=any', (e) => !!e.label],
      [`device=${deviceId}`, (e) => e.deviceId === deviceId],
      [`user=${hanako()}`, (e) => e.userHash === hanako()],
      ['user=Hanako@Example.com', (e) => e.userHash === hanako()],
      ['ip=127.0.0.1', (e) => e.ip === '127.0.0.1'],
      [
        `from=${first.device ? events.find((e) => e.id === first.eventId)!.at : 0}`,
        (e) => e.at >= events.find((x) => x.id === first.eventId)!.at,
      ],
      [`to=${events.at(-1)!.at}`, (e) => e.at <= events.at(-1)!.at],
      [
        `decision=allow&device=${deviceId}&user=${hanako()}`,
        (e) => e.decision === 'allow' && e.deviceId === deviceId && e.userHash === hanako(),
      ],
    ]
    for (const [query, keep] of cases) {
      const res = await api(`admin/api/events?limit=1000&${query}`)
      expect(res.status, query).toBe(200)
      const body = (await res.json()) as { events: EventRecord[]; next: number | null; truncated: boolean; users: Record<string, string> }
      expect(
        body.events.map((e) => e.id),
        query,
      ).toEqual(events.filter(keep).map((e) => e.id))
      expect(body.next).toBeNull()
      expect(body.truncated).toBe(false)
    }
    expect((await all()).filter((e) => e.deviceId === deviceId)).toHaveLength(2)
    const named = (await (await api(`admin/api/events?user=${hanako()}`)).json()) as { users: Record<string, string> }
    expect(named.users).toEqual({ [hanako()]: 'hanako@example.com' })
  })

  it('pages through filtered events without losing or repeating one', async () => {
    const wanted = (await all()).filter((e) => e.action === 'login').map((e) => e.id)
    expect(wanted.length).toBeGreaterThan(3)
    const seen: string[] = []
    let before: number | null | undefined
    for (let i = 0; i < 50 && before !== null; i++) {
      const page = (await (await api(`admin/api/events?action=login&limit=2${before ? `&before=${before}` : ''}`)).json()) as {
        events: EventRecord[]
        next: number | null
      }
      seen.push(...page.events.map((e) => e.id))
      before = page.next
    }
    expect(seen).toEqual(wanted)
  })

  it('aggregates decisions over time, scores and top reasons', async () => {
    const events = (await all()).filter((e) => e.at > Date.now() - 3600_000)
    const res = await api('admin/api/stats?window=1h')
    expect(res.status).toBe(200)
    const stats = (await res.json()) as {
      bucketMs: number
      buckets: Array<{ at: number; allow: number; challenge: number; deny: number }>
      scores: Array<{ from: number; to: number; count: number }>
      reasons: Array<{ code: string; label: string; count: number }>
      totals: Record<string, number>
      truncated: boolean
      attack: { active: boolean }
    }
    expect(stats.bucketMs).toBe(60_000)
    expect(stats.buckets.length).toBeGreaterThanOrEqual(60)
    expect(stats.totals.events).toBe(events.length)
    for (const d of ['allow', 'challenge', 'deny'] as const) {
      expect(stats.buckets.reduce((n, b) => n + b[d], 0)).toBe(events.filter((e) => e.decision === d).length)
    }
    expect(stats.scores.reduce((n, s) => n + s.count, 0)).toBe(events.length)
    expect(stats.scores.find((s) => s.from === 50)!.count).toBe(events.filter((e) => e.score >= 50 && e.score < 60).length)
    const missing = stats.reasons.find((r) => r.code === 'TOKEN_MISSING')!
    expect(missing).toEqual({
      code: 'TOKEN_MISSING',
      label: 'No Kenchi token sent',
      count: events.filter((e) => e.reasons.some((r) => r.code === 'TOKEN_MISSING')).length,
    })
    expect(stats.truncated).toBe(false)
    expect(stats.attack.active).toBe(false)
    for (const window of ['15m', '6h', '24h', '7d', '30d']) expect((await api(`admin/api/stats?window=${window}`)).status).toBe(200)
  })

  it('shows what a fraud label does: device fraud, IP negative, the next attempt denied and listed as later', async () => {
    const before = (await (await api(`admin/api/events/${first.eventId}/effects`)).json()) as Record<string, any>
    expect(before).toMatchObject({ user: 'taro@example.com', deviceListed: false, ipNegative: false, ipListed: null, labels: [] })
    expect(before.device.status).not.toBe('fraud')
    expect(before.later.map((e: EventRecord) => e.deviceId)).toEqual([first.device!.id])

    const labelled = await send('POST', `admin/api/events/${first.eventId}/label`, { label: 'fraud', comment: 'chargeback' })
    expect(labelled.status).toBe(200)
    const after = (await (await api(`admin/api/events/${first.eventId}/effects`)).json()) as Record<string, any>
    expect(after.device.status).toBe('fraud')
    expect(after.ipNegative).toBe(true)
    expect(after.labels).toMatchObject([{ label: 'fraud', comment: 'chargeback' }])

    const next = await tokenLogin('taro@example.com', 'fuji-san-3776', device)
    expect(next.decision).toBe('deny')
    expect(next.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['NG_DEVICE', 'NEGATIVE_IP']))
    const later = (await (await api(`admin/api/events/${first.eventId}/effects`)).json()) as { later: EventRecord[] }
    expect(later.later[0]!.id).toBe(next.eventId)

    // legit clears the device; the IP stays negative until lifted.
    await send('POST', `admin/api/events/${first.eventId}/label`, { label: 'legit' })
    const cleared = (await (await api(`admin/api/events/${first.eventId}/effects`)).json()) as Record<string, any>
    expect(cleared.device.status).toBe('valid')
    expect(cleared.labels.map((l: { label: string }) => l.label)).toEqual(['fraud', 'legit'])
    expect(cleared.ipNegative).toBe(true)
    await api('admin/api/negative-ips/127.0.0.1', { method: 'DELETE' })
    expect((await tokenLogin('taro@example.com', 'fuji-san-3776', device)).reasons.map((r) => r.code)).not.toContain('NEGATIVE_IP')
  })

  it('answers a device and a user with history and IPs, and the graph linking them', async () => {
    const deviceId = first.device!.id
    const d = (await (await api(`admin/api/devices/${deviceId}`)).json()) as Record<string, any>
    expect(d.device.id).toBe(deviceId)
    expect(d.users.map((u: { userHash: string }) => u.userHash).sort()).toEqual(
      [hanako(), demo.verifier.hashIdentity('user', 'taro@example.com')].sort(),
    )
    expect(d.events.every((e: EventRecord) => e.deviceId === deviceId)).toBe(true)
    expect(d.ips).toEqual([{ ip: '127.0.0.1', count: d.events.length, negative: false }])
    expect(d.names[hanako()]).toBe('hanako@example.com')
    expect(d.listed).toBe(false)

    const u = (await (await api(`admin/api/users/${hanako()}`)).json()) as Record<string, any>
    expect(u.email).toBe('hanako@example.com')
    expect(u.devices.map((x: { deviceId: string }) => x.deviceId)).toContain(deviceId)
    expect(u.events.every((e: EventRecord) => e.userHash === hanako())).toBe(true)

    const graph = (await (await api(`admin/api/graph?device=${deviceId}`)).json()) as {
      nodes: Array<{ id: string; kind: string; centre: boolean; label: string }>
      edges: Array<{ source: string; target: string; kind: string }>
    }
    const ids = graph.nodes.map((n) => n.id)
    expect(ids).toEqual(expect.arrayContaining([`d:${deviceId}`, `u:${hanako()}`, 'i:127.0.0.1']))
    expect(graph.nodes.find((n) => n.id === `d:${deviceId}`)!.centre).toBe(true)
    expect(graph.nodes.find((n) => n.id === `u:${hanako()}`)!.label).toBe('hanako@example.com')
    expect(graph.edges).toEqual(
      expect.arrayContaining([expect.objectContaining({ source: `u:${hanako()}`, target: `d:${deviceId}`, kind: 'uses' })]),
    )
    for (const e of graph.edges) expect(ids).toEqual(expect.arrayContaining([e.source, e.target]))
    const byUser = (await (await api(`admin/api/graph?user=${hanako()}`)).json()) as { nodes: Array<{ id: string; centre: boolean }> }
    expect(byUser.nodes.find((n) => n.centre)!.id).toBe(`u:${hanako()}`)
    expect(byUser.nodes.map((n) => n.id)).toContain(`d:${deviceId}`)
  })

  it('edits the deny lists, and a listed device is denied with NG_DEVICE', async () => {
    const lists = (await (await api('admin/api/lists')).json()) as {
      lists: Array<{ name: string; kind: string; reason: string; entries: string[] }>
    }
    expect(lists.lists.map((l) => [l.name, l.kind, l.reason])).toEqual([
      ['ip', 'ip', 'NEGATIVE_IP'],
      ['userAgent', 'substring', 'BOT'],
      ['emailDomain', 'domain', 'EMAIL_DOMAIN_DENIED'],
      ['device', 'exact', 'NG_DEVICE'],
    ])
    const bad = await send('PUT', 'admin/api/lists/ip', { entries: ['192.0.2.1', 'not an ip'] })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toBe('CONFIG_LIST')
    const ok = await send('PUT', 'admin/api/lists/ip', { entries: ['192.0.2.1', ' 10.1.2.3/8 '] })
    expect(await ok.json()).toMatchObject({ name: 'ip', entries: ['192.0.2.1', '10.0.0.0/8'] })
    expect(await (await send('POST', 'admin/api/lists/ip', { add: ['198.51.100.0/24'], remove: ['192.0.2.1'] })).json()).toMatchObject({
      entries: ['10.0.0.0/8', '198.51.100.0/24'],
    })
    expect((await send('PUT', 'admin/api/lists/nope', { entries: [] })).status).toBe(404)

    const deviceId = first.device!.id
    expect((await send('POST', 'admin/api/lists/device', { add: [deviceId] })).status).toBe(200)
    const denied = await tokenLogin('taro@example.com', 'fuji-san-3776', device)
    expect(denied.decision).toBe('deny')
    expect(denied.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'NG_DEVICE', detail: { device: deviceId } })]))
    expect(((await (await api(`admin/api/devices/${deviceId}`)).json()) as { listed: boolean }).listed).toBe(true)
    await send('POST', 'admin/api/lists/device', { remove: [deviceId] })
    await send('PUT', 'admin/api/lists/ip', { entries: [] })
    expect((await tokenLogin('taro@example.com', 'fuji-san-3776', device)).reasons.map((r) => r.code)).not.toContain('NG_DEVICE')
  })

  it('switches one rule to monitor mode: its reasons are recorded but not counted', async () => {
    const rules = (await (await api('admin/api/rules')).json()) as { rules: Array<{ name: string; mode: string; reasons: string[] }> }
    expect(rules.rules.map((r) => r.name)).toEqual(
      expect.arrayContaining(['negative', 'history', 'ip-list', 'user-agent-list', 'email-domain', 'device-list', 'foreign-ip']),
    )
    const put = await send('PUT', 'admin/api/rules/history', { mode: 'monitor' })
    expect(((await put.json()) as typeof rules).rules.find((r) => r.name === 'history')!.mode).toBe('monitor')
    const verdict = await tokenLogin('hanako@example.com', 'sakura-2026', await newDevice())
    expect(verdict.reasons.map((r) => r.code)).not.toContain('FIRST_USER_DEVICE')
    expect(verdict.monitored?.map((r) => r.code)).toContain('FIRST_USER_DEVICE')
    expect(
      ((await (await api(`admin/api/events?reason=FIRST_USER_DEVICE&limit=1`)).json()) as { events: EventRecord[] }).events[0]!.id,
    ).toBe(verdict.eventId)
    await send('PUT', 'admin/api/rules/history', { mode: 'live' })
    expect((await send('PUT', 'admin/api/rules/nope', { mode: 'live' })).status).toBe(400)
    expect((await send('PUT', 'admin/api/rules/history', { mode: 'off' })).status).toBe(400)
  })

  it('changes the foreign-IP policy and tells what it does for an address', async () => {
    expect(await (await api('admin/api/foreign-ip')).json()).toEqual({ policy: 'allow', homeCountries: ['JP'] })
    const bad = await send('PUT', 'admin/api/foreign-ip', { policy: 'block-everything' })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toBe('CONFIG_RULE')
    expect((await send('PUT', 'admin/api/foreign-ip', { homeCountries: ['Japan'] })).status).toBe(400)
    expect(await (await send('PUT', 'admin/api/foreign-ip', { policy: 'block-registration', homeCountries: ['jp', 'KR'] })).json()).toEqual(
      { policy: 'block-registration', homeCountries: ['JP', 'KR'] },
    )
    expect(await (await api('admin/api/geo?ip=8.8.8.8')).json()).toEqual({
      ip: '8.8.8.8',
      country: 'US',
      local: false,
      foreign: true,
      policy: 'block-registration',
      blocks: 'registration-type actions',
    })
    expect(await (await api('admin/api/geo?ip=127.0.0.1')).json()).toMatchObject({
      country: null,
      local: true,
      foreign: false,
      blocks: 'nothing',
    })
    await send('PUT', 'admin/api/foreign-ip', { policy: 'allow', homeCountries: ['JP'] })
  })

  it('labels every reason code', async () => {
    const catalogue = (await (await api('admin/api/reasons')).json()) as Record<string, { label: string; description: string }>
    expect(Object.keys(catalogue).sort()).toEqual(Object.keys(REASONS).sort())
    for (const [code, { label, description }] of Object.entries(catalogue)) {
      expect(label, code).not.toBe(description)
      expect(label.length, code).toBeLessThan(60)
    }
  })

  it('serves the console pages (behind a session) and assets with their content types', async () => {
    const pages = ['admin', 'admin/events/x', 'admin/devices/x', 'admin/users/x', 'admin/charts', 'admin/policy']
    for (const path of pages) {
      expect((await fetch(new URL(path, demo.url), { redirect: 'manual' })).status, path).toBe(303)
      const res = await api(path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/html/)
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
      const html = await res.text()
      // No inline script or style: every <script> has a same-origin src, no style attribute or element.
      expect(html.match(/<script(?![^>]*\ssrc="\/admin\/assets\/)[^>]*>/g), path).toBeNull()
      expect(html).not.toMatch(/\sstyle=|<style/)
    }
    const assets: Array<[string, RegExp]> = [
      ['admin/assets/console.css', /^text\/css/],
      ['admin/assets/lib.js', /^text\/javascript/],
      ['admin/assets/events.js', /^text\/javascript/],
      ['admin/assets/vendor/chart.umd.min.js', /^(text|application)\/javascript/],
      ['admin/assets/vendor/cytoscape.min.js', /^(text|application)\/javascript/],
    ]
    // The scripts and styles hold no data: the sign-in page needs them before a session exists.
    for (const [path, type] of assets) {
      const res = await fetch(new URL(path, demo.url))
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type'), path).toMatch(type)
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000)
    }
    for (const path of [
      'admin/assets/nothing.js',
      'admin/assets/vendor/react.js',
      'admin/assets/..%2f..%2fapp.mjs',
      'admin/assets/%2e%2e/router.mjs',
      'admin/assets/vendor/..%2f..%2f..%2fpackage.json',
    ]) {
      const res = await api(path)
      expect(res.status, path).toBe(404)
      expect(await res.text()).not.toContain('import')
    }
  })

  it('answers hostile or malformed input with 4xx and an error code, never 500', async () => {
    const long = 'x'.repeat(5000)
    const gets = [
      'admin/api/events?limit=1.5',
      'admin/api/events?limit=-1',
      'admin/api/events?before=abc',
      'admin/api/events?from=1e20',
      'admin/api/events?to=-5',
      'admin/api/events?decision=maybe',
      'admin/api/events?decision=allow&decision=deny',
      'admin/api/events?wouldBe=x',
      'admin/api/events?label=spam',
      'admin/api/events?action=LOGIN',
      'admin/api/events?reason=lower',
      'admin/api/events?reason=%00',
      'admin/api/events?device=a/b',
      `admin/api/events?device=${long}`,
      'admin/api/events?user=%F0%9F%92%A9',
      'admin/api/events?ip=%3Cscript%3E',
      'admin/api/events.csv?label=x',
      'admin/api/stats?window=2h',
      'admin/api/stats?window=__proto__',
      'admin/api/stats?window=constructor',
      'admin/api/graph',
      'admin/api/graph?device=a&user=b',
      'admin/api/graph?device=%2e%2e',
      `admin/api/graph?user=${long}`,
      'admin/api/geo',
      'admin/api/geo?ip=999.1.1.1',
      'admin/api/geo?ip[]=1.1.1.1',
      'admin/api/negative-ips/not-an-ip',
      `admin/api/events/${long}`,
      `admin/api/events/${long}/effects`,
      'admin/api/devices/%00',
      `admin/api/users/${long}`,
      'admin/api/lists/__proto__',
      'admin/api/events/%E0%A4%A',
    ]
    for (const path of gets) {
      const res = await api(path)
      expect(res.status, path).toBeGreaterThanOrEqual(400)
      expect(res.status, path).toBeLessThan(500)
      expect(((await res.json()) as { error: string }).error, path).toMatch(/^[A-Z_]+$/)
    }
    const writes: Array<[string, string, string]> = [
      ['PUT', 'admin/api/lists/ip', '{"entries":"10.0.0.1"}'],
      ['PUT', 'admin/api/lists/ip', '{"entries":[1,2]}'],
      ['PUT', 'admin/api/lists/ip', JSON.stringify({ entries: Array.from({ length: 1001 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) })],
      ['PUT', 'admin/api/lists/ip', JSON.stringify({ entries: ['x'.repeat(300)] })],
      ['PUT', 'admin/api/lists/__proto__', '{"entries":[]}'],
      ['POST', 'admin/api/lists/ip', '{"add":"1.1.1.1"}'],
      ['POST', 'admin/api/lists/ip', 'null'],
      ['POST', 'admin/api/lists/ip', '{"add":['],
      ['PUT', 'admin/api/rules/history', '[]'],
      ['PUT', 'admin/api/rules/constructor', '{"mode":"live"}'],
      ['PUT', 'admin/api/foreign-ip', '{"homeCountries":"JP"}'],
      ['PUT', 'admin/api/foreign-ip', '{"homeCountries":[]}'],
      ['PUT', 'admin/api/foreign-ip', '"allow"'],
      ['PUT', 'admin/api/policy', '{"thresholds":{"challenge":"40"}}'],
      ['PUT', 'admin/api/policy', '{"attack":{"windowMs":-1}}'],
      ['PUT', 'admin/api/policy', '{"actions":{"Bad Action":{}}}'],
      ['PUT', 'admin/api/policy', JSON.stringify({ actions: { ['x'.repeat(40)]: {} } })],
      ['PUT', 'admin/api/policy', JSON.stringify({ pad: 'x'.repeat(70_000) })],
      ['POST', `admin/api/events/${first.eventId}/label`, 'null'],
      ['POST', `admin/api/events/${first.eventId}/label`, '{"label":"fraud","comment":5}'],
      ['POST', `admin/api/events/${first.eventId}/label`, JSON.stringify({ label: 'fraud', comment: 'x'.repeat(501) })],
      ['DELETE', 'admin/api/negative-ips/%3Cscript%3E', ''],
      ['DELETE', 'admin/api/events/x', ''],
    ]
    for (const [method, path, body] of writes) {
      const res = await api(path, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body } : {}) })
      expect(res.status, `${method} ${path} ${body.slice(0, 40)}`).toBeGreaterThanOrEqual(400)
      expect(res.status, `${method} ${path}`).toBeLessThan(500)
      expect(((await res.json()) as { error: string }).error, path).toMatch(/^[A-Z_]+$/)
    }
    expect(demo.verifier.policy.actions).not.toHaveProperty('x'.repeat(40))
    expect((await (await api('admin/api/lists')).json()) as unknown).toMatchObject({
      lists: [{ name: 'ip', entries: [] }, {}, {}, { name: 'device', entries: [] }],
    })
  })
})
