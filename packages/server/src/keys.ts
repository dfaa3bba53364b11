import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'
import { KID_PATTERN } from '@kenchi/protocol'
import { KenchiError, type ErrorCode } from './errors.js'

/** A server secret for challenge MACs. The first key in the list signs; all verify. */
export interface ServerKey {
  /** Key id written into challenges, 1–32 characters of `[A-Za-z0-9_-]`. */
  id: string
  /** At least 32 bytes of secret: a string (UTF-8) or bytes. */
  secret: string | Uint8Array
}

export interface KeyRing {
  signingId: string
  has(id: string): boolean
  /** HMAC-SHA-256 of `input` with key `id`. */
  mac(id: string, input: string): Buffer
  /** Constant-time check of a MAC; false for an unknown key id. */
  verify(id: string, input: string, mac: Uint8Array): boolean
}

/** Reads a secret of at least 32 bytes; throws `KenchiError` with `code` otherwise. */
export function secretBytes(secret: unknown, code: ErrorCode, name: string): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret instanceof Uint8Array ? Buffer.from(secret) : undefined
  if (bytes === undefined || bytes.length < 32) throw new KenchiError(code, `${name} must be at least 32 bytes`)
  return bytes
}

/** Checks the key list and prepares HMAC-SHA-256 with each; throws `KenchiError` on bad configuration. */
export function createKeyRing(keys: readonly ServerKey[]): KeyRing {
  if (!Array.isArray(keys) || keys.length === 0) throw new KenchiError('CONFIG_KEYS', 'keys: give at least one { id, secret }')
  // Secret key objects made once: an HMAC over a KeyObject skips importing the key bytes per call.
  const ring = new Map<string, KeyObject>()
  for (const key of keys) {
    if (typeof key?.id !== 'string' || !KID_PATTERN.test(key.id)) {
      throw new KenchiError('CONFIG_KEYS', 'keys: each id must be 1–32 characters of [A-Za-z0-9_-]')
    }
    if (ring.has(key.id)) throw new KenchiError('CONFIG_KEYS', `keys: duplicate id ${key.id}`)
    ring.set(key.id, createSecretKey(secretBytes(key.secret, 'CONFIG_KEYS', `keys: the secret of ${key.id}`)))
  }
  const mac = (id: string, input: string) => createHmac('sha256', ring.get(id)!).update(input, 'latin1').digest()
  return {
    signingId: keys[0]!.id,
    has: (id) => ring.has(id),
    mac,
    verify(id, input, given) {
      if (!ring.has(id) || given.length !== 32) return false
      return timingSafeEqual(mac(id, input), given)
    },
  }
}
