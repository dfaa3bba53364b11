// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), for users who enrolled an
// authenticator app. node:crypto only.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { KenchiError } from '../errors.js'

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512'

export interface TotpOptions {
  /** Seconds per step. Default 30. */
  step?: number
  /** Digits, 6–8. Default 6. */
  digits?: number
  /** Default `sha1`, what authenticator apps use. */
  algorithm?: TotpAlgorithm
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** Encodes bytes as RFC 4648 base32 without padding (how authenticator apps take secrets). */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  return out
}

/** Decodes RFC 4648 base32 (case, spaces and padding ignored); throws `KenchiError` `INPUT_INVALID` for other characters. */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=]/g, '')
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const ch of clean) {
    const i = BASE32.indexOf(ch)
    if (i < 0) throw new KenchiError('INPUT_INVALID', 'base32: unexpected character')
    value = (value << 5) | i
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** HOTP (RFC 4226) for one counter value. */
export function hotp(secret: Uint8Array, counter: number, digits = 6, algorithm: TotpAlgorithm = 'sha1'): string {
  const message = Buffer.alloc(8)
  message.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac(algorithm, secret).update(message).digest()
  const offset = mac[mac.length - 1]! & 15
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!
  return String(binary % 10 ** digits).padStart(digits, '0')
}

function settings(options: TotpOptions): Required<TotpOptions> {
  const step = options.step ?? 30
  const digits = options.digits ?? 6
  const algorithm = options.algorithm ?? 'sha1'
  if (!Number.isInteger(step) || step < 1) throw new KenchiError('INPUT_INVALID', 'totp: step must be a positive integer')
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) throw new KenchiError('INPUT_INVALID', 'totp: digits must be 6–8')
  if (!['sha1', 'sha256', 'sha512'].includes(algorithm))
    throw new KenchiError('INPUT_INVALID', 'totp: algorithm must be sha1, sha256 or sha512')
  return { step, digits, algorithm }
}

/** The TOTP code at `timeMs` (Unix ms). */
export function totp(secret: Uint8Array, timeMs: number, options: TotpOptions = {}): string {
  const { step, digits, algorithm } = settings(options)
  return hotp(secret, Math.floor(timeMs / 1000 / step), digits, algorithm)
}

/**
 * Checks a TOTP code against the steps from `window` before to `window` after `timeMs`
 * (default 1: ±30 s of clock drift), comparing in constant time and always checking every
 * step. Resolves the matching step counter (to refuse its reuse), or `undefined`.
 */
export function verifyTotp(
  secret: Uint8Array,
  code: string,
  timeMs: number,
  options: TotpOptions & { window?: number } = {},
): number | undefined {
  const { step, digits, algorithm } = settings(options)
  const window = options.window ?? 1
  if (typeof code !== 'string' || code.length !== digits || !/^\d+$/.test(code)) return undefined
  const now = Math.floor(timeMs / 1000 / step)
  const given = Buffer.from(code, 'latin1')
  let found: number | undefined
  for (let c = now - window; c <= now + window; c++) {
    if (c < 0) continue
    if (timingSafeEqual(Buffer.from(hotp(secret, c, digits, algorithm), 'latin1'), given) && found === undefined) found = c
  }
  return found
}

/** A new random secret (20 bytes) and the `otpauth://` URI to show as a QR code for enrolment. */
export function generateTotpSecret(label: { issuer: string; account: string }): { secret: string; uri: string } {
  const secret = base32Encode(randomBytes(20))
  const issuer = encodeURIComponent(label.issuer)
  const uri = `otpauth://totp/${issuer}:${encodeURIComponent(label.account)}?secret=${secret}&issuer=${issuer}&algorithm=SHA1&digits=6&period=30`
  return { secret, uri }
}
