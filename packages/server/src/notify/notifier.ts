import { nodemailerTransport } from '../optional.js'
import { optionChecks } from '../validate.js'
import { DeliveryQueue } from './queue.js'
import type { MailTransport } from './transport.js'
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER } from './webhook.js'

/** An alert for the shop's administrator. */
export interface Alert {
  /** What kind of event (`attack-mode`, `login-stop`, `card-testing`...): the rate limit counts per kind. */
  kind: string
  /** A reason code or another stable code. */
  code: string
  detail?: Record<string, unknown>
  /** Unix ms. */
  at: number
}

/** The summary code sent when alerts of a kind were held back by the rate limit. */
export const ALERTS_SUPPRESSED = 'ALERTS_SUPPRESSED'

export type { MailTransport } from './transport.js'

export interface NotifierOptions {
  /** Functions called with each alert (errors are reported to `onError`, never thrown). */
  hooks?: Array<(alert: Alert) => void | Promise<void>>
  webhook?: {
    /** http(s) URL receiving `POST` with the alert as JSON. */
    url: string
    /** Shared secret for the `x-kenchi-signature` HMAC; at least 16 characters. */
    secret: string
    /** Retries after a failed attempt (network error, timeout or non-2xx). Default 3. */
    retries?: number
    /** First backoff, ms, doubled after each failure. Default 1000. */
    backoffMs?: number
    /** Time limit of one attempt, ms. Default 5000. */
    timeoutMs?: number
    /** Alerts waiting at most; more are dropped and counted. Default 1000. */
    maxQueue?: number
  }
  email?: {
    /** A nodemailer transporter (or anything with `sendMail`), or nodemailer SMTP options (`{ host, port, secure, auth }`). */
    transport: MailTransport | Record<string, unknown>
    from: string
    to: string | string[]
    /** Subject prefix. Default `[Kenchi]`. */
    subjectPrefix?: string
    /** Retries after a failed send. Default 2. */
    retries?: number
    /** First backoff, ms. Default 1000. */
    backoffMs?: number
    /** Default 100. */
    maxQueue?: number
  }
  /** At most `max` alerts of one kind per `windowMs`; the rest make one summary at the end of the window. Default 10 per minute. */
  rateLimit?: { max?: number; windowMs?: number }
  /** Called when a hook throws or a delivery is given up or dropped. */
  onError?: (error: unknown, channel: 'hook' | 'webhook' | 'email') => void
  /** Clock, Unix ms (tests). */
  now?: () => number
}

export interface NotifierStats {
  /** Alerts accepted for delivery (summaries included). */
  sent: number
  /** Alerts held back by the rate limit. */
  suppressed: number
  /** Deliveries dropped because a queue was full. */
  dropped: number
  /** Deliveries given up after their retries. */
  failed: number
}

export interface Notifier {
  /** Sends an alert to every channel unless the kind's rate limit holds it back; `true` when sent. Never throws. */
  notify(alert: { kind: string; code: string; detail?: Record<string, unknown>; at?: number }): boolean
  /** Resolves when the webhook and e-mail queues are empty. */
  flush(): Promise<void>
  /** Sends pending summaries, waits for the queues, stops timers and closes a transport it created. */
  close(): Promise<void>
  readonly stats: Readonly<NotifierStats>
}

const MAX_KINDS = 1000

interface KindState {
  windowStart: number
  count: number
  suppressed: number
  codes: Record<string, number>
  timer?: ReturnType<typeof setTimeout>
}

/**
 * Sends alerts `{ kind, code, detail, at }` to hooks, a signed webhook and e-mail, with a
 * rate limit per kind so an attack does not flood the administrator: after `max` alerts
 * of a kind within `windowMs`, the rest are counted and one `ALERTS_SUPPRESSED` summary
 * (`detail: { suppressed, codes, windowMs }`) follows when the window ends.
 *
 * Webhook requests carry `x-kenchi-timestamp` (Unix seconds) and `x-kenchi-signature:
 * sha256=<hex>`, the HMAC-SHA-256 of `<timestamp>.<body>` with the secret (check it with
 * `verifyWebhook`). Deliveries are queued in order, bounded, and retried with exponential
 * backoff. Throws `KenchiError` (`CONFIG_NOTIFY`) for bad options.
 */
export function createNotifier(options: NotifierOptions = {}): Notifier {
  const { fail, number } = optionChecks('CONFIG_NOTIFY', 'createNotifier')
  const int = (value: unknown, name: string, min: number, fallback: number): number => number(name, value, { min, integer: true }, fallback)
  const hooks = options.hooks ?? []
  if (!Array.isArray(hooks) || hooks.some((h) => typeof h !== 'function')) fail('hooks must be an array of functions')
  const max = int(options.rateLimit?.max, 'rateLimit.max', 1, 10)
  const windowMs = int(options.rateLimit?.windowMs, 'rateLimit.windowMs', 10, 60_000)
  const now = options.now ?? Date.now
  const onError = options.onError ?? (() => {})
  const stats: NotifierStats = { sent: 0, suppressed: 0, dropped: 0, failed: 0 }
  const queues: Array<DeliveryQueue<Alert>> = []

  if (options.webhook !== undefined) {
    const { url, secret } = options.webhook
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) fail('webhook.url must be an http(s) URL')
    if (typeof secret !== 'string' || secret.length < 16) fail('webhook.secret must be at least 16 characters')
    const timeoutMs = int(options.webhook.timeoutMs, 'webhook.timeoutMs', 1, 5000)
    queues.push(
      new DeliveryQueue<Alert>({
        retries: int(options.webhook.retries, 'webhook.retries', 0, 3),
        backoffMs: int(options.webhook.backoffMs, 'webhook.backoffMs', 1, 1000),
        maxQueue: int(options.webhook.maxQueue, 'webhook.maxQueue', 1, 1000),
        async send(alert) {
          const body = JSON.stringify(alert)
          const timestamp = Math.floor(Date.now() / 1000)
          const response = await fetch(url, {
            method: 'POST',
            body,
            signal: AbortSignal.timeout(timeoutMs),
            headers: {
              'content-type': 'application/json',
              'user-agent': 'kenchi-notifier',
              [TIMESTAMP_HEADER]: String(timestamp),
              [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
            },
          })
          await response.arrayBuffer().catch(() => undefined)
          if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`)
        },
        onFailed: (_alert, error) => {
          stats.failed++
          onError(error, 'webhook')
        },
        onDropped: () => {
          stats.dropped++
          onError(new Error('webhook queue full: alert dropped'), 'webhook')
        },
      }),
    )
  }

  let ownTransport: MailTransport | undefined
  if (options.email !== undefined) {
    const { transport, from, to } = options.email
    if (typeof transport !== 'object' || transport === null) fail('email.transport must be a transporter or SMTP options')
    if (typeof from !== 'string' || from.length === 0) fail('email.from is required')
    if (!(typeof to === 'string' ? to.length > 0 : Array.isArray(to) && to.length > 0 && to.every((t) => typeof t === 'string')))
      fail('email.to is required')
    const prefix = options.email.subjectPrefix ?? '[Kenchi]'
    let mailer: Promise<MailTransport> | undefined
    const getMailer = (): Promise<MailTransport> => {
      mailer ??= (async () => {
        if (typeof (transport as MailTransport).sendMail === 'function') return transport as MailTransport
        ownTransport = await nodemailerTransport(transport as Record<string, unknown>, 'createNotifier', 'CONFIG_NOTIFY')
        return ownTransport
      })()
      return mailer
    }
    queues.push(
      new DeliveryQueue<Alert>({
        retries: int(options.email.retries, 'email.retries', 0, 2),
        backoffMs: int(options.email.backoffMs, 'email.backoffMs', 1, 1000),
        maxQueue: int(options.email.maxQueue, 'email.maxQueue', 1, 100),
        async send(alert) {
          const m = await getMailer()
          await m.sendMail({
            from,
            to,
            subject: `${prefix} ${alert.kind}: ${alert.code}`,
            text: [
              `${alert.kind}: ${alert.code}`,
              `at: ${new Date(alert.at).toISOString()}`,
              '',
              JSON.stringify(alert.detail ?? {}, null, 2),
              '',
            ].join('\n'),
          })
        },
        onFailed: (_alert, error) => {
          stats.failed++
          onError(error, 'email')
        },
        onDropped: () => {
          stats.dropped++
          onError(new Error('e-mail queue full: alert dropped'), 'email')
        },
      }),
    )
  }

  function deliver(alert: Alert): void {
    stats.sent++
    for (const hook of hooks) {
      try {
        const result = hook(alert)
        if (result instanceof Promise) result.catch((error: unknown) => onError(error, 'hook'))
      } catch (error) {
        onError(error, 'hook')
      }
    }
    for (const queue of queues) queue.push(alert)
  }

  const kinds = new Map<string, KindState>()
  let closed = false

  function summarise(kind: string, state: KindState): void {
    if (state.timer !== undefined) clearTimeout(state.timer)
    state.timer = undefined
    if (state.suppressed === 0) return
    deliver({ kind, code: ALERTS_SUPPRESSED, detail: { suppressed: state.suppressed, codes: state.codes, windowMs }, at: now() })
    state.suppressed = 0
    state.codes = {}
  }

  return {
    stats,
    notify(input) {
      try {
        if (closed || typeof input !== 'object' || input === null || typeof input.kind !== 'string' || typeof input.code !== 'string')
          return false
        const t = now()
        const alert: Alert = { kind: input.kind, code: input.code, at: typeof input.at === 'number' ? input.at : t }
        if (input.detail !== undefined) alert.detail = input.detail
        let state = kinds.get(alert.kind)
        if (state === undefined || t - state.windowStart >= windowMs) {
          if (state !== undefined) summarise(alert.kind, state)
          if (kinds.size >= MAX_KINDS) {
            // Forget kinds whose window is over, so kinds made from request data cannot grow the map without bound.
            for (const [k, s] of kinds) {
              if (t - s.windowStart >= windowMs) {
                summarise(k, s)
                kinds.delete(k)
              }
            }
          }
          state = { windowStart: t, count: 0, suppressed: 0, codes: {} }
          kinds.set(alert.kind, state)
        }
        if (state.count < max) {
          state.count++
          deliver(alert)
          return true
        }
        stats.suppressed++
        state.suppressed++
        state.codes[alert.code] = (state.codes[alert.code] ?? 0) + 1
        if (state.timer === undefined) {
          const s = state
          s.timer = setTimeout(() => summarise(alert.kind, s), Math.max(0, s.windowStart + windowMs - t))
          s.timer.unref?.()
        }
        return false
      } catch (error) {
        onError(error, 'hook')
        return false
      }
    },
    async flush() {
      for (const queue of queues) await queue.idle()
    },
    async close() {
      if (closed) return
      for (const [kind, state] of kinds) summarise(kind, state)
      closed = true
      for (const queue of queues) await queue.idle()
      for (const queue of queues) queue.stop()
      ownTransport?.close?.()
    },
  }
}
