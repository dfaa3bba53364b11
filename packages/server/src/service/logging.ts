// Structured logs through pino, an optional peer dependency loaded by `createLogger()` (so by
// `createService()` and `kenchi-server serve` only, and not when `logger` is given or false):
// one JSON object per line on standard output (`level` as a number, `time` in Unix ms, `msg`).
// What is logged never holds personal data: no IP addresses, tokens, login ids, user ids or
// e-mail addresses; only site ids, routes, status codes, durations, decisions, reason codes
// and event ids. pino's `redact` removes those fields anyway if a future line carried one.
import { KenchiError } from '../errors.js'
import { isMissingModule } from '../optional.js'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/** Field names that would hold personal data or secrets: censored by pino if ever logged. */
export const REDACTED_FIELDS = ['ip', 'loginId', 'userId', 'email', 'to', 'token', 'secret', 'authorization'].flatMap((f) => [f, `*.${f}`])

/** A logger that writes nothing (for `logger: false`); needs no package. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/**
 * A pino logger writing JSON lines at `level` and above, to standard output (synchronously,
 * so the last lines are written before the process exits) or to `write`. Rejects with
 * `KenchiError` `CONFIG_SERVICE` saying `npm install pino` when pino is not installed.
 */
export async function createLogger(level: LogLevel = 'info', write?: (line: string) => void): Promise<Logger> {
  type Pino = typeof import('pino')
  let pino: Pino['pino']
  try {
    const mod = (await import('pino')) as unknown as Pino & { default?: Pino['pino'] }
    pino = (mod.pino ?? mod.default) as Pino['pino']
  } catch (error) {
    if (!isMissingModule(error, 'pino')) throw error
    throw new KenchiError(
      'CONFIG_SERVICE',
      'the verification service logs with the optional peer dependency pino: npm install pino (or pass logger)',
      { cause: error },
    )
  }
  const options = { name: 'kenchi-service', level, base: { pid: process.pid }, redact: { paths: REDACTED_FIELDS, censor: '[redacted]' } }
  const logger = write ? pino(options, { write }) : pino(options, pino.destination({ fd: 1, sync: true }))
  return {
    debug: (msg, fields = {}) => logger.debug(fields, msg),
    info: (msg, fields = {}) => logger.info(fields, msg),
    warn: (msg, fields = {}) => logger.warn(fields, msg),
    error: (msg, fields = {}) => logger.error(fields, msg),
  }
}
