/** Configuration errors thrown by factories (never by `verify()`), with a stable code. */
export class KenchiError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'KenchiError'
    this.code = code
  }
}
