import { utf8 } from '@kenchi/protocol'
import { KID_PATTERN } from '@kenchi/protocol'
import { KenchiError } from './errors.js'

/** A server secret for challenge MACs. The first key in the list signs; all verify. */
export interface ServerKey {
  /** Key id written into challenges, 1–32 characters of `[A-Za-z0-9_-]`. */
  id: string
  /** At least 32 bytes of secret: a string (UTF-8) or bytes. */
  secret: string | Uint8Array
}

export interface KeyRing {
  signingId: string
  get(id: string): CryptoKey | undefined
}

/** Imports HMAC-SHA-256 keys through Web Crypto; throws `KenchiError` on bad configuration. */
export async function importKeys(keys: readonly ServerKey[]): Promise<KeyRing> {
  if (!Array.isArray(keys) || keys.length === 0) throw new KenchiError('CONFIG_KEYS', 'keys: give at least one { id, secret }')
  const ring = new Map<string, CryptoKey>()
  for (const key of keys) {
    if (typeof key?.id !== 'string' || !KID_PATTERN.test(key.id)) {
      throw new KenchiError('CONFIG_KEYS', 'keys: each id must be 1–32 characters of [A-Za-z0-9_-]')
    }
    if (ring.has(key.id)) throw new KenchiError('CONFIG_KEYS', `keys: duplicate id ${key.id}`)
    const bytes = typeof key.secret === 'string' ? utf8(key.secret) : key.secret
    if (!(bytes instanceof Uint8Array) || bytes.length < 32) {
      throw new KenchiError('CONFIG_KEYS', `keys: secret of ${key.id} must be at least 32 bytes`)
    }
    ring.set(
      key.id,
      await crypto.subtle.importKey('raw', bytes as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']),
    )
  }
  return { signingId: keys[0]!.id, get: (id) => ring.get(id) }
}
