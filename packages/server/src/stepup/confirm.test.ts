import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { codeIn, linkIn, startInbox, type Inbox } from '../../../../test/support/smtp.js'
import { KenchiError } from '../errors.js'
import { memoryStore } from '../stores/memory.js'
import type { Store } from '../stores/types.js'
import { createConfirmations, type Confirmations, type ConfirmationsOptions } from './confirm.js'
import { emailSender, type CodeMessage, type CodeSender } from './sender.js'

let inbox: Inbox
let t: number
let store: Store

beforeAll(async () => {
  inbox = await startInbox()
})
afterAll(async () => {
  await inbox.close()
})
beforeEach(() => {
  t = Date.UTC(2026, 10, 21, 7, 0, 0)
  store = memoryStore({ now: () => t })
})

function memorySender(): CodeSender & { sent: CodeMessage[] } {
  const sent: CodeMessage[] = []
  return { channel: 'email', sent, send: async (m) => void sent.push(m) }
}

function confirmations(sender: CodeSender, options: Partial<ConfirmationsOptions> = {}): Confirmations {
  return createConfirmations({ store, secret: randomBytes(32), sender, linkUrl: 'https://shop.example/confirm', now: () => t, ...options })
}

const tokenOf = (link: string) => new URL(link).searchParams.get('token')!

describe('confirmation mail through a real SMTP server', () => {
  it('registration: the link from the mail confirms once; the code then reads CONFIRM_USED', async () => {
    const sender = emailSender({ transport: inbox.transport, from: 'no-reply@shop.example' })
    const c = confirmations(sender)
    expect(await c.send({ purpose: 'registration', ref: 'reg-42', to: 'new@example.jp', ip: '198.51.100.1' })).toEqual({
      ok: true,
      expiresAt: t + 24 * 3600_000,
    })
    await c.flush()
    const mail = await inbox.waitFor('new@example.jp')
    const link = linkIn(mail)
    expect(link.startsWith('https://shop.example/confirm?token=')).toBe(true)
    expect(await c.isConfirmed('registration', 'reg-42')).toBe(false)
    expect(await c.confirmLink(tokenOf(link), { purpose: 'registration' })).toEqual({ ok: true, purpose: 'registration', ref: 'reg-42' })
    expect(await c.isConfirmed('registration', 'reg-42')).toBe(true)
    expect(await c.confirmLink(tokenOf(link))).toEqual({ ok: false, code: 'CONFIRM_USED' })
    expect(await c.confirmCode({ purpose: 'registration', ref: 'reg-42', code: codeIn(mail) })).toEqual({ ok: false, code: 'CONFIRM_USED' })
    sender.close()
  })

  it('newsletter double opt-in by the code from the mail', async () => {
    const sender = emailSender({ transport: inbox.transport, from: 'news@shop.example' })
    const c = confirmations(sender)
    await c.send({ purpose: 'newsletter', ref: 'nl-7', to: 'reader@example.jp' })
    await c.flush()
    const mail = await inbox.waitFor('reader@example.jp')
    expect(mail.data).toContain('newsletter')
    expect(await c.confirmCode({ purpose: 'newsletter', ref: 'nl-7', code: codeIn(mail) })).toEqual({
      ok: true,
      purpose: 'newsletter',
      ref: 'nl-7',
    })
    sender.close()
  })
})

describe('confirmation failure codes', () => {
  it('CONFIRM_INVALID for a forged, altered or malformed token; CONFIRM_PURPOSE for another purpose', async () => {
    const sender = memorySender()
    const c = confirmations(sender)
    await c.send({ purpose: 'guest_checkout', ref: 'order-1', to: 'guest@example.jp' })
    const token = tokenOf(sender.sent[0]!.link!)
    const [body, sig] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ p: 'guest_checkout', r: 'order-2', x: t + 1e9 })).toString('base64url')
    for (const bad of [`${forged}.${sig}`, `${body}.${sig!.slice(0, -2)}AA`, 'x', '', 42, `${token}.x`, null]) {
      expect(await c.confirmLink(bad), String(bad)).toEqual({ ok: false, code: 'CONFIRM_INVALID' })
    }
    // A token signed with another secret.
    const other = memorySender()
    await confirmations(other).send({ purpose: 'guest_checkout', ref: 'order-1', to: 'guest@example.jp' })
    expect(await c.confirmLink(tokenOf(other.sent[0]!.link!))).toEqual({ ok: false, code: 'CONFIRM_INVALID' })
    expect(await c.confirmLink(token, { purpose: 'registration' })).toEqual({ ok: false, code: 'CONFIRM_PURPOSE' })
    expect(await c.confirmLink(token, { purpose: 'guest_checkout' })).toMatchObject({ ok: true, ref: 'order-1' })
  })

  it('CONFIRM_EXPIRED for the link and the code after the lifetime', async () => {
    const sender = memorySender()
    const c = confirmations(sender, { ttlMs: 60_000 })
    await c.send({ purpose: 'registration', ref: 'r1', to: 'a@example.jp' })
    t += 60_001
    expect(await c.confirmLink(tokenOf(sender.sent[0]!.link!))).toEqual({ ok: false, code: 'CONFIRM_EXPIRED' })
    expect(await c.confirmCode({ purpose: 'registration', ref: 'r1', code: sender.sent[0]!.code })).toEqual({
      ok: false,
      code: 'CONFIRM_EXPIRED',
    })
  })

  it('CONFIRM_WRONG_CODE counts down, then CONFIRM_TOO_MANY_ATTEMPTS; CONFIRM_NOT_SENT; CONFIRM_INPUT_INVALID', async () => {
    const sender = memorySender()
    const c = confirmations(sender, { maxAttempts: 2 })
    expect(await c.confirmCode({ purpose: 'registration', ref: 'r2', code: '123456' })).toEqual({ ok: false, code: 'CONFIRM_NOT_SENT' })
    await c.send({ purpose: 'registration', ref: 'r2', to: 'b@example.jp' })
    const code = sender.sent[0]!.code
    const wrong = code === '000000' ? '111111' : '000000'
    expect(await c.confirmCode({ purpose: 'registration', ref: 'r2', code: wrong })).toEqual({
      ok: false,
      code: 'CONFIRM_WRONG_CODE',
      attemptsLeft: 1,
    })
    expect(await c.confirmCode({ purpose: 'registration', ref: 'r2', code: wrong })).toEqual({
      ok: false,
      code: 'CONFIRM_WRONG_CODE',
      attemptsLeft: 0,
    })
    expect(await c.confirmCode({ purpose: 'registration', ref: 'r2', code })).toEqual({ ok: false, code: 'CONFIRM_TOO_MANY_ATTEMPTS' })
    // The link still works: it is signed, not guessable.
    expect(await c.confirmLink(tokenOf(sender.sent[0]!.link!))).toMatchObject({ ok: true })
    for (const bad of [
      { purpose: 'unknown', ref: 'r2', code },
      { purpose: 'registration', ref: 'bad ref', code },
      { purpose: 'registration', ref: 'r2', code: '12' },
    ]) {
      expect(await c.confirmCode(bad)).toEqual({ ok: false, code: 'CONFIRM_INPUT_INVALID' })
    }
    expect(await c.send({ purpose: 'registration', ref: 'r3', to: '' })).toEqual({ ok: false, code: 'CONFIRM_INPUT_INVALID' })
    expect(await c.send({ purpose: 'spam', ref: 'r3', to: 'x@example.jp' })).toEqual({ ok: false, code: 'CONFIRM_INPUT_INVALID' })
  })

  it('CONFIRM_COOLDOWN per reference and CONFIRM_RATE_LIMITED per address and per IP; a resend replaces the code', async () => {
    const sender = memorySender()
    const c = confirmations(sender, { cooldownMs: 30_000, limits: { address: 3, ip: 3 } })
    expect((await c.send({ purpose: 'newsletter', ref: 'n1', to: 'x@example.jp' })).ok).toBe(true)
    expect(await c.send({ purpose: 'newsletter', ref: 'n1', to: 'x@example.jp' })).toEqual({
      ok: false,
      code: 'CONFIRM_COOLDOWN',
      retryAfterMs: 30_000,
    })
    t += 30_000
    expect((await c.send({ purpose: 'newsletter', ref: 'n1', to: 'x@example.jp' })).ok).toBe(true)
    t += 30_000
    expect(await c.send({ purpose: 'newsletter', ref: 'n2', to: 'X@example.jp' })).toMatchObject({
      ok: false,
      code: 'CONFIRM_RATE_LIMITED',
    })
    const [first, second] = sender.sent
    if (first!.code !== second!.code) {
      expect(await c.confirmCode({ purpose: 'newsletter', ref: 'n1', code: first!.code })).toMatchObject({ code: 'CONFIRM_WRONG_CODE' })
    }
    expect(await c.confirmCode({ purpose: 'newsletter', ref: 'n1', code: second!.code })).toMatchObject({ ok: true })
    for (const [i, to] of ['p@example.jp', 'q@example.jp', 'r@example.jp', 's@example.jp'].entries()) {
      const result = await c.send({ purpose: 'newsletter', ref: `ip-${i}`, to, ip: '203.0.113.5' })
      expect(result.ok, to).toBe(i < 3)
    }
    expect(sender.sent).toHaveLength(5)
  })

  it('refuses bad options with CONFIG_CONFIRM', () => {
    const sender = memorySender()
    const bad: Array<Partial<ConfirmationsOptions>> = [
      { secret: 'short' },
      { store: undefined as never },
      { sender: undefined as never },
      { linkUrl: 'not a url' },
      { linkUrl: 'javascript:alert(1)' },
      { purposes: ['Bad Purpose'] },
      { ttlMs: 1 },
    ]
    for (const options of bad) {
      try {
        confirmations(sender, options)
        expect.unreachable(JSON.stringify(options))
      } catch (error) {
        expect(error).toBeInstanceOf(KenchiError)
        expect((error as KenchiError).code).toBe('CONFIG_CONFIRM')
      }
    }
  })
})
