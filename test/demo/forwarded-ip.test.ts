// The demo trusts X-Forwarded-For from loopback (as behind a local reverse proxy), and
// Express passes on whatever the header says. Kenchi records and counts only real IP
// addresses: markup, formulas or ports in the header never reach the event store.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo } from '../../demo/app.mjs'
import type { Verdict, Verifier } from '@kenchi/server'

const dataDir = mkdtempSync(join(tmpdir(), 'kenchi-forwarded-'))
let demo: { url: string; verdicts: Verdict[]; verifier: Verifier; adminPassword: string; close(): Promise<void> }

beforeAll(async () => {
  demo = await startDemo({ port: 0, dataDir })
})

afterAll(async () => {
  await demo?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

async function loginFrom(forwarded: string) {
  const res = await fetch(new URL('login', demo.url), {
    method: 'POST',
    headers: { 'x-forwarded-for': forwarded, 'content-type': 'application/x-www-form-urlencoded', origin: demo.url.slice(0, -1) },
    body: 'email=nobody%40example.com&password=guess',
  })
  expect(res.status).toBe(401)
  return demo.verifier.store.getEvent(demo.verdicts.at(-1)!.eventId)
}

describe('demo X-Forwarded-For', () => {
  it('records a forwarded address only when it is an IP address', async () => {
    for (const forged of ['<img src=x onerror=alert(1)>', '=HYPERLINK("http://x.example")', '1.2.3.4:80', 'unknown', '0x7f.1']) {
      const event = await loginFrom(forged)
      expect(event, forged).toBeDefined()
      expect(event!.ip, forged).toBeUndefined()
    }
    expect((await loginFrom('198.51.100.7'))!.ip).toBe('198.51.100.7')
    expect((await loginFrom('2001:db8::7'))!.ip).toBe('2001:db8::7')
    const csv = await (
      await fetch(new URL('admin/api/events.csv', demo.url), { headers: { authorization: `Bearer ${demo.adminPassword}` } })
    ).text()
    expect(csv).not.toContain('onerror')
    expect(csv).not.toContain('HYPERLINK')
  })
})
