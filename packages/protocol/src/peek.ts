import { base64urlDecode, fromUtf8 } from './base64url.js'

/** What a client needs to know of a challenge: nonce, times, difficulty. */
export interface ChallengePeek {
  n: string
  iat: number
  exp: number
  pow: number
}

/**
 * Reads the parts of a challenge a client needs, with only the checks a client can make
 * (shape `kc1.<payload>.<mac>`, JSON payload with a nonce and integer times). Smaller than
 * `readChallenge`, which validates the whole schema; the server validates everything
 * anyway. Returns `undefined` for anything that is not a challenge. Never throws.
 */
export function peekChallenge(raw: unknown): ChallengePeek | undefined {
  if (typeof raw !== 'string' || raw.length > 512) return undefined
  const parts = raw.split('.')
  if (parts.length !== 3 || parts[0] !== 'kc1') return undefined
  const bytes = base64urlDecode(parts[1]!)
  const text = bytes && fromUtf8(bytes)
  try {
    const p = text && JSON.parse(text)
    const int = (x: unknown) => Number.isSafeInteger(x)
    if (!p || typeof p.n !== 'string' || !int(p.iat) || !int(p.exp) || p.exp <= p.iat) return undefined
    return { n: p.n, iat: p.iat, exp: p.exp, pow: int(p.pow) ? p.pow : 0 }
  } catch {
    return undefined
  }
}
