// The heavy parts some apps never use are optional peer dependencies, loaded on first use:
// nodemailer (e-mail) and the DB-IP country database. A missing one fails with a
// `KenchiError` that names the package to install.
import { KenchiError, type ErrorCode } from './errors.js'
import type { MailTransport } from './notify/transport.js'

/** True when `error` says the module itself could not be found (not an error inside it). */
export function isMissingModule(error: unknown, name: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && typeof e.message === 'string' && e.message.includes(name)
}

/**
 * Imports nodemailer and makes a transporter from SMTP options or an smtp:// URL. Rejects with `KenchiError`
 * (`code`) saying `npm install nodemailer` when it is not installed.
 */
export async function nodemailerTransport(options: Record<string, unknown> | string, who: string, code: ErrorCode): Promise<MailTransport> {
  let nodemailer: typeof import('nodemailer')
  try {
    nodemailer = await import('nodemailer')
  } catch (error) {
    if (!isMissingModule(error, 'nodemailer')) throw error
    throw new KenchiError(
      code,
      `${who}: sending e-mail through SMTP options needs the optional peer dependency nodemailer: npm install nodemailer (or pass a transporter with sendMail)`,
      { cause: error },
    )
  }
  const create = (nodemailer.createTransport ?? (nodemailer as unknown as { default: typeof nodemailer }).default.createTransport) as (
    o: Record<string, unknown> | string,
  ) => MailTransport
  return create(options)
}
