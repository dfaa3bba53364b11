import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto'
import type { DevicePublicKey, ParsedToken } from '@kenchi/protocol'

// DER prefix of a SubjectPublicKeyInfo for an uncompressed P-256 point (RFC 5480).
const SPKI_P256 = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex')

/**
 * Verifies device signatures. Importing a public key (which checks the point is on the
 * curve) costs more than the signature check itself, so imported keys are kept in a
 * bounded least-recently-used cache: a returning device costs one check.
 */
export function createDeviceVerifier(cacheSize = 10_000): (token: ParsedToken) => boolean {
  const cache = new Map<string, KeyObject>()
  function keyFor(k: DevicePublicKey): KeyObject | undefined {
    const id = k.x + k.y
    const hit = cache.get(id)
    if (hit) {
      cache.delete(id)
      cache.set(id, hit)
      return hit
    }
    let key: KeyObject
    try {
      const x = Buffer.from(k.x, 'base64url')
      const y = Buffer.from(k.y, 'base64url')
      if (x.length !== 32 || y.length !== 32) return undefined
      key = createPublicKey({ key: Buffer.concat([SPKI_P256, Buffer.of(4), x, y]), format: 'der', type: 'spki' })
    } catch {
      return undefined // not a point on the curve
    }
    cache.set(id, key)
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string)
    return key
  }
  return (token) => {
    const key = keyFor(token.body.k)
    if (!key) return false
    try {
      return verify('sha256', Buffer.from(token.signingInput, 'latin1'), { key, dsaEncoding: 'ieee-p1363' }, token.signature)
    } catch {
      return false
    }
  }
}

/** RFC 7638 thumbprint of a device key: the device id. Same result as the protocol's async `jwkThumbprint`. */
export function deviceThumbprint(k: DevicePublicKey): string {
  return createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${k.x}","y":"${k.y}"}`).digest('base64url')
}
