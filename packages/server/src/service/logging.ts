// Structured logs: one JSON object per line on standard output, in pino's shape (`level` as a
// number, `time` in Unix ms, `msg`), so pino-pretty and log shippers that read pino read them.
// Written by hand to keep @kenchi/server free of a logging dependency. What is logged never
// holds personal data: no IP addresses, tokens, login ids, user ids or e-mail addresses; only
// site ids, routes, status codes, durations, decisions, reason codes and event ids.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity } as const

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

/** A logger writing JSON lines to `write` (default standard output) at `level` and above. */
export function createLogger(level: LogLevel = 'info', write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const min = LEVELS[level]
  const at = (name: Exclude<LogLevel, 'silent'>) => (msg: string, fields: Record<string, unknown> = {}) => {
    const n = LEVELS[name]
    if (n < min) return
    write(JSON.stringify({ level: n, time: Date.now(), pid: process.pid, name: 'kenchi-service', ...fields, msg }) + '\n')
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}
