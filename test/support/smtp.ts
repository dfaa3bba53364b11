// A real SMTP server on 127.0.0.1 (the smtp-server package) that keeps every message it
// receives, for tests that read codes and links out of actual mail.
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  from: string
  to: string[]
  data: string
}

export interface Inbox {
  port: number
  /** nodemailer SMTP options for this server. */
  transport: { host: string; port: number; secure: false; ignoreTLS: true }
  mails: ReceivedMail[]
  /** Waits for the `n`-th message (1-based) to `to`, up to `timeoutMs`. */
  waitFor(to: string, n?: number, timeoutMs?: number): Promise<ReceivedMail>
  close(): Promise<void>
}

export async function startInbox(): Promise<Inbox> {
  const mails: ReceivedMail[] = []
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
  const port = (smtp.server.address() as AddressInfo).port
  return {
    port,
    transport: { host: '127.0.0.1', port, secure: false, ignoreTLS: true },
    mails,
    async waitFor(to, n = 1, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs
      for (;;) {
        const got = mails.filter((m) => m.to.includes(to))
        if (got.length >= n) return got[n - 1]!
        if (Date.now() > until) throw new Error(`no message #${n} for ${to} within ${timeoutMs} ms (have ${got.length})`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
    close: () => new Promise((resolve) => smtp.close(() => resolve())),
  }
}

/** The code on a line of its own in a message (the default text puts it there). */
export function codeIn(mail: ReceivedMail): string {
  const match = /^\s+(\d{4,10})\s*$/m.exec(mail.data)
  if (!match) throw new Error(`no code in:\n${mail.data}`)
  return match[1]!
}

/** The message text with quoted-printable soft breaks and escapes undone. */
export function textOf(mail: ReceivedMail): string {
  return mail.data.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
}

/** The first http(s) link in a message. */
export function linkIn(mail: ReceivedMail): string {
  const match = /https?:\/\/\S+/.exec(textOf(mail))
  if (!match) throw new Error(`no link in:\n${mail.data}`)
  return match[0]
}
