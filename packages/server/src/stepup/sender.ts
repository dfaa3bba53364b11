import { KenchiError } from '../errors.js'
import type { MailTransport } from '../notify/notifier.js'
import { nodemailerTransport } from '../optional.js'

/** One message carrying a one-time code (and, for confirmations, a link). */
export interface CodeMessage {
  /** The address or number the app has on file for the user (never one from the request). */
  to: string
  /** The code to show, e.g. `'042917'`. */
  code: string
  /** What the code is for: `step-up` (login, checkout...) or a confirmation purpose (`registration`, `guest_checkout`, `newsletter`). */
  purpose: string
  /** The verified action for a step-up (`login`, `checkout`...). */
  action?: string
  /** A confirmation link, when there is one. */
  link?: string
  /** When the code stops working, Unix ms. */
  expiresAt: number
}

/**
 * Delivers codes. E-mail through nodemailer is built in (`emailSender`); SMS, a voice
 * call or a chat app is a few lines around the provider's API (see docs/step-up.md).
 * Rejecting means the message was not delivered.
 */
export interface CodeSender {
  /** Name of the channel, for the docs and the UI (`email`, `sms`...). */
  readonly channel: string
  send(message: CodeMessage): Promise<void>
}

export interface EmailSenderOptions {
  /**
   * A nodemailer transporter (anything with `sendMail`), nodemailer SMTP options
   * (`{ host, port, secure, auth }`), or an SMTP URL (`smtp://user:pass@smtp.shop.example:587`,
   * `smtps://…` for TLS from the start), e.g. `process.env.SMTP_URL`.
   */
  transport: MailTransport | Record<string, unknown> | string
  /** The sender address, e.g. `'Shop <no-reply@shop.example>'`. */
  from: string
  /** Builds the subject and the text. Default: short English text with the code, its lifetime and the link if any. */
  compose?: (message: CodeMessage) => { subject: string; text: string }
}

/** The default message: the code on a line of its own, the lifetime, the link, and what to do if it was not you. */
export function defaultCompose(message: CodeMessage): { subject: string; text: string } {
  const minutes = Math.max(1, Math.round((message.expiresAt - Date.now()) / 60_000))
  const what =
    message.purpose === 'step-up' ? `confirm it is you (${message.action ?? 'login'})` : `confirm your e-mail address (${message.purpose})`
  const lines = [
    `Your code to ${what}:`,
    '',
    `    ${message.code}`,
    '',
    `It works for about ${minutes} minute${minutes === 1 ? '' : 's'}, once.`,
  ]
  if (message.link) lines.push('', 'Or open this link:', message.link)
  lines.push('', 'If you did not ask for this, ignore this message; nobody can use the code without your password.')
  return { subject: `Your code: ${message.code}`, text: lines.join('\n') }
}

/**
 * Sends codes by e-mail through nodemailer (an optional peer dependency, loaded only when the
 * first message goes out; not needed when `transport` is your own transporter). Without it,
 * sending rejects with `KenchiError` (`CONFIG_STEP_UP`) saying `npm install nodemailer`.
 */
export function emailSender(options: EmailSenderOptions): CodeSender & { close(): void } {
  const { transport, from } = options
  const url = typeof transport === 'string' && /^smtps?:\/\/[^\s]+$/.test(transport)
  if (!url && (typeof transport !== 'object' || transport === null)) {
    throw new KenchiError('CONFIG_STEP_UP', 'emailSender: transport must be a transporter, SMTP options or an smtp:// URL')
  }
  if (typeof from !== 'string' || from.length === 0) throw new KenchiError('CONFIG_STEP_UP', 'emailSender: from is required')
  const compose = options.compose ?? defaultCompose
  let own: MailTransport | undefined
  let mailer: Promise<MailTransport> | undefined
  const getMailer = () => {
    mailer ??= (async () => {
      if (!url && typeof (transport as MailTransport).sendMail === 'function') return transport as MailTransport
      own = await nodemailerTransport(transport as Record<string, unknown> | string, 'emailSender', 'CONFIG_STEP_UP')
      return own
    })()
    return mailer
  }
  return {
    channel: 'email',
    async send(message) {
      const { subject, text } = compose(message)
      await (await getMailer()).sendMail({ from, to: message.to, subject, text })
    },
    close() {
      own?.close?.()
    },
  }
}
