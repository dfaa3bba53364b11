import { createHmac } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startInbox } from '../../../../test/support/smtp.js'
import { afterEach, describe, expect, it } from 'vitest'
import { KenchiError } from '../errors.js'
import { ALERTS_SUPPRESSED, createNotifier, type Alert } from './notifier.js'
import { verifyWebhook } from './webhook.js'

const SECRET = 'webhook-secret-0123456789'
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!()
})

interface Received {
  body: string
  headers: IncomingHttpHeaders
}

/** A webhook receiver on 127.0.0.1 answering with the given statuses in turn (then 200). */
async function receiver(statuses: number[] = [], delayMs = 0): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers })
      setTimeout(() => {
        res.writeHead(statuses.shift() ?? 200)
        res.end('ok')
      }, delayMs)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  )
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/kenchi-alerts`, received }
}

describe('createNotifier: hooks and rate limit', () => {
  it('calls hooks with the alert and survives a throwing hook', () => {
    const got: Alert[] = []
    const errors: unknown[] = []
    const notifier = createNotifier({
      hooks: [
        (a) => void got.push(a),
        () => {
          throw new Error('broken hook')
        },
        async () => {
          throw new Error('async broken')
        },
      ],
      onError: (e) => errors.push(e),
      now: () => 1000,
    })
    expect(notifier.notify({ kind: 'attack-mode', code: 'VELOCITY_IP_USERS', detail: { ip: '203.0.113.1' } })).toBe(true)
    expect(got).toEqual([{ kind: 'attack-mode', code: 'VELOCITY_IP_USERS', detail: { ip: '203.0.113.1' }, at: 1000 }])
    expect(errors).toHaveLength(1)
    expect(notifier.notify(null as never)).toBe(false)
  })

  it('lets max alerts of a kind through per window, then sends one summary', async () => {
    const got: Alert[] = []
    let t = 0
    const notifier = createNotifier({ hooks: [(a) => void got.push(a)], rateLimit: { max: 2, windowMs: 60_000 }, now: () => t })
    for (let i = 0; i < 5; i++) notifier.notify({ kind: 'login-stop', code: i % 2 ? 'A' : 'B' })
    expect(notifier.notify({ kind: 'other', code: 'X' })).toBe(true)
    expect(got.map((a) => a.kind)).toEqual(['login-stop', 'login-stop', 'other'])
    expect(notifier.stats).toMatchObject({ sent: 3, suppressed: 3 })
    t = 60_000
    expect(notifier.notify({ kind: 'login-stop', code: 'B' })).toBe(true)
    expect(got.slice(3)).toEqual([
      { kind: 'login-stop', code: ALERTS_SUPPRESSED, detail: { suppressed: 3, codes: { B: 2, A: 1 }, windowMs: 60_000 }, at: 60_000 },
      { kind: 'login-stop', code: 'B', at: 60_000 },
    ])
    await notifier.close()
  })

  it('sends the summary when the window ends even if the attack stopped', async () => {
    const got: Alert[] = []
    const notifier = createNotifier({ hooks: [(a) => void got.push(a)], rateLimit: { max: 1, windowMs: 100 } })
    notifier.notify({ kind: 'k', code: 'A' })
    notifier.notify({ kind: 'k', code: 'A' })
    notifier.notify({ kind: 'k', code: 'A' })
    expect(got).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 250))
    expect(got[1]).toMatchObject({ code: ALERTS_SUPPRESSED, detail: { suppressed: 2 } })
    await notifier.close()
    expect(got).toHaveLength(2)
  })

  it('validates its options', () => {
    expect(() => createNotifier({ hooks: ['x' as never] })).toThrow(KenchiError)
    expect(() => createNotifier({ rateLimit: { max: 0 } })).toThrow(KenchiError)
    expect(() => createNotifier({ webhook: { url: 'ftp://x', secret: SECRET } })).toThrow(KenchiError)
    expect(() => createNotifier({ webhook: { url: 'http://127.0.0.1/', secret: 'short' } })).toThrow(KenchiError)
    expect(() => createNotifier({ webhook: { url: 'http://127.0.0.1/', secret: SECRET, retries: -1 } })).toThrow(KenchiError)
    expect(() => createNotifier({ email: { transport: {}, from: '', to: 'a@b.example' } })).toThrow(KenchiError)
    expect(() => createNotifier({ email: { transport: {}, from: 'k@b.example', to: [] } })).toThrow(/CONFIG_NOTIFY|email.to/)
    try {
      createNotifier({ rateLimit: { windowMs: 1 } })
    } catch (error) {
      expect((error as KenchiError).code).toBe('CONFIG_NOTIFY')
    }
  })
})

describe('createNotifier: signed webhook', () => {
  it('posts the alert with a verifiable signature and retries after 500s', async () => {
    const { url, received } = await receiver([500, 500])
    const notifier = createNotifier({ webhook: { url, secret: SECRET, retries: 3, backoffMs: 20 } })
    notifier.notify({ kind: 'attack-mode', code: 'ATTACK_MODE_ON', detail: { reason: 'login failures' }, at: 42 })
    await notifier.flush()
    expect(received).toHaveLength(3)
    const last = received[2]!
    expect(JSON.parse(last.body)).toEqual({ kind: 'attack-mode', code: 'ATTACK_MODE_ON', detail: { reason: 'login failures' }, at: 42 })
    const timestamp = last.headers['x-kenchi-timestamp'] as string
    // Recompute the signature independently of the library.
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${last.body}`).digest('hex')
    expect(last.headers['x-kenchi-signature']).toBe(`sha256=${expected}`)
    expect(last.headers['content-type']).toBe('application/json')
    expect(verifyWebhook(SECRET, last.body, last.headers as Record<string, string>)).toBe(true)
    expect(verifyWebhook('another-secret-0123456', last.body, last.headers as Record<string, string>)).toBe(false)
    expect(verifyWebhook(SECRET, last.body.replace('42', '43'), last.headers as Record<string, string>)).toBe(false)
    expect(verifyWebhook(SECRET, last.body, last.headers as Record<string, string>, { now: Number(timestamp) * 1000 + 301_000 })).toBe(
      false,
    )
    expect(notifier.stats).toMatchObject({ sent: 1, failed: 0 })
    await notifier.close()
  })

  it('gives up after its retries and reports the failure', async () => {
    const { url, received } = await receiver([500, 500, 500, 500])
    const errors: Array<[unknown, string]> = []
    const notifier = createNotifier({ webhook: { url, secret: SECRET, retries: 1, backoffMs: 10 }, onError: (e, c) => errors.push([e, c]) })
    notifier.notify({ kind: 'k', code: 'C' })
    await notifier.flush()
    expect(received).toHaveLength(2)
    expect(notifier.stats.failed).toBe(1)
    expect(errors[0]?.[1]).toBe('webhook')
    expect(String(errors[0]?.[0])).toContain('500')
  })

  it('bounds its queue and keeps alerts in order', async () => {
    const { url, received } = await receiver([], 50)
    const notifier = createNotifier({ webhook: { url, secret: SECRET, maxQueue: 2 }, rateLimit: { max: 100 } })
    for (let i = 0; i < 5; i++) notifier.notify({ kind: 'k', code: `C${i}` })
    await notifier.flush()
    expect(received.map((r) => JSON.parse(r.body).code)).toEqual(['C0', 'C1'])
    expect(notifier.stats.dropped).toBe(3)
    await notifier.close()
  })
})

describe('createNotifier: e-mail through nodemailer', () => {
  it('delivers the alert to a real SMTP server', async () => {
    const inbox = await startInbox()
    cleanups.push(() => inbox.close())
    const { mails } = inbox

    const notifier = createNotifier({
      email: { transport: inbox.transport, from: 'kenchi@shop.example', to: ['admin@shop.example', 'ops@shop.example'] },
    })
    notifier.notify({
      kind: 'card-testing',
      code: 'CARD_FAILURES',
      detail: { failures: 81, rate: 0.85 },
      at: Date.UTC(2026, 0, 2, 3, 4, 5),
    })
    await notifier.flush()
    expect(notifier.stats.failed).toBe(0)
    expect(mails).toHaveLength(1)
    expect(mails[0]!.from).toBe('kenchi@shop.example')
    expect(mails[0]!.to).toEqual(['admin@shop.example', 'ops@shop.example'])
    expect(mails[0]!.data).toContain('Subject: [Kenchi] card-testing: CARD_FAILURES')
    expect(mails[0]!.data).toContain('2026-01-02T03:04:05.000Z')
    expect(mails[0]!.data).toContain('"failures": 81')
    await notifier.close()
  })

  it('uses a given transport and retries a failed send', async () => {
    let calls = 0
    const sent: unknown[] = []
    const transport = {
      async sendMail(message: unknown) {
        if (++calls === 1) throw new Error('temporary failure')
        sent.push(message)
      },
    }
    const notifier = createNotifier({
      email: { transport, from: 'k@shop.example', to: 'a@shop.example', backoffMs: 5, subjectPrefix: '[Shop]' },
    })
    notifier.notify({ kind: 'k', code: 'C' })
    await notifier.flush()
    expect(calls).toBe(2)
    expect(sent).toMatchObject([{ subject: '[Shop] k: C', to: 'a@shop.example' }])
  })
})

describe('createNotifier: many kinds', () => {
  it('forgets kinds whose window is over, sending their pending summaries first', () => {
    const got: Alert[] = []
    let t = 0
    const notifier = createNotifier({ hooks: [(a) => void got.push(a)], rateLimit: { max: 1, windowMs: 1000 }, now: () => t })
    notifier.notify({ kind: 'k-0', code: 'A' })
    notifier.notify({ kind: 'k-0', code: 'A' })
    for (let i = 1; i < 1000; i++) notifier.notify({ kind: `k-${i}`, code: 'A' })
    t = 5000
    notifier.notify({ kind: 'new', code: 'A' })
    expect(got.filter((a) => a.code === ALERTS_SUPPRESSED)).toEqual([
      expect.objectContaining({ kind: 'k-0', detail: expect.objectContaining({ suppressed: 1 }) }),
    ])
    // k-0 starts a fresh window.
    expect(notifier.notify({ kind: 'k-0', code: 'A' })).toBe(true)
  })
})
