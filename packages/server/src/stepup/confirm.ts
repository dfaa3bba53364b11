import { createHmac, timingSafeEqual } from 'node:crypto'
import { deliverInBackground, optionChecks, settle } from './options.js'
import { secretBytes } from '../keys.js'
import { confirmKeys as keys } from '../store-keys/stepup.js'
import type { Store } from '../stores/types.js'
import { attemptCounter, newCode, storeGuard, typedCode } from './attempt.js'
import type { CodeSender } from './sender.js'

/** Stable codes of a confirmation that did not go through. */
export type ConfirmErrorCode =
  | 'CONFIRM_INPUT_INVALID'
  | 'CONFIRM_INVALID'
  | 'CONFIRM_PURPOSE'
  | 'CONFIRM_EXPIRED'
  | 'CONFIRM_USED'
  | 'CONFIRM_NOT_SENT'
  | 'CONFIRM_WRONG_CODE'
  | 'CONFIRM_TOO_MANY_ATTEMPTS'
  | 'CONFIRM_COOLDOWN'
  | 'CONFIRM_RATE_LIMITED'

export const CONFIRM_ERROR_CODES: readonly ConfirmErrorCode[] = [
  'CONFIRM_INPUT_INVALID',
  'CONFIRM_INVALID',
  'CONFIRM_PURPOSE',
  'CONFIRM_EXPIRED',
  'CONFIRM_USED',
  'CONFIRM_NOT_SENT',
  'CONFIRM_WRONG_CODE',
  'CONFIRM_TOO_MANY_ATTEMPTS',
  'CONFIRM_COOLDOWN',
  'CONFIRM_RATE_LIMITED',
]

export interface ConfirmFailure {
  ok: false
  code: ConfirmErrorCode
  attemptsLeft?: number
  retryAfterMs?: number
}

export interface Confirmed {
  ok: true
  purpose: string
  /** The app's reference for the pending registration, order or sign-up. */
  ref: string
}

export interface ConfirmationsOptions {
  /** Where the single-use and attempt state lives: the verifier's store (`verifier.store`) or any `Store`. */
  store: Store
  /** Secret (≥ 32 bytes) signing the links and keying the code hashes. */
  secret: string | Uint8Array
  /** Delivers the messages, e.g. `emailSender({ transport, from })`. */
  sender: CodeSender
  /** The page that confirms links; the token is appended as `?token=...`. E.g. `https://shop.example/confirm`. */
  linkUrl: string
  /** Purposes accepted. Default `registration`, `guest_checkout`, `newsletter`. */
  purposes?: readonly string[]
  /** How long a link and its code work, ms. Default 24 hours. */
  ttlMs?: number
  /** Digits per code, 4–10. Default 6. */
  codeLength?: number
  /** Wrong codes allowed per reference. Default 5. */
  maxAttempts?: number
  /** Least time between two messages for one reference, ms. Default 60 s. */
  cooldownMs?: number
  /** Messages per address and per IP within `windowMs`. Default 5 per address, 20 per IP, per hour. */
  limits?: { address?: number; ip?: number; windowMs?: number }
  /** Called when a delivery fails (the send has already answered). */
  onDeliveryError?: (error: unknown) => void
  /** Clock, Unix ms (tests). Use the same clock as the store. */
  now?: () => number
}

export interface Confirmations {
  /**
   * Sends a signed, expiring, single-use link and a code to `to` for the app's pending
   * `ref` (a registration, a guest order, a newsletter sign-up). Resolves before the
   * delivery finishes. A new message for the same reference replaces the previous code;
   * earlier links keep working until they expire or one of them is used.
   */
  send(request: { purpose: string; ref: string; to: string; ip?: string }): Promise<{ ok: true; expiresAt: number } | ConfirmFailure>
  /** Confirms with the token from the link; `purpose`, when given, must match. Single use. */
  confirmLink(token: unknown, expect?: { purpose?: string }): Promise<Confirmed | ConfirmFailure>
  /** Confirms with the code typed on the page of the pending reference. Single use, bounded attempts. */
  confirmCode(request: { purpose: string; ref: string; code: string }): Promise<Confirmed | ConfirmFailure>
  /** Whether a reference has been confirmed (and the confirmation not yet expired from the store). */
  isConfirmed(purpose: string, ref: string): Promise<boolean>
  /** Resolves when deliveries started so far have finished. */
  flush(): Promise<void>
}

const REF = /^[\w-]{1,64}$/
const PURPOSE = /^[a-z][a-z_]{0,31}$/

/**
 * E-mail confirmation before a registration or a guest order continues, and double opt-in
 * for a newsletter: a link signed with HMAC-SHA-256 carrying the purpose, the reference and
 * the expiry, and a code for shops that prefer typing; either confirms once. Throws
 * `KenchiError` `CONFIG_CONFIRM` for bad options.
 */
export function createConfirmations(options: ConfirmationsOptions): Confirmations {
  const { fail, int } = optionChecks('CONFIG_CONFIRM', 'createConfirmations')
  const store = options.store
  if (!store || typeof store.setIfAbsent !== 'function') fail('store is required (e.g. verifier.store)')
  const key = secretBytes(options.secret, 'CONFIG_CONFIRM', 'createConfirmations: secret')
  const sender = options.sender
  if (!sender || typeof sender.send !== 'function') fail('sender is required, e.g. emailSender({ transport, from })')
  let linkUrl: URL
  try {
    linkUrl = new URL(options.linkUrl)
  } catch {
    return fail('linkUrl must be an absolute URL')
  }
  if (linkUrl.protocol !== 'https:' && linkUrl.protocol !== 'http:') fail('linkUrl must be http(s)')
  const purposes = new Set(options.purposes ?? ['registration', 'guest_checkout', 'newsletter'])
  for (const p of purposes) if (typeof p !== 'string' || !PURPOSE.test(p)) fail(`purpose ${String(p)} must be lower-case letters and _`)
  const ttl = int(options.ttlMs, 'ttlMs', 1000, 30 * 24 * 3600_000, 24 * 3600_000)
  const digits = int(options.codeLength, 'codeLength', 4, 10, 6)
  const maxAttempts = int(options.maxAttempts, 'maxAttempts', 1, 100, 5)
  const cooldown = int(options.cooldownMs, 'cooldownMs', 0, 3600_000, 60_000)
  const windowMs = int(options.limits?.windowMs, 'limits.windowMs', 1000, 7 * 24 * 3600_000, 3600_000)
  const perAddress = int(options.limits?.address, 'limits.address', 1, 1_000_000, 5)
  const perIp = int(options.limits?.ip, 'limits.ip', 1, 1_000_000, 20)
  const now = options.now ?? Date.now
  const onDeliveryError = options.onDeliveryError ?? (() => {})
  const pending = new Set<Promise<void>>()
  /** State outlives the links so a late or repeated click still reads `CONFIRM_USED`. */
  const span = ttl * 2
  const attempts = attemptCounter(store, maxAttempts, span)

  const mac = (...parts: string[]) => createHmac('sha256', key).update(parts.join('\n'), 'utf8').digest()
  const failure = (code: ConfirmErrorCode, extra: Partial<ConfirmFailure> = {}): ConfirmFailure => ({ ok: false, code, ...extra })
  const id = (purpose: string, ref: string) => mac('ref', purpose, ref).toString('base64url')
  const codeKey = (purpose: string, ref: string, gen: number, code: string) =>
    keys.code(id(purpose, ref), gen, mac('code', purpose, ref, String(gen), code).toString('base64url'))
  const guard = <T>(call: () => Promise<T>): Promise<T> => storeGuard('confirmations', call)

  function sign(purpose: string, ref: string, exp: number): string {
    const body = Buffer.from(JSON.stringify({ p: purpose, r: ref, x: exp }), 'utf8').toString('base64url')
    return `${body}.${mac('link', body).toString('base64url')}`
  }

  function read(token: unknown): { p: string; r: string; x: number } | undefined {
    if (typeof token !== 'string' || token.length > 1024) return undefined
    const [body, sig, extra] = token.split('.')
    if (!body || !sig || extra !== undefined) return undefined
    const given = Buffer.from(sig, 'base64url')
    const wanted = mac('link', body)
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return undefined
    try {
      const v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { p?: unknown; r?: unknown; x?: unknown }
      if (typeof v.p !== 'string' || typeof v.r !== 'string' || typeof v.x !== 'number') return undefined
      return { p: v.p, r: v.r, x: v.x }
    } catch {
      return undefined
    }
  }

  async function finish(purpose: string, ref: string): Promise<Confirmed | ConfirmFailure> {
    if (!(await store.setIfAbsent(keys.done(id(purpose, ref)), span))) return failure('CONFIRM_USED')
    return { ok: true, purpose, ref }
  }

  return {
    async send(request) {
      const { purpose, ref, to, ip } = request ?? ({} as typeof request)
      if (typeof purpose !== 'string' || !purposes.has(purpose) || typeof ref !== 'string' || !REF.test(ref))
        return failure('CONFIRM_INPUT_INVALID')
      if (typeof to !== 'string' || to.length === 0 || to.length > 320) return failure('CONFIRM_INPUT_INVALID')
      return guard(async () => {
        const at = now()
        const rid = id(purpose, ref)
        if (await store.has(keys.done(rid))) return failure('CONFIRM_USED')
        let over = (await store.hit(keys.rateAddress(mac('to', to.trim().toLowerCase()).toString('base64url')), windowMs, at)) > perAddress
        if (ip !== undefined && (await store.hit(keys.rateIp(ip), windowMs, at)) > perIp) over = true
        if (over) return failure('CONFIRM_RATE_LIMITED', { retryAfterMs: windowMs })
        if (!(await store.setIfAbsent(keys.cooldown(rid), Math.max(1, cooldown))))
          return failure('CONFIRM_COOLDOWN', { retryAfterMs: cooldown })
        const gen = await store.hit(keys.generations(rid), span, at)
        const code = newCode(digits)
        const expiresAt = at + ttl
        await store.setFlag(codeKey(purpose, ref, gen, code), span)
        await store.setFlag(keys.live(rid, gen), ttl)
        const link = new URL(linkUrl)
        link.searchParams.set('token', sign(purpose, ref, expiresAt))
        deliverInBackground(pending, sender.send({ to, code, purpose, link: link.toString(), expiresAt }), onDeliveryError)
        return { ok: true as const, expiresAt }
      })
    },

    async confirmLink(token, expected = {}) {
      const payload = read(token)
      if (!payload || !purposes.has(payload.p) || !REF.test(payload.r)) return failure('CONFIRM_INVALID')
      if (expected.purpose !== undefined && expected.purpose !== payload.p) return failure('CONFIRM_PURPOSE')
      return guard(async () => {
        if (await store.has(keys.done(id(payload.p, payload.r)))) return failure('CONFIRM_USED')
        if (now() > payload.x) return failure('CONFIRM_EXPIRED')
        return finish(payload.p, payload.r)
      })
    },

    async confirmCode(request) {
      const { purpose, ref } = request ?? ({} as typeof request)
      const code = typedCode(request?.code, digits)
      if (typeof purpose !== 'string' || !purposes.has(purpose) || typeof ref !== 'string' || !REF.test(ref))
        return failure('CONFIRM_INPUT_INVALID')
      if (code === undefined) return failure('CONFIRM_INPUT_INVALID')
      return guard(async () => {
        const at = now()
        const rid = id(purpose, ref)
        if (await store.has(keys.done(rid))) return failure('CONFIRM_USED')
        const gen = await store.countHits(keys.generations(rid), span, at)
        if (gen === 0) return failure('CONFIRM_NOT_SENT')
        if (await attempts.exhausted(keys.attempts(rid), at)) return failure('CONFIRM_TOO_MANY_ATTEMPTS')
        if (!(await store.has(keys.live(rid, gen)))) return failure('CONFIRM_EXPIRED')
        const left = await attempts.count(keys.attempts(rid), at)
        if (left === undefined) return failure('CONFIRM_TOO_MANY_ATTEMPTS')
        if (!(await store.has(codeKey(purpose, ref, gen, code)))) return failure('CONFIRM_WRONG_CODE', { attemptsLeft: left })
        return finish(purpose, ref)
      })
    },

    isConfirmed(purpose, ref) {
      return guard(() => store.has(keys.done(id(purpose, ref))))
    },

    flush: () => settle(pending),
  }
}
