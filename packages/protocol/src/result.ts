import { TOKEN_ERRORS, type TokenErrorCode } from './constants.js'

/** A failed check: a stable code, a human message, and an optional detail. */
export interface Failure {
  ok: false
  code: TokenErrorCode
  message: string
  detail?: string
}
export type Result<T> = { ok: true; value: T } | Failure

export function fail(code: TokenErrorCode, detail?: string): Failure {
  return detail === undefined ? { ok: false, code, message: TOKEN_ERRORS[code] } : { ok: false, code, message: TOKEN_ERRORS[code], detail }
}

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value }
}
