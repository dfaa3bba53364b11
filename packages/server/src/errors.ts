/**
 * Errors thrown by factories and by the reporting calls (never by `verify()`), with a
 * stable `code`: `CONFIG_*` for configuration, `CHALLENGE_*` from `challenge()`,
 * `EVENT_UNKNOWN`, `STORE_UNAVAILABLE` and `INPUT_INVALID` from `reportOutcome()` / `label()`.
 */
export class KenchiError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KenchiError'
    this.code = code
  }
}
