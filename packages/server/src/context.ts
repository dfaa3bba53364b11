import { isIp } from './lists/ip.js'

/** What the app tells `verify()` about the request. */
export interface VerifyContext {
  /** The action this request performs (`login`, `register`, `checkout`...); must match the challenge. */
  action: string
  /** Client IP as the app sees it (after its own proxy handling). A value that is no IPv4 or IPv6 address is dropped. */
  ip?: string
  /** The request's User-Agent header. Taken from `headers` when absent. */
  userAgent?: string
  /** The request's Origin header; must match the challenge if given. Taken from `headers` when absent. */
  origin?: string
  /** Request headers (lower-case names), for rules that read them. Not stored. */
  headers?: Record<string, string | string[] | undefined>
  /**
   * The account this request is about, if it exists (login name, customer number). Builds
   * the account's history (devices, trust, step-up). Stored only as a keyed hash.
   */
  userId?: string
  /**
   * The login identifier typed into a login (or password-reset) form, whether an account
   * has it or not. Velocity limits on user ids and attack mode's `distinctUsers` count it,
   * so guesses at unknown addresses count towards credential stuffing, while the account
   * history stays about real accounts: pass `userId` only when the account exists. Hashed
   * like `userId` (the same keyed hash for the same string); defaults to `userId`.
   */
  loginId?: string
  /** The e-mail address involved, if any. Normalised (trimmed, lower-cased) and stored only as a keyed hash. */
  email?: string
  /** Free fields for custom rules (e.g. order amount). Not stored. */
  fields?: Record<string, unknown>
}

const MAX_IDENTITY = 512

/**
 * A context with the right types only: hostile or sloppy values are dropped, never
 * trusted. May throw if reading `input` throws (a getter, a proxy trap): `verify()` answers
 * that with `CONTEXT_INVALID`.
 */
export function normaliseContext(input: unknown): VerifyContext {
  const c = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>
  const text = (v: unknown, max = MAX_IDENTITY) => (typeof v === 'string' && v.length <= max ? v : undefined)
  const headers = typeof c.headers === 'object' && c.headers !== null ? (c.headers as VerifyContext['headers']) : undefined
  const header = (name: string) => {
    const value = headers?.[name]
    return text(Array.isArray(value) ? value[0] : value, 2048)
  }
  const out: VerifyContext = { action: text(c.action, 64) ?? '' }
  // Not an IP address (e.g. a forged X-Forwarded-For a proxy passed on): not recorded, not counted.
  const ip = isIp(c.ip) ? (c.ip as string).trim() : undefined
  const userAgent = text(c.userAgent, 2048) ?? header('user-agent')
  const origin = text(c.origin, 256) ?? header('origin')
  const userId = text(c.userId)
  const loginId = text(c.loginId)
  const email = text(c.email)
  if (ip !== undefined) out.ip = ip
  if (userAgent !== undefined) out.userAgent = userAgent
  if (origin !== undefined) out.origin = origin
  if (headers !== undefined) out.headers = headers
  if (userId !== undefined && userId.length > 0) out.userId = userId
  if (loginId !== undefined && loginId.length > 0) out.loginId = loginId
  if (email !== undefined && email.trim().length > 0) out.email = email
  if (typeof c.fields === 'object' && c.fields !== null) out.fields = c.fields as Record<string, unknown>
  return out
}
