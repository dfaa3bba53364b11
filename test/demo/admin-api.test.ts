// The demo shop's admin JSON API over HTTP: authentication, events after a login, the
// e-mail code step through the mailbox, labels, policy validation, CSV export, and the
// data folder surviving a restart.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// @ts-expect-error the demo is plain JavaScript
import { startDemo } from '../../demo/app.mjs'
import type { EventRecord, Verifier } from '@kenchi/server'

interface Demo {
  url: string
  adminPassword: string
  mailbox: Array<{ to: string; subject: string; text: string }>
  verifier: Verifier
  close(): Promise<void>
}

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-admin-'))
let demo: Demo

beforeAll(async () => {
  demo = (await startDemo({ port: 0, dataDir })) as Demo
})

afterAll(async () => {
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

const bearer = () => ({ authorization: `Bearer ${demo.adminPassword}` })

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
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++
      else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') row.push(cell), (cell = '')
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++
    } else cell += c
  }
  expect(cell).toBe('')
  expect(row).toEqual([])
  return rows
}

let loginEvent: string

describe('demo admin API', () => {
  it('refuses requests without the admin password, by bearer token or HTTP Basic', async () => {
    const refused: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` }]
    for (const headers of refused) {
      const res = await fetch(new URL('admin/api/events', demo.url), { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /)
      expect(await res.json()).toEqual({ error: 'UNAUTHORIZED' })
    }
    for (const path of ['admin', 'admin/api/policy', 'admin/api/events.csv', 'admin/api/attack']) {
      expect((await fetch(new URL(path, demo.url))).status).toBe(401)
    }
    const basic = await fetch(new URL('admin/api/events', demo.url), {
      headers: { authorization: `Basic ${Buffer.from(`anyone:${demo.adminPassword}`).toString('base64')}` },
    })
    expect(basic.status).toBe(200)
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
    expect(event).toMatchObject({ action: 'login', decision: 'challenge', userHash: demo.verifier.hashIdentity('user', 'hanako@example.com') })
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

    // A page on another origin cannot use the browser's Basic credentials to change labels.
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

    const bad = await api(`admin/api/events/${loginEvent}/label`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 'maybe' }) })
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
    expect(header).toEqual(['id', 'at', 'action', 'decision', 'wouldBe', 'score', 'reasons', 'deviceId', 'ip', 'userHash', 'emailHash', 'outcomes', 'label', 'labelComment'])
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
  })

  it('reads and updates the policy, refusing an invalid one with its error code', async () => {
    const before = await (await api('admin/api/policy')).json()
    expect(before).toMatchObject({ mode: 'live', thresholds: { challenge: 40, deny: 80 } })
    const bad = await api('admin/api/policy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ thresholds: { challenge: 90, deny: 80 } }) })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toBe('CONFIG_POLICY')
    const notObject = await api('admin/api/policy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '[1]' })
    expect(notObject.status).toBe(400)
    expect(await (await api('admin/api/policy')).json()).toEqual(before)

    const ok = await api('admin/api/policy', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pow: 4, actions: { checkout: { challenge: 30 } } }) })
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
    expect(await (await api('admin/api/users/unknown-hash')).json()).toEqual({ userHash: 'unknown-hash', devices: [] })
    expect((await api('admin/api/nothing-here')).status).toBe(404)
    const page = await api('admin')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(loginEvent)
    // The page's label buttons post a form from the demo's own origin.
    const button = await fetch(new URL(`admin/events/${loginEvent}/label`, demo.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { ...bearer(), 'content-type': 'application/x-www-form-urlencoded', origin: demo.url.slice(0, -1) },
      body: 'label=legit',
    })
    expect(button.status).toBe(303)
    expect(((await (await api(`admin/api/events/${loginEvent}`)).json()) as EventRecord).label?.label).toBe('legit')
    await api(`admin/api/events/${loginEvent}/label`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ label: 'fraud' }) })
  })

  it('keeps secrets, accounts and events in the data folder across a restart', async () => {
    const password = demo.adminPassword
    const hash = demo.verifier.hashIdentity('user', 'hanako@example.com')
    await demo.close()
    demo = (await startDemo({ port: 0, dataDir })) as Demo
    expect(demo.adminPassword).toBe(password)
    expect(demo.verifier.hashIdentity('user', 'hanako@example.com')).toBe(hash)
    const stored = (await (await api(`admin/api/events/${loginEvent}`)).json()) as EventRecord
    expect(stored.label?.label).toBe('fraud')
    const wrong = await postForm('login', { email: 'hanako@example.com', password: 'not-her-password' })
    expect(wrong.status).toBe(401)
  })
})
