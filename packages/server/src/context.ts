import { parseIp } from './lists/ip.js'
import type { VerifyContext } from './rules/types.js'

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
  const ip = parseIp(c.ip) !== undefined ? (c.ip as string).trim() : undefined
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
